"""Dispatch: running handlers for the messages a transport delivers.

The ``Dispatcher`` is the endpoint of a bus (see ``_transport``). For an event it runs
the event middleware and then every matching handler, one after the other; for a command
the command middleware and the one handler, and turns what happened into a
``CommandResult``. Every handler runs inside a handling frame, so the messages it builds
point back at what caused them, and is called one way (``HandlerEntry.invoke``).

Failures never escape: a handler that raises, times out or returns a value that does not
fit its command's result type produces a ``HandlerFailedEvent`` and, for a command, a
failed result with a ``Failure`` saying which. A ``CancelledError`` counts as a failure
too unless the task running the handler is itself being cancelled (then it propagates:
the caller, or the bus, is shutting the work down). ``KeyboardInterrupt`` and
``SystemExit`` are recorded as failures and then re-raised, so that they still end the
program. The dispatcher publishes the events it makes through the bus (the ``Emitter``
port), never by reaching into it.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from llmgine.bus._errors import HandlerTimeoutError, MessageRejected
from llmgine.bus._invoke import describe, failure_event
from llmgine.bus._middleware import (
    CommandMiddleware,
    EventMiddleware,
    MiddlewareFailed,
    compose,
)
from llmgine.bus._routing import HandlerTable
from llmgine.messages import (
    BUS_SCOPE,
    Command,
    CommandResult,
    EncodeError,
    Event,
    Failure,
    FailureKind,
    HandlerFailedEvent,
    HandlingFrame,
    Message,
    check_result,
    handling,
    new_frame,
)

logger = logging.getLogger("llmgine.bus")

_RECENT_FAILURES = 100
_STACK_HOP = 32
"""Nesting depth of commands executed from handlers after which a fresh task is used."""


class Emitter(Protocol):
    """What dispatch needs of its bus: publishing the events it makes itself."""

    async def emit(self, event: Event) -> None: ...


class Dispatcher:
    """Runs the handlers of one bus; the ``Endpoint`` its transport delivers to."""

    def __init__(self, bus_id: str, table: HandlerTable, emitter: Emitter) -> None:
        self.bus_id = bus_id
        self._table = table
        self._emitter = emitter
        self.failures = 0
        self.recent_failures: deque[HandlerFailedEvent] = deque(maxlen=_RECENT_FAILURES)
        self._command_middleware: list[CommandMiddleware] = []
        self._event_middleware: list[EventMiddleware] = []
        self._command_chain: Callable[[Command[Any]], Awaitable[CommandResult[Any]]] | None = None
        self._event_chain: Callable[[Event], Awaitable[None]] | None = None
        self.deliver: Callable[[Event], Awaitable[None]]
        """Deliver an event to its handlers (through the event middleware, if any)."""
        self._rebuild()

    # -- middleware --------------------------------------------------------------------

    def add_command_middleware(self, middleware: CommandMiddleware) -> Callable[[], None]:
        self._command_middleware.append(middleware)
        self._rebuild()
        return lambda: self._remove(self._command_middleware, middleware)

    def add_event_middleware(self, middleware: EventMiddleware) -> Callable[[], None]:
        self._event_middleware.append(middleware)
        self._rebuild()
        return lambda: self._remove(self._event_middleware, middleware)

    def _remove(self, chain: list[Any], middleware: object) -> None:
        if middleware in chain:
            chain.remove(middleware)
            self._rebuild()

    def _rebuild(self) -> None:
        commands, events = self._command_middleware, self._event_middleware
        self._command_chain = compose(commands, self._run_handler) if commands else None
        self._event_chain = compose(events, self._deliver_direct) if events else None
        # Chosen once here rather than tested per event: events are the hot path.
        self.deliver = self._deliver_chained if events else self._deliver_direct

    # -- events ------------------------------------------------------------------------

    async def _deliver_direct(self, event: Event) -> None:
        table = self._table
        handlers = table.event_cache.get((type(event), event.session_id))
        if handlers is None:
            handlers = table.event_handlers(type(event), event.session_id)
        if not handlers:
            return
        token = handling.set(new_frame((self.bus_id, event.event_id, event.session_id, 0)))
        try:
            for entry in handlers:
                try:
                    value = entry.invoke(event)
                    if entry.awaits or (value is not None and inspect.isawaitable(value)):
                        await value
                except Exception as exc:
                    await self._handler_failed(entry.name, event, exc)
                except asyncio.CancelledError as exc:
                    if _being_cancelled():
                        raise
                    await self._handler_failed(entry.name, event, exc)
                except BaseException as exc:  # KeyboardInterrupt, SystemExit: noted, not kept
                    await self._handler_failed(entry.name, event, exc)
                    raise
        finally:
            handling.reset(token)

    async def _deliver_chained(self, event: Event) -> None:
        chain = self._event_chain
        assert chain is not None
        token = handling.set(HandlingFrame(self.bus_id, event.event_id, event.session_id, 0))
        try:
            await chain(event)
        except MessageRejected as exc:
            logger.debug("%s rejected by middleware: %s", type(event).__name__, exc)
        except MiddlewareFailed as exc:
            await self._handler_failed(exc.name, event, exc.error)
        finally:
            handling.reset(token)

    # -- commands ----------------------------------------------------------------------

    async def handle(self, command: Command[Any], timeout: float | None) -> CommandResult[Any]:
        """Run ``command`` through the command middleware and its handler."""
        frame = handling.get()
        depth = frame.depth + 1 if frame is not None and frame.bus_id == self.bus_id else 0
        if depth >= _STACK_HOP:
            # Commands awaited from handlers nest on the Python stack; a fresh task now
            # and then gives a fresh stack, so nesting has no depth limit.
            return await asyncio.create_task(self._handle_afresh(command, timeout))
        token = handling.set(
            new_frame((self.bus_id, command.command_id, command.session_id, depth))
        )
        try:
            chain = self._command_chain
            if chain is None and timeout is None:
                return await self._run_handler(command)
            try:
                if chain is None:
                    assert timeout is not None
                    return await _with_timeout(self._run_handler, command, timeout)
                if timeout is None:
                    result = await chain(command)
                else:
                    result = await _with_timeout(chain, command, timeout)
                return await self._checked(command, result)
            except MessageRejected as exc:
                name = type(command).__name__
                return _failed(command, "rejected", f"{name} was rejected: {exc}")
            except MiddlewareFailed as exc:
                await self._handler_failed(exc.name, command, exc.error)
                return _failed_by(command, exc.error)
        finally:
            handling.reset(token)

    async def _handle_afresh(
        self, command: Command[Any], timeout: float | None
    ) -> CommandResult[Any]:
        frame = handling.get()
        assert frame is not None
        handling.set(frame._replace(depth=-1))  # this task's own copy: the next level is 0
        return await self.handle(command, timeout)

    async def _run_handler(self, command: Command[Any]) -> CommandResult[Any]:
        entry = self._table.command_handler(type(command), command.session_id)
        if entry is None:
            return _no_handler(command)
        try:
            value = entry.invoke(command)
            if entry.awaits or (value is not None and inspect.isawaitable(value)):
                value = await value
        except Exception as exc:
            await self._handler_failed(entry.name, command, exc)
            return _failed_by(command, exc)
        except asyncio.CancelledError as exc:
            if _being_cancelled():
                raise
            await self._handler_failed(entry.name, command, exc)
            return _failed_by(command, exc)
        except BaseException as exc:  # KeyboardInterrupt, SystemExit: noted, not kept
            await self._handler_failed(entry.name, command, exc)
            raise
        try:
            return _result_of(command, value)
        except EncodeError as exc:
            await self._handler_failed(entry.name, command, exc)
            return _failed(command, "invalid_result", str(exc), "EncodeError")

    async def _checked(self, command: Command[Any], result: object) -> CommandResult[Any]:
        """What the middleware chain returned, as the command's result (middleware may
        have replaced the handler's value, so it is checked again)."""
        try:
            return _result_of(command, result)
        except EncodeError as exc:
            await self._handler_failed("command middleware", command, exc)
            return _failed(command, "invalid_result", str(exc), "EncodeError")

    def handles(self, command_type: type[Command[Any]], session_id: str) -> bool:
        """Whether ``command_type`` has a handler here for ``session_id`` (or bus-wide)."""
        return self._table.command_handler(command_type, session_id) is not None

    async def emit(self, event: Event) -> None:
        """Publish an event the transport made itself, through the bus."""
        await self._emitter.emit(event)

    # -- failures ----------------------------------------------------------------------

    async def _handler_failed(self, handler: str, message: Message, exc: BaseException) -> None:
        self.failures += 1
        event = failure_event(handler, message, exc)
        self.recent_failures.append(event)
        logger.warning(
            "handler %s failed on %s %s: %s",
            handler, type(message).__name__, message.message_id, describe(exc),
        )  # fmt: skip
        if isinstance(message, HandlerFailedEvent):
            return  # a failing failure handler must not start a cascade
        try:
            await self._emitter.emit(event)
        except Exception:
            logger.exception("could not publish the failure of %s", handler)


