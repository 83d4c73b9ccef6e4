"""The in-process transport: per-session lanes for events, a direct call for commands.

Nothing is encoded: events are queued as they are and delivered by one task per busy
session (see ``_queue``); a command runs in the caller's own task, with no queue hop, so
it costs a few microseconds plus its handler. The testing package's ``InMemoryTransport``
builds on it, putting a codec and a gate in front of the lanes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from llmgine.bus._errors import UsageError
from llmgine.bus._queue import Receiver, SessionQueues
from llmgine.bus._transport import Endpoint, TransportStats
from llmgine.messages import Command, CommandResult, Event


class LocalTransport:
    """Carries messages within one process. ``max_queue_size`` bounds queued events;
    handlers may publish ``handler_overflow`` more before their publishes fail."""

    def __init__(self, *, max_queue_size: int = 10_000, handler_overflow: int = 10_000) -> None:
        self._bound = max_queue_size
        self._hard_limit = max_queue_size + handler_overflow
        self._endpoint: Endpoint | None = None
        self._queues: SessionQueues | None = None

    def bind(self, endpoint: Endpoint) -> None:
        if self._endpoint is not None:
            raise UsageError("this transport already serves a bus; give each bus its own")
        self._endpoint = endpoint
        self._queues = SessionQueues(
            self._receiver(endpoint), bound=self._bound, hard_limit=self._hard_limit
        )
        self._take_shortcuts(endpoint, self._queues)

    def _receiver(self, endpoint: Endpoint) -> Receiver:
        """What the lanes deliver to (a transport built on this one may put itself first)."""
        return endpoint

    def _take_shortcuts(self, endpoint: Endpoint, queues: SessionQueues) -> None:
        # Bound methods straight from the queues and the endpoint: the bus calls these for
        # every message, and a command runs in the caller's task with no hop of its own.
        self.has_room = queues.has_space  # type: ignore[method-assign]
        self.publish = queues.put  # type: ignore[method-assign]
        self.request = endpoint.handle  # type: ignore[method-assign]

    async def start(self) -> None:
        self._ready()

    def has_room(self) -> bool:
        return self._ready().has_space()

    async def wait_for_room(self, *, inside_handler: bool, may_wait: bool) -> None:
        await self._ready().wait_for_space(inside_handler=inside_handler, may_wait=may_wait)

    def publish(self, event: Event) -> None:
        self._ready().put(event)

    async def request(self, command: Command[Any], timeout: float | None) -> CommandResult[Any]:
        assert self._endpoint is not None
        return await self._endpoint.handle(command, timeout)

    def subscribe(self, wire_names: frozenset[str], session_id: str) -> None:
        pass  # in one process, the bus's own routing table decides

    def serve(self, wire_name: str, session_id: str) -> None:
        pass  # commands run in their caller's task: nothing to fetch

    async def ready(self) -> None:
        pass  # reachable from the moment a handler is registered

    async def wait_idle(self) -> None:
        await self._ready().wait_idle()

    async def drain(self, session_id: str) -> None:
        await self._ready().wait_session(session_id)

    def abandon(self) -> None:
        self._ready().cancel()

    async def close(self) -> None:
        queues = self._ready()
        queues.cancel()
        await asyncio.gather(*queues.lane_tasks(), return_exceptions=True)

    def stats(self) -> TransportStats:
        q = self._ready()
        return TransportStats(
            queued=q.queued, peak_queued=q.peak, bound=q.bound, delivered=q.delivered,
            lost=q.lost, busy_sessions=q.busy_sessions,
        )  # fmt: skip

    def wake(self) -> None:
        self._ready().wake_waiters()

    def _ready(self) -> SessionQueues:
        if self._queues is None:
            raise UsageError("the transport is not bound to a bus yet")
        return self._queues
