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

from llmgine.bus._dispatch import Dispatcher
from llmgine.bus._errors import (
    BusClosedError,
    TransportError,
    UsageError,
    not_accepting,
    waits_for_itself,
)
from llmgine.bus._lifecycle import CommandEvents
from llmgine.bus._local import LocalTransport
from llmgine.bus._recorder import Recorder
from llmgine.bus._registrar import Registrar
from llmgine.bus._registration import Registration
from llmgine.bus._routing import Handler, HandlerTable
from llmgine.bus._session import BusSession
from llmgine.bus._stop import Stopper
from llmgine.bus._transport import Transport
from llmgine.bus._types import BusState, BusStats, CommandEventsPolicy, OverflowPolicy, StopReport
from llmgine.messages import (
    BUS_SCOPE,
    Command,
    CommandResult,
    Event,
    Failure,
    HandlerFailedEvent,
    handling,
    new_id,
    new_session_id,
)
from llmgine.sinks import ConsoleSink, JsonlSink, Sink

logger = logging.getLogger("llmgine.bus")

_EVENT_TYPES: set[type] = set()
_COMMAND_TYPES: set[type] = set()
"""Classes already checked to be events and commands: a set lookup is cheaper than an
``isinstance`` on a pydantic class, and it happens for every message."""

C = TypeVar("C", bound=Command[Any])
E = TypeVar("E", bound=Event)
R = TypeVar("R")


