"""``InMemoryTransport``: a bus transport that a test can see into, hold, shuffle and break.

It behaves as a transport between processes would, in one process:

- every message crosses as bytes written by the messages codec and is read back on the
  other side, so a message (or a command's result) that would not survive the wire fails
  here too; ``sent`` keeps what crossed, with its routing keys;
- events are routed by exact wire name: a bus that did not subscribe to a name (a
  subclass defined after its handler was registered, say) does not get its events;
- each command runs in a task of its own, as on a worker, not in the caller's task.

The test decides the rest: ``pause()`` holds every delivery and ``resume()`` lets them
go; ``shuffle(seed)`` interleaves the sessions in a different (reproducible) order, which
the rules allow, while each session's events stay in order; ``fail_next("publish" |
"request" | "deliver")`` makes the next one fail as a broken connection would.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from dataclasses import dataclass
from typing import Any, Literal

from llmgine.bus import ALL_EVENTS, Endpoint, LocalTransport, TransportError, TransportStats
from llmgine.bus._queue import Receiver, SessionQueues
from llmgine.messages import BUS_SCOPE, Command, CommandResult, Event, decode, encode

Fault = Literal["publish", "request", "deliver"]


@dataclass(frozen=True, slots=True)
class Crossing:
    """One message as it crossed: its routing keys and its bytes."""

    kind: Literal["event", "command", "result"]
    session_id: str
    wire_name: str
    data: bytes


class _Relay:
    """What the lanes deliver to: the transport's own gate in front of the bus's endpoint."""

    def __init__(self, transport: InMemoryTransport) -> None:
        self.deliver = transport._deliver


class InMemoryTransport(LocalTransport):
    """A transport for tests. See the module docstring for what it does and offers."""

    def __init__(self, *, max_queue_size: int = 10_000, handler_overflow: int = 10_000) -> None:
        super().__init__(max_queue_size=max_queue_size, handler_overflow=handler_overflow)
        self._running = asyncio.Event()
        self._running.set()
        self._random: random.Random | None = None
        self._faults: list[Fault] = []
        self._subscribed: dict[str, set[str]] = {}
        self.sent: list[Crossing] = []
        """Everything that crossed, in order."""
        self.lost_in_transit = 0

    # -- what a test controls ----------------------------------------------------------

    def pause(self) -> None:
        """Hold every delivery of events and commands until ``resume()``."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def shuffle(self, seed: int) -> None:
        """Interleave sessions in a seeded random order (each session keeps its order)."""
        self._random = random.Random(seed)

    def fail_next(self, what: Fault) -> None:
        """Make the next ``what`` fail: a publish is refused with ``TransportError``, a
        request raises it (the caller gets a failed result), a delivery loses the event."""
        self._faults.append(what)

    def subscriptions(self, session_id: str = BUS_SCOPE) -> frozenset[str]:
        """The wire names the bus subscribed to in ``session_id``."""
        return frozenset(self._subscribed.get(session_id, ()))

    # -- the Transport protocol, where it differs from the local one -------------------

    def _receiver(self, endpoint: Endpoint) -> Receiver:
        return _Relay(self)

    def _take_shortcuts(self, endpoint: Endpoint, queues: SessionQueues) -> None:
        pass  # every message goes through this class's own methods

    def has_room(self) -> bool:
        return "publish" not in self._faults and super().has_room()

    async def wait_for_room(self, *, inside_handler: bool, may_wait: bool) -> None:
        if self._take("publish"):
            raise TransportError("the transport refused the event (a fault the test asked for)")
        await super().wait_for_room(inside_handler=inside_handler, may_wait=may_wait)

    def publish(self, event: Event) -> None:
        data = encode(event)
        self.sent.append(Crossing("event", event.session_id, event.wire_name, data))
        super().publish(decode(data))  # type: ignore[arg-type]

    async def request(self, command: Command[Any], timeout: float | None) -> CommandResult[Any]:
        endpoint = self._endpoint
        assert endpoint is not None
        if self._take("request"):
            raise TransportError("the transport lost the command (a fault the test asked for)")
        data = encode(command)
        self.sent.append(Crossing("command", command.session_id, command.wire_name, data))
        await self._running.wait()
        arrived: Command[Any] = decode(data)  # type: ignore[assignment]
        worker = asyncio.create_task(self._work(endpoint, arrived, timeout))
        try:
            reply = await asyncio.shield(worker)
        except asyncio.CancelledError:
            worker.cancel()  # the caller went away: so does the work, as it would locally
            raise
        self.sent.append(Crossing("result", command.session_id, command.wire_name, reply))
        return decode(reply)  # type: ignore[return-value]

    def subscribe(self, wire_names: frozenset[str], session_id: str) -> None:
        self._subscribed.setdefault(session_id, set()).update(wire_names)

    def stats(self) -> TransportStats:
        local = super().stats()
        return dataclasses.replace(
            local,
            delivered=local.delivered - self.lost_in_transit,
            lost=local.lost + self.lost_in_transit,
        )

    # -- internals ---------------------------------------------------------------------

    async def _work(
        self, endpoint: Endpoint, command: Command[Any], timeout: float | None
    ) -> bytes:
        return encode(await endpoint.handle(command, timeout))

    async def _deliver(self, event: Event) -> None:
        await self._running.wait()
        if self._random is not None:
            for _ in range(self._random.randrange(4)):
                await asyncio.sleep(0)  # let other sessions' lanes go first, or not
        if self._take("deliver"):
            self.lost_in_transit += 1
            return
        if self._routed(event):
            assert self._endpoint is not None
            await self._endpoint.deliver(event)

    def _routed(self, event: Event) -> bool:
        name = event.wire_name
        for scope in (BUS_SCOPE, event.session_id):
            names = self._subscribed.get(scope)
            if names and (name in names or ALL_EVENTS in names):
                return True
        return False

    def _take(self, fault: Fault) -> bool:
        if fault in self._faults:
            self._faults.remove(fault)
            return True
        return False
