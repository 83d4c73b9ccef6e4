"""Per-session lanes for the events a process received: in order per session, sessions
side by side, ``bound`` events in all.

The subscription puts an event in only while there is room (``room()``), so a process
that falls behind stops asking the server for more rather than holding more in memory;
the stream keeps the rest. Each event ends exactly once in ``on_done(event, delivered)``:
delivered (however its handlers fared), or not (its lane was cancelled at stop, or the
task died of an exception that escaped every guard, such as ``KeyboardInterrupt``).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from llmgine.bus import Endpoint
from llmgine.messages import Event

_FAIRNESS_BATCH = 128


class _Lane:
    __slots__ = ("events", "task")

    def __init__(self) -> None:
        self.events: deque[Event] = deque()
        self.task: asyncio.Task[None] | None = None


class Lanes:
    """See the module docstring."""

    def __init__(
        self, endpoint: Endpoint, *, bound: int, on_done: Callable[[Event, bool], None]
    ) -> None:
        self._endpoint = endpoint
        self.bound = bound
        self._on_done = on_done
        self._lanes: dict[str, _Lane] = {}
        self.queued = 0
        self.delivered = 0
        self.room_changed = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    def room(self) -> int:
        return self.bound - self.queued

    @property
    def busy_sessions(self) -> int:
        return len(self._lanes)

    def put(self, event: Event) -> None:
        session_id = event.session_id
        lane = self._lanes.get(session_id)
        if lane is None:
            lane = self._lanes[session_id] = _Lane()
        lane.events.append(event)
        self.queued += 1
        self._idle.clear()
        if lane.task is None:
            lane.task = asyncio.get_running_loop().create_task(
                self._drain(session_id, lane), name=f"llmgine-nats-lane-{session_id}"
            )
            lane.task.add_done_callback(_retrieve)

    async def _drain(self, session_id: str, lane: _Lane) -> None:
        events = lane.events
        since_yield = 0
        try:
            while events:
                event = events[0]
                try:
                    await self._endpoint.deliver(event)
                except asyncio.CancelledError:
                    raise  # the lane is cancelled: this event stays, and is lost below
                except BaseException:
                    self._finish(events, True)  # delivered once, however badly: never again
                    raise
                self._finish(events, True)
                since_yield += 1
                if since_yield >= _FAIRNESS_BATCH:
                    since_yield = 0
                    await asyncio.sleep(0)
        finally:
            lane.task = None
            while events:
                self._finish(events, False)
            if self._lanes.get(session_id) is lane:
                del self._lanes[session_id]
            if not self._lanes:
                self._idle.set()

    def _finish(self, events: deque[Event], delivered: bool) -> None:
        event = events.popleft()
        self.queued -= 1
        if delivered:
            self.delivered += 1
        self.room_changed.set()
        self._on_done(event, delivered)

    async def wait_idle(self) -> None:
        await self._idle.wait()

    def tasks(self) -> list[asyncio.Task[None]]:
        return [lane.task for lane in self._lanes.values() if lane.task is not None]

    def cancel(self) -> None:
        """Cancel every lane; what they still hold ends as not delivered."""
        for task in self.tasks():
            task.cancel()


def _retrieve(task: asyncio.Task[None]) -> None:
    # A lane ends with an exception only when one escaped every guard (KeyboardInterrupt,
    # SystemExit): the loop has already re-raised it. Mark it seen.
    if not task.cancelled():
        task.exception()
