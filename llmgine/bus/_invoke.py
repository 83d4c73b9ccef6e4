"""Calling one handler: sync or async, with or without a timeout, failures captured."""

from __future__ import annotations

import asyncio
import inspect
import traceback
from typing import Any

from llmgine.bus._routing import HandlerEntry
from llmgine.messages import HandlerFailedEvent, Message

_TRACEBACK_LIMIT = 4000


class HandlerTimeoutError(TimeoutError):
    """A handler ran past its timeout and was cancelled."""


async def call_handler(entry: HandlerEntry, message: Message, timeout: float | None) -> Any:
    """Run ``entry`` on ``message`` and return what it returned.

    Raises what the handler raised, or ``HandlerTimeoutError`` when ``timeout`` expired.
    A sync handler cannot be interrupted: only the awaitable it returns is timed.
    """
    handler = entry.handler
    if timeout is None:
        if entry.is_async:
            return await handler(message)  # type: ignore[misc]
        value = handler(message)
        if inspect.isawaitable(value):
            value = await value
        return value
    try:
        async with asyncio.timeout(timeout) as scope:
            value = handler(message)
            if inspect.isawaitable(value):
                value = await value
            return value
    except TimeoutError as exc:
        if scope.expired():
            raise HandlerTimeoutError(
                f"{entry.name} did not finish within {timeout:g} s and was cancelled"
            ) from exc
        raise


def failure_event(handler: str, message: Message, exc: BaseException) -> HandlerFailedEvent:
    """The event that records ``handler`` raising ``exc`` while handling ``message``."""
    text = "".join(traceback.format_exception(exc))
    return HandlerFailedEvent(
        handler=handler,
        message_type=type(message).__name__,
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
