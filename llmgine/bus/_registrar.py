"""A bus's registrations: its routing table, what its transport is subscribed to and
serves, the handles that undo them, and the sessions open on it.

Registering an event handler for a class subscribes the transport to the exact wire names
of that class and every registered subclass; a subclass defined later is added when it
is defined (the registrar listens to the message registry while the bus runs). Event
middleware sees every event, so adding some subscribes the transport to all of them.
Registering a command handler tells the transport to serve that exact wire name (commands
are routed by their exact class).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from llmgine.bus._errors import UsageError
from llmgine.bus._registration import Registration
from llmgine.bus._routing import Handler, HandlerEntry, HandlerTable
from llmgine.bus._transport import ALL_EVENTS, Transport
from llmgine.messages import BUS_SCOPE, Command, Event, Message, registry


class Registrar:
    """Adds and removes the handlers of one bus."""

    def __init__(self, table: HandlerTable, transport: Transport) -> None:
        self.table = table
        self._transport = transport
        self._unwatch: Callable[[], None] | None = None
        self.sessions: set[str] = set()
        """The ids of the sessions open on the bus (``BusSession`` claims them)."""

    def claim_session(self, session_id: str) -> Callable[[], None]:
        if session_id in self.sessions:
            raise UsageError(
                f"session {session_id!r} is already open on this bus; end it before opening "
                f"it again, or use another id"
            )
        self.sessions.add(session_id)
        return lambda: self.sessions.discard(session_id)

    def command(
        self, command_type: type[Command[Any]], handler: Handler, session_id: str,
        timeout: float | None,
    ) -> Registration:  # fmt: skip
        entry = self.table.add_command(command_type, handler, session_id, timeout)
        self._transport.serve(command_type.wire_name, session_id)
        return self._registration(entry, "command handler")

    def event(
        self, event_type: type[Event], handler: Handler, session_id: str, timeout: float | None
    ) -> Registration:
        entry = self.table.add_event(event_type, handler, session_id, timeout)
        self._transport.subscribe(registry.subtypes(event_type), session_id)
        return self._registration(entry, "event handler")

    def every_event(self) -> None:
        self._transport.subscribe(frozenset({ALL_EVENTS}), BUS_SCOPE)

    def watch(self) -> None:
        """Follow classes defined from now on (while the bus runs)."""
        if self._unwatch is None:
            self._unwatch = registry.add_listener(self._new_message_class)

    def unwatch(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None

    def _registration(self, entry: HandlerEntry, what: str) -> Registration:
        scope = "" if entry.session_id == BUS_SCOPE else f" in session {entry.session_id!r}"
        description = f"{what} {entry.name} for {entry.message_type.__name__}{scope}"
        return Registration(description, lambda: self._forget(entry))

    def _forget(self, entry: HandlerEntry) -> None:
        self.table.remove(entry)

    def _new_message_class(self, cls: type[Message]) -> None:
        for entry in self.table.event_entries():
            if issubclass(cls, entry.message_type):
                self._transport.subscribe(frozenset({cls.wire_name}), entry.session_id)
