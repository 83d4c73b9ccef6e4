"""Middleware: code that wraps handling, to observe, change or reject messages.

A middleware is an async callable that receives the message and ``call_next``:

    async def audit(command, call_next):
        started = time.perf_counter()
        result = await call_next(command)            # or call_next(changed_copy)
        log.info("%s took %.1f ms", type(command).__name__, ...)
        return result                                # or a different CommandResult

Command middleware returns the ``CommandResult``; event middleware returns nothing and
wraps the delivery of one event to all of its handlers. Not calling ``call_next`` rejects
the message; raising ``MessageRejected`` does the same with a reason that ends up in the
failed result. The first middleware added is the outermost. This is the mechanism the
hooks of the chat engine are built on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from llmgine.bus._errors import MessageRejected
from llmgine.bus._routing import handler_name
from llmgine.messages import Command, CommandResult, Event

CommandNext = Callable[[Command[Any]], Awaitable[CommandResult[Any]]]
CommandMiddleware = Callable[[Command[Any], CommandNext], Awaitable[CommandResult[Any]]]
EventNext = Callable[[Event], Awaitable[None]]
EventMiddleware = Callable[[Event, EventNext], Awaitable[None]]

M = TypeVar("M")
R = TypeVar("R")


class MiddlewareFailed(Exception):
    """Internal: carries an exception out of a middleware with the middleware's name."""

    def __init__(self, name: str, error: Exception) -> None:
        super().__init__(name, error)
        self.name = name
        self.error = error


def compose(
    middlewares: Sequence[Callable[[M, Callable[[M], Awaitable[R]]], Awaitable[R]]],
    terminal: Callable[[M], Awaitable[R]],
) -> Callable[[M], Awaitable[R]]:
    """Wrap ``terminal`` in ``middlewares``, the first one outermost."""
    chain = terminal
    for middleware in reversed(middlewares):
        chain = _link(middleware, chain)
    return chain


def _link(
    middleware: Callable[[M, Callable[[M], Awaitable[R]]], Awaitable[R]],
    call_next: Callable[[M], Awaitable[R]],
) -> Callable[[M], Awaitable[R]]:
    name = handler_name(middleware)

    async def step(message: M) -> R:
        try:
            return await middleware(message, call_next)
        except (MessageRejected, MiddlewareFailed):
            raise
        except Exception as exc:
            raise MiddlewareFailed(name, exc) from exc

    return step
