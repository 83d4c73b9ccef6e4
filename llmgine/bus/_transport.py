"""The transport seam: how accepted messages travel from the bus to their handlers.

``MessageBus`` decides *whether* a message is accepted (its state, its bound, record
first, the caller's frame); a ``Transport`` carries what was accepted to the ``Endpoint``
that runs the handlers, and carries each command's result back:

    publish ─▶ MessageBus ─▶ sinks            (record first, at the origin)
                   │
                   ▼
               Transport ─── events, per-session order ───▶ Endpoint.deliver(event)
                   └──────── commands, one handler ────────▶ Endpoint.handle(command)

The in-process transport (``LocalTransport``) is per-session lanes for events and a
direct call in the caller's task for commands. A transport that crosses processes
(``llmgine.transports.nats``) carries each message as ``llmgine.messages.encode`` bytes
with two routing keys, the session id and the wire name; at the far end it decodes and
calls the endpoint of the bus there. Subscriptions reach it as exact wire names
(``subscribe``), a class's subclasses resolved at registration, since subjects and
topics know nothing of class hierarchies; so do the command types the bus handles
(``serve``), so that the transport can fetch them where they wait. A bus is named by
``Endpoint.bus_id``, a string that means the same in every process, never ``id(bus)``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from llmgine.messages import Command, CommandResult, Event

ALL_EVENTS = "*"
"""Subscribed as a wire name: every event (the bus has event middleware, which sees all)."""


class Endpoint(Protocol):
    """The side of a bus that runs handlers: what a transport delivers to."""

    @property
    def bus_id(self) -> str: ...

    @property
    def deliver(self) -> Callable[[Event], Awaitable[None]]:
        """Runs an event through the event middleware and every matching handler; never
        raises for a handler's failure, cancelled only when its caller is."""
        ...

    async def handle(self, command: Command[Any], timeout: float | None) -> CommandResult[Any]:
        """Run ``command`` through the command middleware and its one handler."""
        ...

    def handles(self, command_type: type[Command[Any]], session_id: str) -> bool:
        """Whether a handler for ``command_type`` is registered here, in ``session_id``
        or bus-wide (a transport that fetches commands leaves the others to other buses)."""
        ...

    async def emit(self, event: Event) -> None:
        """Publish an event the transport makes itself (a command given up on, events
        missed): recorded and carried like any event the bus publishes."""


@dataclass(frozen=True, slots=True)
class TransportStats:
    """What a transport holds and has done (the bus's ``stats()`` reports it)."""

    queued: int
    """Events accepted and not yet delivered to all their handlers."""
    peak_queued: int
    bound: int
    delivered: int
    lost: int
    """Events accepted and never delivered (cancelled at stop, or lost in transit)."""
    busy_sessions: int
    """Sessions with events queued or being delivered right now."""


class Transport(Protocol):
    """Carries accepted messages to an ``Endpoint``; one transport serves one bus.

    Lifecycle: ``bind`` once, ``start``, then messages, then ``close``. Room: the bus
    asks ``has_room`` before accepting an event (the fast path) and otherwise awaits
    ``wait_for_room``; ``publish`` is only called once there is room, so it does not
    fail. Events of one session reach the endpoint in the order published, and one
    slow session never holds back another.
    """

    def bind(self, endpoint: Endpoint) -> None:
        """Tell the transport where to deliver (called once, before ``start``)."""

    async def start(self) -> None: ...

    def has_room(self) -> bool:
        """Whether ``publish`` may be called at once."""
        ...

    async def wait_for_room(self, *, inside_handler: bool, may_wait: bool) -> None:
        """Return once one more event fits; ``BusFullError`` when it may not wait, or
        ``TransportError`` when the transport cannot take events at all."""

    def publish(self, event: Event) -> None:
        """Carry ``event`` to the endpoint (after room was found)."""

    async def request(self, command: Command[Any], timeout: float | None) -> CommandResult[Any]:
        """Carry ``command`` to its handler and its result back.

        Raises ``TransportError`` when it cannot; a handler's failure is a failed result.
        """
        ...

    def subscribe(self, wire_names: frozenset[str], session_id: str) -> None:
        """The endpoint now handles events with these wire names (in one session, or
        bus-wide for ``"BUS"``). In-process transports may ignore it."""

    def serve(self, wire_name: str, session_id: str) -> None:
        """The endpoint now handles commands with this wire name (in one session, or
        bus-wide for ``"BUS"``): a transport between processes starts fetching them.
        In-process transports may ignore it."""

    async def ready(self) -> None:
        """Return once every command type the endpoint serves can be reached from other
        processes (what an app awaits before it says it serves). In process: at once."""

    async def wait_idle(self) -> None:
        """Return when every event published so far was delivered (or lost)."""

    async def drain(self, session_id: str) -> None:
        """Return when every event of ``session_id`` published so far was delivered."""

    def abandon(self) -> None:
        """Stop delivering what is still queued (the bus's stop ran out of time); it is
        counted in ``stats().lost``. Quick, not awaited."""

    async def close(self) -> None:
        """Release what the transport holds; nothing is delivered after it."""

    def stats(self) -> TransportStats: ...

    def wake(self) -> None:
        """Wake publishers waiting for room, so they can see that the bus is stopping."""
