"""The MessageBus: commands to one handler, events to many, every message recorded.

The bus is a façade over three parts. It decides what is accepted (its state, the
transport's room, the sinks' backpressure) and records every accepted message in every
sink before anything else happens; its ``Transport`` carries what was accepted to the
``Dispatcher``, which runs the middleware and the handlers inside a handling frame, so the
messages they build point back at what caused them and the bus can tell a call made from
one of its handlers (which must never wait on the bus) from one made outside.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from llmgine.bus._component import Component
from llmgine.bus._dispatch import Dispatcher
from llmgine.bus._errors import BusClosedError, TransportError, UsageError
from llmgine.bus._local import LocalTransport
from llmgine.bus._registration import Registration
from llmgine.bus._routing import Handler, HandlerEntry, HandlerTable
from llmgine.bus._session import BusSession
from llmgine.bus._stop import Stopper
from llmgine.bus._transport import ALL_EVENTS, Transport
from llmgine.bus._types import BusState, BusStats, CommandEventsPolicy, OverflowPolicy, StopReport
from llmgine.messages import (
    BUS_SCOPE,
    Command,
    CommandFailedEvent,
    CommandResult,
    CommandStartedEvent,
    CommandSucceededEvent,
    Event,
    Failure,
    HandlerFailedEvent,
    Message,
    handling,
    new_id,
    registry,
)
from llmgine.observability import Backpressure, JsonlSink, Sink

logger = logging.getLogger("llmgine.bus")

C = TypeVar("C", bound=Command[Any])
E = TypeVar("E", bound=Event)
R = TypeVar("R")


class MessageBus:
    """An async message bus. Use as ``async with MessageBus() as bus:``.

    Args:
        log_dir: folder for the JSONL log (one new file per bus); ``None`` turns it off.
        sinks: further sinks that receive every message.
        transport: what carries messages to the handlers (default: ``LocalTransport``,
            in this process, bounded by ``max_queue_size`` and ``handler_overflow``).
        max_queue_size: bound on events accepted but not yet delivered, over all sessions.
        overflow: what ``publish`` does outside handlers when the queue is full:
            ``"wait"`` until there is room, or ``"raise"`` ``BusFullError``.
        handler_timeout: default timeout in seconds for every handler (None: no limit).
        stop_timeout: bound on the whole of ``stop()``: draining accepted work, then
            flushing and closing the sinks (which keep the last quarter, up to 2 s).
        command_events: when to publish ``CommandStartedEvent`` and the
            ``CommandFinishedEvent`` pair: ``"subscribed"`` (only while some handler
            listens for them; the log's command and result lines already hold the same
            facts) or ``"always"``.
        handler_overflow: how far past ``max_queue_size`` publishes from handlers may go.
            Handlers never wait for room (the room may be behind themselves); beyond this
            allowance their publish raises ``BusFullError``.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str] | None = "logs",
        *,
        sinks: tuple[Sink, ...] | list[Sink] = (),
        transport: Transport | None = None,
        max_queue_size: int = 10_000,
        overflow: OverflowPolicy = "wait",
        handler_timeout: float | None = None,
        stop_timeout: float = 10.0,
        command_events: CommandEventsPolicy = "subscribed",
        handler_overflow: int = 10_000,
    ) -> None:
        if overflow not in ("wait", "raise"):
            raise ValueError(f"overflow must be 'wait' or 'raise', not {overflow!r}")
        self.id = new_id()
        """This bus's identity: the same string wherever its messages travel."""
        self._state: BusState = "new"
        self._table = HandlerTable(default_timeout=handler_timeout)
        self._dispatcher = Dispatcher(self.id, self._table, self)
        self._transport: Transport = transport or LocalTransport(
            max_queue_size=max_queue_size, handler_overflow=handler_overflow
        )
        self._transport.bind(self._dispatcher)
        self._overflow_waits = overflow == "wait"
        self._always_command_events = command_events == "always"
        self.log_path: Path | None = None
        self._sinks: list[Sink] = []
        if log_dir is not None:
            stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
            self.log_path = Path(log_dir) / f"llmgine-{stamp}-{new_id()[-12:]}.jsonl"
            self._sinks.append(JsonlSink(self.log_path))
        self._sinks.extend(sinks)
        self._pressure = Backpressure()
        self._sessions: set[str] = set()
        self._published = 0
        self._commands = 0
        self._stopper = Stopper(self._transport, self._sinks, self._record, stop_timeout)
        self._unwatch: Callable[[], None] | None = None

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def state(self) -> BusState:
        return self._state

    @property
    def transport(self) -> Transport:
        """What carries this bus's messages to their handlers."""
        return self._transport

    async def start(self) -> None:
        """Start the sinks and the transport and take messages. Starting twice is harmless."""
        if self._state == "running":
            return
        if self._state != "new":
            raise BusClosedError("this bus was stopped and cannot restart; create a new one")
        for sink in self._sinks:
            sink.bind_backpressure(self._pressure)
        await self._stopper.start_all()
        self._unwatch = registry.add_listener(self._new_message_class)
        self._state = "running"

    async def stop(self, timeout: float | None = None) -> StopReport:
        """Stop intake, drain accepted work, flush and close every sink.

        Waits up to ``timeout`` (default: the bus's ``stop_timeout``) in all; what is left
        is counted in the report and logged, and recorded (a ``BusStoppedEvent``, to the
        sinks only) as the last message before the sinks close. A sink that stalls is
        reported, not waited for past the timeout. Idempotent: later calls return the same
        report, and a stop whose caller was cancelled goes on and can be awaited again.
        """
        if self.inside_handler():
            raise UsageError(
                "stop() was called from inside a handler of this bus; it would wait for "
                "that handler to finish. Stop the bus from outside its handlers."
            )
        if self._state == "new":
            self._state = "closed"
        if self._state == "running":
            self._state = "stopping"
            if self._unwatch is not None:
                self._unwatch()
        report = await self._stopper.stop(timeout, self._closed)
        if not report.clean:
            logger.warning("bus stopped with losses: %s", report)
        return report

    def _closed(self) -> None:
        self._state = "closed"

    async def __aenter__(self) -> MessageBus:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- registration ------------------------------------------------------------------

    def register_command_handler(
        self,
        command_type: type[C],
        handler: Callable[[C], object],
        *,
        session_id: str = BUS_SCOPE,
        timeout: float | None = None,
    ) -> Registration:
        """Make ``handler`` the one handler of ``command_type`` in a scope.

        The handler may be sync or async; what it returns becomes ``CommandResult.result``,
        checked against the command's declared result type (or, if it returns a
        ``CommandResult``, that is the result). A second handler for the same type and
        scope raises ``UsageError``.
        """
        self._check_not_closed()
        entry = self._table.add_command(command_type, _erase(handler), session_id, timeout)
        return self._registration(entry, "command handler")

    def register_event_handler(
        self,
        event_type: type[E],
        handler: Callable[[E], object],
        *,
        session_id: str = BUS_SCOPE,
        timeout: float | None = None,
    ) -> Registration:
        """Subscribe ``handler`` (sync or async) to ``event_type`` and its subclasses."""
        self._check_not_closed()
        entry = self._table.add_event(event_type, _erase(handler), session_id, timeout)
        self._transport.subscribe(registry.subtypes(event_type), session_id)
        return self._registration(entry, "event handler")

    def unregister_session_handlers(self, session_id: str) -> int:
        """Remove every handler registered for ``session_id``; returns how many."""
        return self._table.remove_session(session_id)

    def add_command_middleware(self, middleware: Any) -> Registration:
        """Wrap command handling in ``middleware`` (see ``llmgine.bus`` middleware docs)."""
        self._check_not_closed()
        undo = self._dispatcher.add_command_middleware(middleware)
        return Registration(f"command middleware {middleware!r}", undo)

    def add_event_middleware(self, middleware: Any) -> Registration:
        """Wrap the delivery of each event to its handlers in ``middleware``."""
        self._check_not_closed()
        self._transport.subscribe(frozenset({ALL_EVENTS}), BUS_SCOPE)  # it sees every event
        undo = self._dispatcher.add_event_middleware(middleware)
        return Registration(f"event middleware {middleware!r}", undo)

    def attach(self, component: Component) -> Registration:
        """``component.attach(self)``: put a component's handlers on this bus."""
        return component.attach(self)

    def session(self, session_id: str | None = None) -> BusSession:
        """A session scope: ``async with bus.session("user-42") as session: ...``."""
        return BusSession(self, new_id() if session_id is None else session_id)

    def claim_session(self, session_id: str) -> Callable[[], None]:
        """Mark ``session_id`` open (``BusSession`` does this); returns the release."""
        if session_id in self._sessions:
            raise UsageError(
                f"session {session_id!r} is already open on this bus; end it before opening "
                f"it again, or use another id"
            )
        if self._state != "running":
            self._refuse("SessionStartedEvent", self.inside_handler())
        self._sessions.add(session_id)
        return lambda: self._sessions.discard(session_id)

    # -- publishing and executing ------------------------------------------------------

    async def publish(self, event: Event) -> None:
        """Record ``event`` and hand it to the transport for its subscribers.

        Returns once the event is accepted, not when it is handled (see
        ``wait_for_events``). When the queue is full it waits or raises, per the bus's
        overflow policy; from inside a handler it never waits for room.
        """
        frame = handling.get()
        inside = frame is not None and frame.bus_id == self.id
        if self._state != "running":
            self._refuse(type(event).__name__, inside)
        if not isinstance(event, Event):
            raise UsageError(f"publish() takes an Event; use execute() for {event!r:.80}")
        if self._pressure.held:
            await self._pressure.wait()  # a sink is behind: slow the publisher down
        if self._transport.has_room():
            self._record(event)  # the fast path: no await, no extra coroutine
            self._transport.publish(event)
            self._published += 1
        else:
            await self._accept(event, inside)

    async def execute(
        self, command: Command[R], *, timeout: float | None = None
    ) -> CommandResult[R]:
        """Run ``command`` through its handler and return the result.

        Never raises for handler errors: no handler, an exception, a timeout, a rejection
        by middleware or a transport that cannot carry it all come back as
        ``CommandResult(success=False)`` with a ``Failure``. ``timeout`` bounds the whole
        handling, middleware included.
        """
        frame = handling.get()
        inside = frame is not None and frame.bus_id == self.id
        if self._state != "running":
            self._refuse(type(command).__name__, inside)
        if not isinstance(command, Command):
            raise UsageError(f"execute() takes a Command; use publish() for {command!r:.80}")
        if self._pressure.held:
            await self._pressure.wait()
        session_id = command.session_id
        self._commands += 1
        counter = self._stopper
        counter.inflight += 1
        counter.commands_idle.clear()
        try:
            self._record(command)
            started = time.perf_counter()
            if self._wants(CommandStartedEvent, session_id):
                await self._emit(
                    CommandStartedEvent(
                        command_id=command.command_id, command_type=command.wire_name,
                        parent_id=command.command_id, session_id=session_id,
                    ),
                    inside,
                )  # fmt: skip
            try:
                result = await self._transport.request(command, timeout)
            except TransportError as exc:
                failure = Failure(kind="transport_error", message=str(exc), retryable=True)
                result = CommandResult.failed(command, failure)
            self._record(result)
            finished = CommandSucceededEvent if result.success else CommandFailedEvent
            if self._wants(finished, session_id):
                await self._emit(
                    finished(
                        command_id=command.command_id, command_type=command.wire_name,
                        success=result.success, error=result.error,
                        duration_ms=(time.perf_counter() - started) * 1000,
                        parent_id=command.command_id, session_id=session_id,
                    ),
                    inside,
                )  # fmt: skip
            return result
        finally:
            counter.inflight -= 1
            if not counter.inflight:
                counter.commands_idle.set()

    async def wait_for_events(
        self, timeout: float | None = None, *, session_id: str | None = None
    ) -> None:
        """Wait until every event published so far (in ``session_id``, if given) has
        reached all its handlers.

        Raises ``UsageError`` at once when called from a handler of this bus (it would
        wait for itself) and ``TimeoutError`` if ``timeout`` seconds pass first.
        """
        if self.inside_handler():
            raise UsageError(
                "wait_for_events() was called from inside a handler of this bus; it would "
                "wait for that very handler. Await the commands you need instead, or wait "
                "from outside the bus."
            )
        async with asyncio.timeout(timeout):
            if session_id is None:
                await self._transport.wait_idle()
            else:
                await self._transport.drain(session_id)

    # -- introspection -----------------------------------------------------------------

    def stats(self) -> BusStats:
        commands, events = self._table.counts()
        t = self._transport.stats()
        return BusStats(
            state=self._state, queued=t.queued, peak_queued=t.peak_queued,
            queue_bound=t.bound, published=self._published, delivered=t.delivered,
            commands=self._commands, handler_failures=self._dispatcher.failures,
            command_handlers=commands, event_handlers=events,
            active_sessions=len(self._sessions),
        )  # fmt: skip

    def has_subscribers(self, event_type: type[Event], session_id: str = BUS_SCOPE) -> bool:
        """Whether an event of ``event_type`` in ``session_id`` would reach any handler.

        For events that only repeat what other messages already record (the pieces of a
        streamed reply, say): a publisher may skip building them when nobody listens.
        """
        return bool(self._table.event_handlers(event_type, session_id))

    def inside_handler(self) -> bool:
        """Whether the caller runs inside a handler of this bus."""
        frame = handling.get()
        return frame is not None and frame.bus_id == self.id

    @property
    def recent_failures(self) -> list[HandlerFailedEvent]:
        """The last handler failures, newest last (a ring buffer of 100)."""
        return list(self._dispatcher.recent_failures)

    # -- internals ---------------------------------------------------------------------

    def _refuse(self, name: str, inside: bool) -> None:
        """Raise unless a message of type ``name`` may enter in the current state."""
        if self._state == "stopping" and inside:
            return  # handlers finishing accepted work may still publish and execute
        if self._state == "new":
            raise UsageError(
                f"the bus is not started, so {name} cannot be sent; use `async with bus:` "
                f"or `await bus.start()` first"
            )
        raise BusClosedError(f"the bus is {self._state} and accepts no new messages ({name})")

    def _check_not_closed(self) -> None:
        if self._state == "closed":
            raise BusClosedError("the bus is closed; registrations would never be used")

    async def _accept(self, event: Event, inside: bool) -> None:
        transport = self._transport
        if not transport.has_room():
            await transport.wait_for_room(inside_handler=inside, may_wait=self._overflow_waits)
            if self._state != "running":
                self._refuse(type(event).__name__, inside)
        self._record(event)
        transport.publish(event)
        self._published += 1

    async def emit(self, event: Event) -> None:
        """Publish an event the bus makes itself, as part of work it already accepted."""
        await self._emit(event, True)

    async def _emit(self, event: Event, inside: bool) -> None:
        if self._state == "closed":
            logger.warning("dropped %s: the bus closed before it was published", event)
            return
        await self._accept(event, inside or self._state == "stopping")

    def _record(self, message: Message) -> None:
        for sink in self._sinks:
            try:
                sink.emit(message)
            except Exception:
                logger.exception("sink %r failed to record %s", sink, type(message).__name__)

    def _wants(self, event_type: type[Event], session_id: str) -> bool:
        """Whether a command lifecycle event should be published at all."""
        return self._always_command_events or bool(
            self._table.event_handlers(event_type, session_id)
        )

    def _registration(self, entry: HandlerEntry, what: str) -> Registration:
        scope = "" if entry.session_id == BUS_SCOPE else f" in session {entry.session_id!r}"
        description = f"{what} {entry.name} for {entry.message_type.__name__}{scope}"
        return Registration(description, lambda: self._forget(entry))

    def _forget(self, entry: HandlerEntry) -> None:
        self._table.remove(entry)

    def _new_message_class(self, cls: type[Message]) -> None:
        # A class defined after a subscription to one of its bases: name it to the
        # transport, which routes by exact wire names.
        for entry in self._table.event_entries():
            if issubclass(cls, entry.message_type):
                self._transport.subscribe(frozenset({cls.wire_name}), entry.session_id)


def _erase(handler: Callable[[C], object] | Callable[[E], object]) -> Handler:
    return handler  # type: ignore[return-value]  # routing guarantees the message type
