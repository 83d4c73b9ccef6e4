"""One time limit for a whole model call, streamed replies included.

An SDK's ``timeout`` limits each read on the socket, so a server that sends one token every
half second never trips it and holds the call (and the turn, and the chat) for as long as
it likes. A ``Deadline`` is fixed when the call starts; the request and every wait for the
next piece of a stream must finish before it. Only the waits on the server are bounded:
the deadline cancels nothing while the consumer holds a delta, since a timeout scope that
spanned a ``yield`` would cancel whatever the consumer happened to be doing.

The adapters translate the ``TimeoutError`` it raises into ``APITimeoutError``, which the
retry wrapper retries like any other timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator
from typing import TypeVar

T = TypeVar("T")


class Deadline:
    """``seconds`` from now on the running loop's clock (``None``: no limit)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        loop = asyncio.get_running_loop()
        self.when = None if seconds is None else loop.time() + seconds

    def scope(self) -> asyncio.Timeout:
        """``async with deadline.scope():`` raises ``TimeoutError`` once the deadline passes."""
        return asyncio.timeout_at(self.when)

    def bound(self, items: AsyncIterable[T]) -> AsyncIterator[T]:
        """``items``, each wait for the next one bounded by the deadline."""
        return _Bounded(items, self)


class _Bounded(AsyncIterator[T]):
    # A class, not an async generator: nothing to finalise when the consumer stops early.
    def __init__(self, items: AsyncIterable[T], deadline: Deadline) -> None:
        self._items = aiter(items)
        self._deadline = deadline

    async def __anext__(self) -> T:
        async with self._deadline.scope():
            return await anext(self._items)