def _being_cancelled() -> bool:
    """Whether the running task was asked to stop (as opposed to meeting someone else's
    cancellation, e.g. by awaiting a task that another task cancelled)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _result_of(command: Command[Any], value: object) -> CommandResult[Any]:
    """What a handler (or middleware) returned, as the command's result, checked against
    its declared type. Raises ``EncodeError`` when it does not fit."""
    if isinstance(value, CommandResult):
        return _normalized(command, value)
    return CommandResult(
        success=True, command_id=command.command_id, command_type=command.wire_name,
        session_id=command.session_id, result=check_result(type(command), value),
    )  # fmt: skip


def _normalized(command: Command[Any], result: CommandResult[Any]) -> CommandResult[Any]:
    """A ``CommandResult`` a handler (or middleware) returned, made the command's own: its
    ids and command type, its value checked against the command's declared type, a
    failure recorded as data."""
    updates: dict[str, Any] = {}
    if (result.command_id, result.session_id) != (command.command_id, command.session_id):
        updates |= {"command_id": command.command_id, "session_id": command.session_id}
    if result.command_type != command.wire_name:
        updates["command_type"] = command.wire_name
    if result.success:
        checked = check_result(type(command), result.result)
        if checked is not result.result:
            updates["result"] = checked
    elif result.failure is None:
        failure = Failure(kind="handler_error", message=result.error or "the command failed")
        updates |= {"failure": failure, "error": failure.describe()}
    return result.model_copy(update=updates) if updates else result


def _no_handler(command: Command[Any]) -> CommandResult[Any]:
    name = type(command).__name__
    session = command.session_id
    where = "" if session == BUS_SCOPE else f" in session {session!r} or"
    return _failed(
        command,
        "no_handler",
        f"no handler is registered for {name}{where} bus-wide; register one with "
        f"bus.register_command_handler({name}, ...)",
    )


def _failed(
    command: Command[Any], kind: FailureKind, message: str, exception_type: str | None = None
) -> CommandResult[Any]:
    failure = Failure(kind=kind, message=message, exception_type=exception_type)
    return CommandResult.failed(command, failure)


def _failed_by(command: Command[Any], exc: BaseException) -> CommandResult[Any]:
    kind: FailureKind = "handler_error"
    if isinstance(exc, HandlerTimeoutError):
        kind = "timeout"
    elif isinstance(exc, asyncio.CancelledError):
        kind = "cancelled"
    return _failed(command, kind, str(exc), type(exc).__name__)


async def _with_timeout(
    chain: Callable[[Command[Any]], Awaitable[CommandResult[Any]]],
    command: Command[Any],
    timeout: float,
) -> CommandResult[Any]:
    try:
        async with asyncio.timeout(timeout) as scope:
            return await chain(command)
    except TimeoutError:
        if not scope.expired():
            raise
        name = type(command).__name__
        return _failed(
            command, "timeout", f"{name} did not finish within {timeout:g} s and was cancelled"
        )
