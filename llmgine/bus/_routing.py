"""Handler tables and routing decisions, as plain data and plain functions.

Nothing here awaits: the bus asks "which handler(s) for this message in this session?"
and gets an answer computed from the registrations, cached until they change.

Rules:
- A command type has at most one handler per scope; a session-scoped handler wins over
  the bus-wide one for that session.
- An event reaches every handler registered for its class or any base class (a handler
  for ``Event`` sees everything), bus-wide ones and those of the event's own session,
  in registration order.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from llmgine.bus._errors import UsageError
from llmgine.bus._invoke import Invoke, invoker
from llmgine.messages import BUS_SCOPE, Command, Event, Message

Handler = Callable[[Message], object]

_CACHE_LIMIT = 4096


@dataclass(slots=True, eq=False)
class HandlerEntry:
    """One registration: a callable bound to a message type in a scope.

    ``invoke(message)`` calls the handler (with its timeout, if any); ``awaits`` says that
    what it returns is always to be awaited (otherwise only when it is awaitable).
    """

    seq: int
    message_type: type[Message]
    handler: Handler
    session_id: str
    timeout: float | None
    name: str = field(init=False)
    invoke: Invoke = field(init=False)
    awaits: bool = field(init=False)

    def __post_init__(self) -> None:
        self.name = handler_name(self.handler)
        self.invoke = invoker(self.handler, self.name, self.timeout)
        self.awaits = self.timeout is not None or _is_async_callable(self.handler)


def handler_name(handler: object) -> str:
    """A readable, stable name for a handler: ``module.Qualified.name``."""
    func = getattr(handler, "func", handler)  # functools.partial
    qualname = getattr(func, "__qualname__", None) or type(func).__qualname__
    module = getattr(func, "__module__", None)
    return f"{module}.{qualname}" if module else qualname


def _is_async_callable(obj: object) -> bool:
    while hasattr(obj, "func"):  # functools.partial, possibly nested
        obj = obj.func
    if inspect.iscoroutinefunction(obj):
        return True
    call = getattr(type(obj), "__call__", None)  # noqa: B004 - the class's __call__ is wanted
    return call is not None and not inspect.isfunction(obj) and inspect.iscoroutinefunction(call)


class HandlerTable:
    """All registrations of one bus and the routing answers derived from them."""

    def __init__(self, default_timeout: float | None = None) -> None:
        self._default_timeout = default_timeout
        self._seq = itertools.count()
        self._commands: dict[tuple[type[Message], str], HandlerEntry] = {}
        self._events: list[HandlerEntry] = []
        self.event_cache: dict[tuple[type[Message], str], tuple[HandlerEntry, ...]] = {}
        """(event type, session) -> its handlers, as ``event_handlers`` worked them out;
        read straight from here on the hot path (a miss means: ask ``event_handlers``)."""
        self.on_events_changed: list[Callable[[], None]] = []
        """Called after event registrations change (to refresh what is derived from them)."""

    def add_command(
        self,
        command_type: type[Command[Any]],
        handler: Handler,
        session_id: str,
        timeout: float | None,
    ) -> HandlerEntry:
        _check_type(command_type, Command, "register_command_handler")
        key = (command_type, session_id)
        existing = self._commands.get(key)
        if existing is not None:
            scope = "bus-wide" if session_id == BUS_SCOPE else f"in session {session_id!r}"
            raise UsageError(
                f"{command_type.__name__} already has a handler {scope} ({existing.name}); "
                f"a command has exactly one. Unregister it first, or register the new one "
                f"in a session to override it there."
            )
        entry = HandlerEntry(
            next(self._seq), command_type, handler, session_id, self._timeout(timeout)
        )
        self._commands[key] = entry
        return entry

    def add_event(
        self, event_type: type[Event], handler: Handler, session_id: str, timeout: float | None
    ) -> HandlerEntry:
        _check_type(event_type, Event, "register_event_handler")
        entry = HandlerEntry(
            next(self._seq), event_type, handler, session_id, self._timeout(timeout)
        )
        self._events.append(entry)
        self.event_cache.clear()
        self._events_changed()
        return entry

    def remove(self, entry: HandlerEntry) -> bool:
        """Forget one registration; False if it was already gone."""
        key = (entry.message_type, entry.session_id)
        if self._commands.get(key) is entry:
            del self._commands[key]
            return True
        if entry in self._events:
            self._events.remove(entry)
            self.event_cache.clear()
            self._events_changed()
            return True
        return False

    def remove_session(self, session_id: str) -> int:
        """Forget every registration scoped to ``session_id``; returns how many."""
        if session_id == BUS_SCOPE:
            raise UsageError("the bus-wide scope cannot be removed as a session")
        commands = [k for k, e in self._commands.items() if e.session_id == session_id]
        for key in commands:
            del self._commands[key]
        before = len(self._events)
        self._events = [e for e in self._events if e.session_id != session_id]
        self.event_cache.clear()
        self._events_changed()
        return len(commands) + before - len(self._events)

    def command_handler(self, command_type: type[Message], session_id: str) -> HandlerEntry | None:
        entry = self._commands.get((command_type, session_id))
        if entry is None and session_id != BUS_SCOPE:
            entry = self._commands.get((command_type, BUS_SCOPE))
        return entry

    def event_handlers(
        self, event_type: type[Message], session_id: str
    ) -> tuple[HandlerEntry, ...]:
        key = (event_type, session_id)
        cached = self.event_cache.get(key)
        if cached is None:
            cached = tuple(
                e
                for e in self._events
                if (e.session_id == BUS_SCOPE or e.session_id == session_id)
                and issubclass(event_type, e.message_type)
            )
            if len(self.event_cache) >= _CACHE_LIMIT:
                self.event_cache.clear()  # many short-lived sessions: keep memory bounded
            self.event_cache[key] = cached
        return cached

    def _events_changed(self) -> None:
        for callback in self.on_events_changed:
            callback()

    def event_entries(self) -> tuple[HandlerEntry, ...]:
        """Every event registration, in registration order."""
        return tuple(self._events)

    def _timeout(self, timeout: float | None) -> float | None:
        return self._default_timeout if timeout is None else timeout

    def counts(self) -> tuple[int, int]:
        """(command handlers, event handlers) currently registered."""
        return len(self._commands), len(self._events)


def _check_type(cls: object, base: type[Message], method: str) -> None:
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise UsageError(f"{method}() takes a subclass of {base.__name__}, got {cls!r}")