class MessageBus:
    """An async message bus. Use as ``async with MessageBus() as bus:``.

    Args:
        log_dir: a folder to write a JSONL log into (one new file per bus); by default a
            bare bus writes no file. Apps get their log from the settings
            (``llmgine.bootstrap``), in ``settings.log_dir``.
        log_filename: the name of the log in ``log_dir``, appended to by every bus that
            names it, instead of a new file per bus.
        enable_console_metrics: print on stderr each ``MetricEvent`` as it is published,
            and a summary of the metrics when the bus stops (a ``ConsoleSink``).
        enable_console_traces: print on stderr each top-level command as a tree of what
            it caused when it finishes, and each published span (``TraceEvent``) when it
            ends.
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
        log_dir: str | os.PathLike[str] | None = None,
        *,
        log_filename: str | None = None,
        enable_console_metrics: bool = False,
        enable_console_traces: bool = False,
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
        table = HandlerTable(default_timeout=handler_timeout)
        self._dispatcher = Dispatcher(self.id, table, self)
        self._transport: Transport = transport or LocalTransport(
            max_queue_size=max_queue_size, handler_overflow=handler_overflow
        )
        self._transport.bind(self._dispatcher)
        self._registrar = Registrar(table, self._transport)
        self._command_events = CommandEvents(table, always=command_events == "always")
        self._overflow_waits = overflow == "wait"
        self.log_path = _log_path(log_dir, log_filename)
        recorder = Recorder([JsonlSink(self.log_path)] if self.log_path else [])
        if enable_console_metrics or enable_console_traces:
            console = ConsoleSink(summary=enable_console_metrics, traces=enable_console_traces)
            recorder.sinks.append(console)
        recorder.sinks.extend(sinks)
        self._record = recorder.record
        self._pressure = recorder.pressure
        self._stopper = Stopper(self._transport, recorder, stop_timeout)
        self._published = 0
        self._commands = 0

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
        await self._stopper.start_all()
        self._registrar.watch()
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
            raise waits_for_itself("stop()", "Stop the bus from outside its handlers.")
        if self._state == "new":
            self._state = "closed"
        if self._state == "running":
            self._state = "stopping"
            self._registrar.unwatch()
        report = await self._stopper.stop(timeout, lambda: setattr(self, "_state", "closed"))
        if not report.clean:
            logger.warning("bus stopped with losses: %s", report)
        return report

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
        return self._registrar.command(command_type, _erase(handler), session_id, timeout)

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
        return self._registrar.event(event_type, _erase(handler), session_id, timeout)

    def unregister_session_handlers(self, session_id: str) -> int:
        """Remove every handler registered for ``session_id``; returns how many."""
        return self._registrar.table.remove_session(session_id)

    def add_command_middleware(self, middleware: Any) -> Registration:
        """Wrap command handling in ``middleware`` (see ``llmgine.bus`` middleware docs)."""
        self._check_not_closed()
        undo = self._dispatcher.add_command_middleware(middleware)
        return Registration(f"command middleware {middleware!r}", undo)

    def add_event_middleware(self, middleware: Any) -> Registration:
        """Wrap the delivery of each event to its handlers in ``middleware``."""
        self._check_not_closed()
        self._registrar.every_event()  # it sees every event
        undo = self._dispatcher.add_event_middleware(middleware)
        return Registration(f"event middleware {middleware!r}", undo)

    def session(self, session_id: str | None = None) -> BusSession:
        """A session scope: ``async with bus.session("user-42") as session: ...``."""
        return BusSession(self, new_session_id() if session_id is None else session_id)

    def claim_session(self, session_id: str) -> Callable[[], None]:
        """Mark ``session_id`` open (``BusSession`` does this); returns the release."""
        if self._state != "running":
            self._refuse("SessionStartedEvent", self.inside_handler())
        return self._registrar.claim_session(session_id)

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
        if type(event) not in _EVENT_TYPES:
            if not isinstance(event, Event):
                raise UsageError(f"publish() takes an Event; use execute() for {event!r:.80}")
            _EVENT_TYPES.add(type(event))
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
        if type(command) not in _COMMAND_TYPES:
            if not isinstance(command, Command):
                raise UsageError(f"execute() takes a Command; use publish() for {command!r:.80}")
            _COMMAND_TYPES.add(type(command))
        if self._pressure.held:
            await self._pressure.wait()
        self._commands += 1
        counter = self._stopper
        counter.inflight += 1
        counter.commands_idle.clear()
        try:
            self._record(command)
            started = time.perf_counter()
            lifecycle = self._command_events
            if lifecycle.active and (announced := lifecycle.started(command)) is not None:
                await self.emit(announced, inside)
            try:
                result = await self._transport.request(command, timeout)
            except TransportError as exc:
                failure = Failure(kind="transport_error", message=str(exc), retryable=True)
                result = CommandResult.failed(command, failure)
            self._record(result)
            if lifecycle.active and (ended := lifecycle.finished(command, result, started)):
                await self.emit(ended, inside)
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
            raise waits_for_itself(
                "wait_for_events()",
                "Await the commands you need instead, or wait from outside the bus.",
            )
        async with asyncio.timeout(timeout):
            if session_id is None:
                await self._transport.wait_idle()
            else:
                await self._transport.drain(session_id)

    # -- introspection -----------------------------------------------------------------

    def stats(self) -> BusStats:
        commands, events = self._registrar.table.counts()
        t = self._transport.stats()
        return BusStats(
            state=self._state, queued=t.queued, peak_queued=t.peak_queued,
            queue_bound=t.bound, published=self._published, delivered=t.delivered,
            commands=self._commands, handler_failures=self._dispatcher.failures,
            command_handlers=commands, event_handlers=events,
            active_sessions=len(self._registrar.sessions),
        )  # fmt: skip

    def has_subscribers(self, event_type: type[Event], session_id: str = BUS_SCOPE) -> bool:
        """Whether an event of ``event_type`` in ``session_id`` would reach any handler.

        For events that only repeat what other messages already record (the pieces of a
        streamed reply, say): a publisher may skip building them when nobody listens.
        """
        return bool(self._registrar.table.event_handlers(event_type, session_id))

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
        raise not_accepting(self._state, name)

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

    async def emit(self, event: Event, inside: bool = True) -> None:
        """Publish an event the bus makes itself, as part of work it already accepted."""
        if self._state == "closed":
            logger.warning("dropped %s: the bus closed before it was published", event)
            return
        await self._accept(event, inside or self._state == "stopping")


def _log_path(log_dir: str | os.PathLike[str] | None, log_filename: str | None) -> Path | None:
    """The file of this bus's log: ``log_filename`` in ``log_dir``, or a new file there
    named by the time it was made; None without a ``log_dir``."""
    if log_filename is not None:
        if log_dir is None:
            raise ValueError(
                f"log_filename={log_filename!r} names a file in log_dir, and no log_dir was "
                "given: pass log_dir too (e.g. log_dir='logs')"
            )
        if not log_filename or Path(log_filename).name != log_filename or log_filename == "..":
            raise ValueError(
                f"log_filename must be a file name, not a path: {log_filename!r}; put the "
                "folder in log_dir"
            )
        return Path(log_dir) / log_filename
    if log_dir is None:
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    return Path(log_dir) / f"llmgine-{stamp}-{new_id()[-12:]}.jsonl"


def _erase(handler: Callable[[C], object] | Callable[[E], object]) -> Handler:
    return handler  # type: ignore[return-value]  # routing guarantees the message type
