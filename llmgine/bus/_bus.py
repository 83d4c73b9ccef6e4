"""The MessageBus: commands to one handler, events to many, every message recorded.

Flow of an event: ``publish`` checks the state and the queue bound, hands the event to
every sink (record first), and queues it on its session's lane; the lane's task passes it
through the event middleware to each matching handler in turn. Flow of a command:
``execute`` records it, runs middleware and the one handler directly in the caller's
task (no queue hop), records the result and returns it. Handlers run inside a handling
frame, so the messages they build point back at what caused them, and the bus can tell
a call made from a handler (which must never wait on the bus) from one made outside.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import time
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from llmgine.bus._errors import BusClosedError, UsageError
from llmgine.bus._invoke import call_handler, describe, failure_event
from llmgine.bus._middleware import (
    CommandMiddleware,
    EventMiddleware,
    MessageRejected,
    MiddlewareFailed,
    compose,
)
from llmgine.bus._queue import SessionQueues
from llmgine.bus._registration import Registration
from llmgine.bus._routing import Handler, HandlerEntry, HandlerTable
from llmgine.bus._session import BusSession
from llmgine.bus._types import (
    BusState,
    BusStats,
    CommandEventsPolicy,
    OverflowPolicy,
    StopReport,
)
from llmgine.messages import (
    BUS_SCOPE,
    BusStoppedEvent,
    Command,
    CommandFailedEvent,
    CommandResult,
    CommandStartedEvent,
    CommandSucceededEvent,
    Event,
    HandlerFailedEvent,
    Message,
)
from llmgine.messages._context import handling
from llmgine.messages._ids import new_id
from llmgine.observability import JsonlSink, Sink

logger = logging.getLogger("llmgine.bus")

C = TypeVar("C", bound=Command)
E = TypeVar("E", bound=Event)
M = TypeVar("M")

_RECENT_FAILURES = 100
_STACK_HOP = 32
"""Nesting depth of commands executed from handlers after which a fresh task is used."""


class MessageBus:
    """An async message bus. Use as ``async with MessageBus() as bus:``.

    Args:
        log_dir: folder for the JSONL log (one new file per bus); ``None`` turns it off.
        sinks: further sinks that receive every message.
        max_queue_size: bound on events accepted but not yet delivered, over all sessions.
        overflow: what ``publish`` does outside handlers when the queue is full:
            ``"wait"`` until there is room, or ``"raise"`` ``BusFullError``.
        handler_timeout: default timeout in seconds for every handler (None: no limit).
        stop_timeout: how long ``stop()`` drains accepted work before giving up.
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
        max_queue_size: int = 10_000,
        overflow: OverflowPolicy = "wait",
        handler_timeout: float | None = None,
        stop_timeout: float = 10.0,
        command_events: CommandEventsPolicy = "subscribed",
        handler_overflow: int = 10_000,
    ) -> None:
        if overflow not in ("wait", "raise"):
            raise ValueError(f"overflow must be 'wait' or 'raise', not {overflow!r}")
        self._id = id(self)
        self._state: BusState = "new"
        self._table = HandlerTable(default_timeout=handler_timeout)
        self._queues = SessionQueues(
            self._deliver, bound=max_queue_size, hard_limit=max_queue_size + handler_overflow
        )
        self._overflow_waits = overflow == "wait"
        self._always_command_events = command_events == "always"
        self._stop_timeout = stop_timeout
        self.log_path: Path | None = None
        self._sinks: list[Sink] = []
        if log_dir is not None:
            stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
            self.log_path = Path(log_dir) / f"llmgine-{stamp}-{new_id()[-12:]}.jsonl"
            self._sinks.append(JsonlSink(self.log_path))
        self._sinks.extend(sinks)
        self._command_middleware: list[CommandMiddleware] = []
        self._event_middleware: list[EventMiddleware] = []
        self._command_chain: Callable[[Command], Awaitable[CommandResult]] | None = None
        self._event_chain: Callable[[Event], Awaitable[None]] | None = None
        self._sessions: set[str] = set()
        self._inflight = 0
        self._commands_idle = asyncio.Event()
        self._commands_idle.set()
        self._published = 0
        self._commands = 0
        self._failures = 0
        self._recent_failures: deque[HandlerFailedEvent] = deque(maxlen=_RECENT_FAILURES)
        self._stopping: asyncio.Future[StopReport] | None = None
        self._report: StopReport | None = None

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def state(self) -> BusState:
        return self._state

    async def start(self) -> None:
        """Start the sinks and take messages. Starting a running bus does nothing."""
        if self._state == "running":
            return
        if self._state != "new":
            raise BusClosedError("this bus was stopped and cannot restart; create a new one")
        started: list[Sink] = []
        try:
            for sink in self._sinks:
                await sink.start()
                started.append(sink)
        except BaseException:
            for sink in started:
                await _quietly(sink.close())
            raise
        self._state = "running"

    async def stop(self, timeout: float | None = None) -> StopReport:
        """Stop intake, drain accepted work, flush and close every sink.

        Waits up to ``timeout`` (default: the bus's ``stop_timeout``) for accepted events
        and running commands to finish; what is left is counted in the report and
        logged, and recorded (a ``BusStoppedEvent``, to the sinks only) as the last
        message before the sinks close. Idempotent: later calls return the same report.
        """
        if self._report is not None:
            return self._report
        if self._inside_handler():
            raise UsageError(
                "stop() was called from inside a handler of this bus; it would wait for "
                "that handler to finish. Stop the bus from outside its handlers."
            )
        if self._stopping is not None:
            return await asyncio.shield(self._stopping)
        if self._state == "new":
            self._state = "closed"
            self._report = StopReport()
            return self._report
        self._stopping = asyncio.get_running_loop().create_future()
        self._state = "stopping"
        self._queues.wake_waiters()
        timed_out = False
        try:
            async with asyncio.timeout(self._stop_timeout if timeout is None else timeout):
                while self._queues.queued or self._inflight:
                    await self._queues.wait_idle()
                    await self._commands_idle.wait()
        except TimeoutError:
            timed_out = True
        undelivered = self._queues.cancel() if timed_out else 0
        await asyncio.gather(*self._queues.lane_tasks(), return_exceptions=True)
        self._state = "closed"
        self._record(
            BusStoppedEvent(
                undelivered=undelivered, commands_in_flight=self._inflight, timed_out=timed_out,
                session_id=BUS_SCOPE, parent_id=None,
            )
        )  # fmt: skip
        errors = []
        for sink in self._sinks:
            try:
                await sink.close()
            except Exception as exc:
                errors.append(f"{type(sink).__name__}: {describe(exc)}")
        report = StopReport(undelivered, self._inflight, timed_out, tuple(errors))
        if not report.clean:
            logger.warning("bus stopped with losses: %s", report)
        self._report = report
        self._stopping.set_result(report)
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

        The handler may be sync or async; what it returns becomes ``CommandResult.result``
        (or, if it returns a ``CommandResult``, that is the result). A second handler for
        the same type and scope raises ``UsageError``.
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
        return self._registration(entry, "event handler")

    def unregister_session_handlers(self, session_id: str) -> int:
        """Remove every handler registered for ``session_id``; returns how many."""
        return self._table.remove_session(session_id)

    def add_command_middleware(self, middleware: CommandMiddleware) -> Registration:
        """Wrap command handling in ``middleware`` (see ``llmgine.bus`` middleware docs)."""
        self._check_not_closed()
        self._command_middleware.append(middleware)
        self._rebuild_chains()
        return Registration(
            f"command middleware {middleware!r}",
            lambda: self._remove_middleware(self._command_middleware, middleware),
        )

    def add_event_middleware(self, middleware: EventMiddleware) -> Registration:
        """Wrap the delivery of each event to its handlers in ``middleware``."""
        self._check_not_closed()
        self._event_middleware.append(middleware)
        self._rebuild_chains()
        return Registration(
            f"event middleware {middleware!r}",
            lambda: self._remove_middleware(self._event_middleware, middleware),
        )

    def session(self, session_id: str | None = None) -> BusSession:
        """A session scope: ``async with bus.session("user-42") as session: ...``."""
        return BusSession(self, new_id() if session_id is None else session_id)

    # -- publishing and executing ------------------------------------------------------

    async def publish(self, event: Event) -> None:
        """Record ``event`` and queue it for its subscribers.

        Returns once the event is accepted, not when it is handled (see
        ``wait_for_events``). When the queue is full it waits or raises, per the bus's
        overflow policy; from inside a handler it never waits.
        """
        frame = handling.get()
        inside = frame is not None and frame[0] == self._id
        if self._state != "running":
            self._refuse(type(event).__name__, inside)
        if not isinstance(event, Event):
            raise UsageError(f"publish() takes an Event; use execute() for {event!r:.80}")
        if self._queues.has_space():
            self._enqueue(event)  # the fast path: no await, no extra coroutine
        else:
            await self._accept(event, inside)

    async def execute(self, command: Command, *, timeout: float | None = None) -> CommandResult:
        """Run ``command`` through its handler and return the result.

        Never raises for handler errors: no handler, an exception, a timeout or a
        rejection by middleware all come back as ``CommandResult(success=False)``.
        ``timeout`` bounds the whole handling, middleware included.
        """
        frame = handling.get()
        inside = frame is not None and frame[0] == self._id
        if self._state != "running":
            self._refuse(type(command).__name__, inside)
        if not isinstance(command, Command):
            raise UsageError(f"execute() takes a Command; use publish() for {command!r:.80}")
        depth = 0 if frame is None else frame[3] + 1
        if depth >= _STACK_HOP:
            # Commands awaited from handlers nest on the Python stack; a fresh task now
            # and then gives a fresh stack, so nesting has no depth limit.
            return await asyncio.create_task(self._execute_on_fresh_stack(command, timeout))
        command_id, session_id = command.command_id, command.session_id
        self._inflight += 1
        self._commands += 1
        self._commands_idle.clear()
        try:
            self._record(command)
            started = time.perf_counter()
            if self._wants(CommandStartedEvent, session_id):
                await self._emit(
                    CommandStartedEvent(
                        command_id=command_id, command_type=type(command).__name__,
                        parent_id=command_id, session_id=session_id,
                    ),
                    inside,
                )  # fmt: skip
            token = handling.set((self._id, command_id, session_id, depth))
            try:
                result = await self._handle_through_middleware(command, timeout, inside)
            finally:
                handling.reset(token)
            self._record(result)
            if self._wants(CommandSucceededEvent if result.success else CommandFailedEvent,
                           session_id):  # fmt: skip
                await self._emit_finished(command, result, started, inside)
            return result
        finally:
            self._inflight -= 1
            if not self._inflight:
                self._commands_idle.set()

    async def _execute_on_fresh_stack(
        self, command: Command, timeout: float | None
    ) -> CommandResult:
        frame = handling.get()
        assert frame is not None
        handling.set((frame[0], frame[1], frame[2], 0))  # this task's own copy of the frame
        return await self.execute(command, timeout=timeout)

    async def wait_for_events(self, timeout: float | None = None) -> None:
        """Wait until every event published so far has reached all its handlers.

        Raises ``UsageError`` at once when called from a handler of this bus (it would
        wait for itself) and ``TimeoutError`` if ``timeout`` seconds pass first.
        """
        if self._inside_handler():
            raise UsageError(
                "wait_for_events() was called from inside a handler of this bus; it would "
                "wait for that very handler. Await the commands you need instead, or wait "
                "from outside the bus."
            )
        async with asyncio.timeout(timeout):
            await self._queues.wait_idle()

    # -- introspection -----------------------------------------------------------------

    def stats(self) -> BusStats:
        commands, events = self._table.counts()
        q = self._queues
        return BusStats(
            self._state, q.queued, q.peak, q.bound, self._published, q.delivered,
            self._commands, self._failures, commands, events, len(self._sessions),
        )  # fmt: skip

    def has_subscribers(self, event_type: type[Event], session_id: str = BUS_SCOPE) -> bool:
        """Whether an event of ``event_type`` in ``session_id`` would reach any handler.

        For events that only repeat what other messages already record (the pieces of a
        streamed reply, say): a publisher may skip building them when nobody listens.
        """
        return bool(self._table.event_handlers(event_type, session_id))

    @property
    def recent_failures(self) -> list[HandlerFailedEvent]:
        """The last handler failures, newest last (a ring buffer of 100)."""
        return list(self._recent_failures)

    # -- internals ---------------------------------------------------------------------

    def _open_session(self, session_id: str) -> None:
        if session_id in self._sessions:
            raise UsageError(
                f"session {session_id!r} is already open on this bus; end it before opening "
                f"it again, or use another id"
            )
        if self._state != "running":
            self._refuse("SessionStartedEvent", self._inside_handler())
        self._sessions.add(session_id)

    def _close_session(self, session_id: str) -> None:
        self._sessions.discard(session_id)

    def _inside_handler(self) -> bool:
        frame = handling.get()
        return frame is not None and frame[0] == self._id

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
        queues = self._queues
        if not queues.has_space():
            await queues.wait_for_space(inside_handler=inside, may_wait=self._overflow_waits)
            if self._state != "running":
                self._refuse(type(event).__name__, inside)
        self._enqueue(event)

    def _enqueue(self, event: Event) -> None:
        """Record ``event`` in every sink, then queue it (room was checked)."""
        self._record(event)
        self._queues.put(event)
        self._published += 1

    async def _emit(self, event: Event, inside: bool) -> None:
        """Publish an event the bus makes itself, as part of work it already accepted."""
        if self._state == "closed":
            logger.warning("dropped %s: the bus closed before it was published", event)
            return
        await self._accept(event, inside or self._state == "stopping")

    def _record(self, message: Message) -> None:
        for sink in self._sinks:
            try:
                sink.emit(message)
            except Exception:
                self._sink_failed(sink, message)

    def _sink_failed(self, sink: Sink, message: Message) -> None:
        logger.exception("sink %r failed to record %s", sink, type(message).__name__)

    async def _handle_through_middleware(
        self, command: Command, timeout: float | None, inside: bool
    ) -> CommandResult:
        chain = self._command_chain
        if chain is None and timeout is None:
            return await self._handle_command(command)
        chain = chain or self._handle_command
        name = type(command).__name__
        try:
            if timeout is None:
                return await chain(command)
            return await _with_timeout(chain, command, timeout)
        except MessageRejected as exc:
            return _failed(command, f"{name} was rejected: {exc}")
        except MiddlewareFailed as exc:
            await self._handler_failed(exc.name, command, exc.error, inside)
            return _failed(command, describe(exc.error))

    async def _emit_finished(
        self, command: Command, result: CommandResult, started: float, inside: bool
    ) -> None:
        finished = CommandSucceededEvent if result.success else CommandFailedEvent
        await self._emit(
            finished(
                command_id=command.command_id, command_type=type(command).__name__,
                success=result.success, error=result.error,
                duration_ms=(time.perf_counter() - started) * 1000,
                parent_id=command.command_id, session_id=command.session_id,
            ),
            inside,
        )  # fmt: skip

    def _wants(self, event_type: type[Event], session_id: str) -> bool:
        """Whether a command lifecycle event should be published at all."""
        return self._always_command_events or bool(
            self._table.event_handlers(event_type, session_id)
        )

    async def _handle_command(self, command: Command) -> CommandResult:
        entry = self._table.command_handler(type(command), command.session_id)
        if entry is None:
            name = type(command).__name__
            where = (
                "" if command.session_id == BUS_SCOPE else f" in session {command.session_id!r} or"
            )
            return _failed(
                command,
                f"no handler is registered for {name}{where} bus-wide; register one with "
                f"bus.register_command_handler({name}, ...)",
            )
        try:
            if entry.timeout is not None:
                value = await call_handler(entry, command, entry.timeout)
            elif entry.is_async:
                value = await entry.handler(command)  # type: ignore[misc]
            else:
                value = entry.handler(command)
                if inspect.isawaitable(value):
                    value = await value
        except Exception as exc:
            await self._handler_failed(entry.name, command, exc, inside=True)
            return _failed(command, describe(exc))
        if isinstance(value, CommandResult):
            if value.command_id != command.command_id or value.session_id != command.session_id:
                value = value.model_copy(
                    update={"command_id": command.command_id, "session_id": command.session_id}
                )
            return value
        return CommandResult(
            success=True, command_id=command.command_id, session_id=command.session_id,
            result=value,
        )  # fmt: skip

    async def _deliver(self, event: Event) -> None:
        """Deliver one event to its handlers, inside its handling frame."""
        handlers = self._table.event_handlers(type(event), event.session_id)
        if not handlers:
            return
        token = handling.set((self._id, event.event_id, event.session_id, 0))
        try:
            for entry in handlers:
                try:
                    if entry.timeout is not None:
                        await call_handler(entry, event, entry.timeout)
                    elif entry.is_async:
                        await entry.handler(event)  # type: ignore[misc]
                    else:
                        value = entry.handler(event)
                        if value is not None and inspect.isawaitable(value):
                            await value
                except Exception as exc:
                    await self._handler_failed(entry.name, event, exc, inside=True)
        finally:
            handling.reset(token)

    async def _deliver_through_middleware(self, event: Event) -> None:
        assert self._event_chain is not None
        token = handling.set((self._id, event.event_id, event.session_id, 0))
        try:
            await self._event_chain(event)
        except MessageRejected as exc:
            logger.debug("%s rejected by middleware: %s", type(event).__name__, exc)
        except MiddlewareFailed as exc:
            await self._handler_failed(exc.name, event, exc.error, inside=True)
        finally:
            handling.reset(token)

    async def _handler_failed(
        self, handler: str, message: Message, exc: Exception, inside: bool
    ) -> None:
        self._failures += 1
        event = failure_event(handler, message, exc)
        self._recent_failures.append(event)
        logger.warning(
            "handler %s failed on %s %s: %s",
            handler, type(message).__name__, message.message_id, describe(exc),
        )  # fmt: skip
        if isinstance(message, HandlerFailedEvent):
            return  # a failing failure handler must not start a cascade
        try:
            await self._emit(event, inside)
        except Exception:
            logger.exception("could not publish the failure of %s", handler)

    def _registration(self, entry: HandlerEntry, what: str) -> Registration:
        scope = "" if entry.session_id == BUS_SCOPE else f" in session {entry.session_id!r}"
        description = f"{what} {entry.name} for {entry.message_type.__name__}{scope}"
        return Registration(description, lambda: self._forget(entry))

    def _forget(self, entry: HandlerEntry) -> None:
        self._table.remove(entry)

    def _remove_middleware(self, chain: list[M], middleware: M) -> None:
        if middleware in chain:
            chain.remove(middleware)
            self._rebuild_chains()

    def _rebuild_chains(self) -> None:
        commands, events = self._command_middleware, self._event_middleware
        self._command_chain = compose(commands, self._handle_command) if commands else None
        self._event_chain = compose(events, self._deliver) if events else None
        self._queues.deliver = self._deliver_through_middleware if events else self._deliver


async def _with_timeout(
    chain: Callable[[Command], Awaitable[CommandResult]], command: Command, timeout: float
) -> CommandResult:
    try:
        async with asyncio.timeout(timeout) as scope:
            return await chain(command)
    except TimeoutError:
        if not scope.expired():
            raise
        name = type(command).__name__
        return _failed(command, f"{name} did not finish within {timeout:g} s and was cancelled")


def _failed(command: Command, error: str) -> CommandResult:
    return CommandResult(
        success=False, command_id=command.command_id, session_id=command.session_id, error=error
    )


def _erase(handler: Callable[[C], object] | Callable[[E], object]) -> Handler:
    return handler  # type: ignore[return-value]  # routing guarantees the message type


async def _quietly(awaitable: object) -> None:
    try:
        await awaitable  # type: ignore[misc]
    except Exception:
        logger.exception("cleanup failed")
