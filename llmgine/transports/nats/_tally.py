"""The events a bus accepted and is still carrying: its bound, its idle signal, its losses.

An event counts from ``publish`` until the stream has stored it and (if a handler here
wants it) it has been delivered here; ``wait_for_events`` waits for these. Past ``bound``
an outside publisher waits until the count is down to half (or raises, by the bus's
policy); a handler never waits (the room may be behind itself) but may go up to
``hard_limit``. While the stream refuses events (it is full) nobody may add any.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from llmgine.bus import BusFullError, TransportError


class Tally:
    """See the module docstring."""

    def __init__(self, *, bound: int, hard_limit: int) -> None:
        if bound < 1 or hard_limit < bound:
            raise ValueError("max_queue_size must be at least 1 and handler_overflow at least 0")
        self.bound = bound
        self.hard_limit = hard_limit
        self.count = 0
        self.peak = 0
        self.lost = 0
        self.full_reason: str | None = None
        """Why the stream refuses events right now, if it does."""
        self.broken: str | None = None
        """Why the transport can take no events at all, if it cannot."""
        self._sessions: Counter[str] = Counter()
        self._room = asyncio.Event()
        self._progress = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    def has_room(self) -> bool:
        return self.count < self.bound and self.full_reason is None and self.broken is None

    def add(self, session_id: str) -> None:
        self.count += 1
        if self.count > self.peak:
            self.peak = self.count
        self._sessions[session_id] += 1
        self._idle.clear()

    def done(self, session_id: str, *, lost: bool = False) -> None:
        self.count -= 1
        if lost:
            self.lost += 1
        left = self._sessions[session_id] - 1
        if left:
            self._sessions[session_id] = left
        else:
            del self._sessions[session_id]
        if not self.count:
            self._idle.set()
        if self.count <= self.bound // 2:
            self._room.set()
        self._progress.set()

    def set_full(self, reason: str | None) -> None:
        """The stream refuses events (``reason``), or takes them again (None)."""
        self.full_reason = reason
        if reason is None:
            self._room.set()

    def set_broken(self, reason: str) -> None:
        """The transport can take no more events; waiters get ``TransportError``."""
        self.broken = reason
        self.wake()

    def wake(self) -> None:
        """Let waiters look again (the bus is stopping, or the transport broke)."""
        self._room.set()
        self._progress.set()

    async def wait_for_room(self, *, inside_handler: bool, may_wait: bool) -> None:
        """Return once one more event may be added; raise ``BusFullError`` when it may
        not wait, ``TransportError`` when the transport cannot take events."""
        if self.broken is not None:
            raise TransportError(self.broken)
        if inside_handler:
            if self.count >= self.hard_limit:
                raise BusFullError(
                    f"{self.count} events are waiting to be carried, the limit for events "
                    f"published from handlers ({self.hard_limit}); a handler is publishing "
                    f"faster than the stream takes them"
                )
            if self.full_reason is not None:
                raise BusFullError(self.full_reason)
            return
        if not may_wait:
            raise BusFullError(
                self.full_reason
                or f"the event queue is full ({self.bound} events) and the overflow policy "
                f"is 'raise'; retry later or create the bus with overflow='wait'"
            )
        while not (self.count < self.bound and self.full_reason is None):
            self._room.clear()
            await self._room.wait()
            if self.broken is not None:
                raise TransportError(self.broken)

    async def wait_idle(self) -> None:
        await self._idle.wait()

    async def wait_session(self, session_id: str) -> None:
        while self._sessions.get(session_id) and self.broken is None:
            self._progress.clear()
            await self._progress.wait()
