"""One time limit for a whole model call, streamed replies included.

An SDK's ``timeout`` limits each read on the socket, so a server that sends one token every
half second never trips it and holds the call (and the turn, and the chat) for as long as
it likes. A ``Deadline`` is fixed when the call starts; the request and every wait for the
next piece of a stream must finish before it. Only the waits on the server are bounded:
the deadline cancels nothing while the consumer holds a delta (a timeout scope spanning a
``yield`` would cancel whatever the consumer happened to be doing); the next wait then
fails at once.

One timer serves the whole call, armed once (``asyncio.timeout`` per piece would arm and
disarm one per token). When it fires during a wait it cancels the waiting task and the wait
raises ``TimeoutError``, as ``asyncio.timeout`` does, a cancellation from elsewhere passing
through untouched. The adapters translate that ``TimeoutError`` into ``APITimeoutError``,
which the retry wrapper retries like any other timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Awaitable
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")


class Deadline:
    """``seconds`` from now (``None``: no limit). Use it as ``with Deadline(s) as d:`` so
    its timer is disarmed when the call ends, however it ends."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.expired = False
        self._waiter: asyncio.Task[Any] | None = None
        self._timer: asyncio.TimerHandle | None = None
        if seconds is not None:
            self._timer = asyncio.get_running_loop().call_later(seconds, self._expire)

    def __enter__(self) -> Deadline:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.disarm()

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def wait(self, awaitable: Awaitable[T]) -> T:
        """``await awaitable``, or ``TimeoutError`` once the deadline passes."""
        if self.expired:
            _discard(awaitable)
            raise TimeoutError
        task = asyncio.current_task()
        assert task is not None, "a deadline is awaited in a task"
        cancelling = task.cancelling()
        self._waiter = task
        try:
            return await awaitable
        except asyncio.CancelledError:
            if self.expired and task.uncancel() <= cancelling:
                raise TimeoutError from None  # our cancellation, and no one else's
            raise
        finally:
            self._waiter = None

    def bound(self, items: AsyncIterable[T]) -> AsyncIterator[T]:
        """``items``, each wait for the next one bounded by the deadline."""
        return _Bounded(items, self)

    def _expire(self) -> None:
        self.expired, self._timer = True, None
        if self._waiter is not None:
            self._waiter.cancel()


def _discard(awaitable: Awaitable[Any]) -> None:
    close = getattr(awaitable, "close", None)
    if close is not None:
        close()  # a coroutine never awaited would warn


class _Bounded(AsyncIterator[T]):
    # A class, not an async generator: nothing to finalise when the consumer stops early.
    def __init__(self, items: AsyncIterable[T], deadline: Deadline) -> None:
        self._items = aiter(items)
        self._deadline = deadline

    async def __anext__(self) -> T:
        return await self._deadline.wait(anext(self._items))
