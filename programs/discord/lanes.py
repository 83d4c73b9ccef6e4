"""Lanes: work on one key runs one at a time, in the order it arrived; keys are independent.

The bot holds the lane of a channel for a whole turn, from the model call to the last piece
of the answer, so the answers of a channel come out in the order of its questions. A key's
lock exists only while someone holds or waits for it: memory follows the busy channels,
not every channel ever seen.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Lanes:
    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}  # key -> (lock, users)

    def __len__(self) -> int:
        """How many keys are held or waited for now."""
        return len(self._locks)

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Wait for the lane of ``key`` (``asyncio.Lock`` serves waiters first come, first
        served), and hold it for the body of the ``async with``."""
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)
