"""Calling one handler, and describing how it failed.

Every handler is called the same way: ``invoke(message)``, awaited when it returns an
awaitable. ``invoker`` prepares ``invoke`` once, at registration: the handler itself for an
``async def`` (its coroutine is awaited), the handler for a sync callable (awaited only if
it returns an awaitable), and a wrapper that applies the timeout for a timed one.
"""

from __future__ import annotations

import asyncio
import inspect
import traceback
from collections.abc import Callable
from typing import Any

from llmgine.bus._errors import HandlerTimeoutError
from llmgine.messages import HandlerFailedEvent, Message

_TRACEBACK_LIMIT = 4000

Invoke = Callable[[Any], Any]


def invoker(handler: Invoke, name: str, timeout: float | None) -> Invoke:
    """The callable the bus calls for ``handler``: with ``timeout`` applied, if any.

    A sync handler cannot be interrupted: only the awaitable it returns is timed.
    """
    if timeout is None:
        return handler

    async def timed(message: Any) -> Any:
        try:
            async with asyncio.timeout(timeout) as scope:
                value = handler(message)
                if inspect.isawaitable(value):
                    value = await value
                return value
        except TimeoutError as exc:
            if scope.expired():
                raise HandlerTimeoutError(
                    f"{name} did not finish within {timeout:g} s and was cancelled"
                ) from exc
            raise

    return timed


def failure_event(handler: str, message: Message, exc: BaseException) -> HandlerFailedEvent:
    """The event that records ``handler`` raising ``exc`` while handling ``message``."""
    text = "".join(traceback.format_exception(exc))
    return HandlerFailedEvent(
        handler=handler,
        message_type=type(message).wire_name,
        failed_message_id=message.message_id,
        exception_type=type(exc).__name__,
        exception_message=str(exc),
        traceback=text[-_TRACEBACK_LIMIT:],
        parent_id=message.message_id,
        session_id=message.session_id,
    )


def describe(exc: BaseException) -> str:
    """``"ValueError: bad input"``: how a failure reads in a ``CommandResult``."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
