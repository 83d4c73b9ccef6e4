"""Per-session event lanes with one bound, backpressure and an idle signal.

Each session has its own FIFO lane, drained by its own task, so events of one session
reach their handlers in publish order while a slow session never holds back another.
All lanes together hold at most ``bound`` events: past it, an outside publisher waits
until the lanes have drained to half the bound (so publishers and drainers trade work in
large batches, not one event at a time). A handler cannot wait for space (the space it
waits for may be behind itself), so publishes from handlers may go past the bound up to
``hard_limit`` and fail beyond it. A lane's task exits when the lane is empty, so idle
sessions cost nothing.

An event leaves its lane once its delivery is over, however it ended: an exception that
escaped every guard (``KeyboardInterrupt``, ``SystemExit``) ends the lane's task, but the
event is not delivered again. A lane whose task is cancelled (the bus stopping past its
timeout, or the loop shutting down) drops what it still holds and counts it as ``lost``,
so nobody waits for events that no task will deliver.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

from llmgine.bus._errors import BusFullError
from llmgine.messages import Event

logger = logging.getLogger("llmgine.bus")

_FAIRNESS_BATCH = 128
"""Events a lane delivers before letting other tasks run."""


class Receiver(Protocol):
    """Where lanes deliver: anything with a ``deliver`` (looked up for every event)."""

    @property
    def deliver(self) -> Callable[[Event], Awaitable[None]]: ...


class _Lane:
    __slots__ = ("events", "session_id", "task")

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.events: deque[Event] = deque()
        self.task: asyncio.Task[None] | None = None


class SessionQueues:
    """Bounded, ordered per session, concurrent across sessions."""

    def __init__(self, endpoint: Receiver, *, bound: int, hard_limit: int) -> None:
        if bound < 1 or hard_limit < bound:
            raise ValueError("max_queue_size must be at least 1 and handler_overflow at least 0")
        self._endpoint = endpoint
        self.bound = bound
        self.hard_limit = hard_limit
        self._resume_at = bound // 2
        self._lanes: dict[str, _Lane] = {}
        self.queued = 0
        """Events accepted and not yet delivered to all their handlers."""
        self.peak = 0
        self.delivered = 0
        self.lost = 0
        """Events dropped because their lane's task was cancelled before it reached them."""
        self._space_waiters: list[asyncio.Future[None]] = []
        self._idle = asyncio.Event()
        self._idle.set()

    def has_space(self) -> bool:
        return self.queued < self.bound

    async def wait_for_space(self, *, inside_handler: bool, may_wait: bool) -> None:
        """Return once one more event fits; raise ``BusFullError`` when it may not wait."""
        if inside_handler:
            if self.queued >= self.hard_limit:
                raise BusFullError(
                    f"{self.queued} events are queued, the limit for events published from "
                    f"handlers ({self.hard_limit}); a handler is publishing faster than "
                    f"the bus can deliver"
                )
            return
        if not may_wait:
            raise BusFullError(
                f"the event queue is full ({self.bound} events) and the overflow policy "
                f"is 'raise'; retry later or create the bus with overflow='wait'"
            )
        loop = asyncio.get_running_loop()
        while self.queued >= self.bound:
            future: asyncio.Future[None] = loop.create_future()
            self._space_waiters.append(future)
            await future

    def put(self, event: Event) -> None:
        """Queue ``event`` on its session's lane (space must have been checked)."""
        session_id = event.session_id
        lane = self._lanes.get(session_id)
        if lane is None:
            lane = self._lanes[session_id] = _Lane(session_id)
        lane.events.append(event)
        if self.queued == 0:
            self._idle.clear()
        self.queued += 1
        if self.queued > self.peak:
            self.peak = self.queued
        if lane.task is None:
            lane.task = asyncio.get_running_loop().create_task(
                self._drain(lane), name=f"llmgine-lane-{session_id}"
            )
            lane.task.add_done_callback(_retrieve)

    async def _drain(self, lane: _Lane) -> None:
        events = lane.events
        endpoint = self._endpoint  # its ``deliver`` is looked up each time: it may change
        since_yield = 0
        try:
            while events:
                try:
                    await endpoint.deliver(events[0])
                except asyncio.CancelledError:
                    raise  # the lane itself is cancelled: the event stays, and is lost below
                except BaseException:
                    self._done_with(events)  # delivered once, however badly: never again
                    raise
                events.popleft()
                self.delivered += 1
                self.queued -= 1
                if not self.queued:
                    self._idle.set()
                if self._space_waiters and self.queued <= self._resume_at:
                    self.wake_waiters()
                since_yield += 1
                if since_yield >= _FAIRNESS_BATCH:
                    since_yield = 0
                    await asyncio.sleep(0)
        finally:
            lane.task = None
            if events:
                self.lost += len(events)
                self._settle(-len(events))
                events.clear()
            if self._lanes.get(lane.session_id) is lane:
                del self._lanes[lane.session_id]

    def _done_with(self, events: deque[Event]) -> None:
        events.popleft()
        self.delivered += 1
        self._settle(-1)

    def _settle(self, change: int) -> None:
        self.queued += change
        if not self.queued:
            self._idle.set()
        if self._space_waiters and self.queued <= self._resume_at:
            self.wake_waiters()

    def wake_waiters(self) -> None:
        waiters, self._space_waiters = self._space_waiters, []
        for future in waiters:
            if not future.done():
                future.set_result(None)

    async def wait_idle(self) -> None:
        """Return when every accepted event has been delivered (or lost)."""
        await self._idle.wait()

    @property
    def busy_sessions(self) -> int:
        return len(self._lanes)

    def lane_tasks(self) -> list[asyncio.Task[None]]:
        return [lane.task for lane in self._lanes.values() if lane.task is not None]

    def cancel(self) -> None:
        """Cancel every lane's task; what they still hold is counted in ``lost``."""
        for task in self.lane_tasks():
            task.cancel()

    async def wait_session(self, session_id: str) -> None:
        """Return when the lane of ``session_id`` is empty."""
        while (lane := self._lanes.get(session_id)) is not None and lane.task is not None:
            await asyncio.wait({lane.task})  # not cancelling the lane if our waiter is


def _retrieve(task: asyncio.Task[None]) -> None:
    # A lane ends with an exception only when one escaped every guard (KeyboardInterrupt,
    # SystemExit): the loop has already re-raised it. Mark it seen, so that asyncio does
    # not also log it as "never retrieved".
    if not task.cancelled():
        task.exception()
