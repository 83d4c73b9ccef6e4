"""BusSession: a scope of handlers and messages that lives and dies together.

Inside ``async with bus.session("user-42") as session:``, handlers registered on the
session receive only that session's events (and override bus-wide command handlers for
it); messages sent through the session belong to it. Leaving the block waits for the
session's queued events to be delivered, removes its handlers, and publishes
``SessionEndedEvent`` (with the error, if the block raised).
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from llmgine.bus._errors import UsageError
from llmgine.bus._invoke import describe
from llmgine.bus._registration import Registration
from llmgine.messages import (
    BUS_SCOPE,
    Command,
    CommandResult,
    Event,
    SessionEndedEvent,
    SessionStartedEvent,
)

if TYPE_CHECKING:
    from llmgine.bus._bus import MessageBus

C = TypeVar("C", bound=Command[Any])
E = TypeVar("E", bound=Event)
M = TypeVar("M", Command[Any], Event)
R = TypeVar("R")


class BusSession:
    """Handlers and messages scoped to one session id on one bus."""

    def __init__(self, bus: MessageBus, session_id: str) -> None:
        if not isinstance(session_id, str) or not session_id or session_id == BUS_SCOPE:
            raise UsageError(f"a session id must be a non-empty string other than "
                             f"{BUS_SCOPE!r}, got {session_id!r}")  # fmt: skip
        self.bus = bus
        self.session_id = session_id
        self._state: Literal["new", "active", "ended"] = "new"
        self._release: Callable[[], None] | None = None

    @property
    def active(self) -> bool:
        return self._state == "active"

    async def start(self) -> BusSession:
        if self._state != "new":
            raise UsageError(f"session {self.session_id!r} was already {self._state}")
        self._release = self.bus.claim_session(self.session_id)
        self._state = "active"
        await self.bus.publish(SessionStartedEvent(session_id=self.session_id))
        return self

    async def end(self, error: str | None = None) -> None:
        """Deliver the session's queued events, drop its handlers, announce the end."""
        if self._state != "active":
            self._state = "ended"
            return
        self._state = "ended"
        bus = self.bus
        inside = bus.inside_handler()
        try:
            if not inside:
                await bus.wait_for_events(session_id=self.session_id)
        finally:
            bus.unregister_session_handlers(self.session_id)
            if self._release is not None:
                self._release()
        if bus.state == "running" or inside:
            await bus.publish(SessionEndedEvent(session_id=self.session_id, error=error))

    async def __aenter__(self) -> BusSession:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.end(None if exc is None else describe(exc))

    def register_event_handler(
        self, event_type: type[E], handler: Callable[[E], object], *, timeout: float | None = None
    ) -> Registration:
        """Subscribe ``handler`` to this session's events of ``event_type``."""
        self._check_usable()
        return self.bus.register_event_handler(
            event_type, handler, session_id=self.session_id, timeout=timeout
        )

    def register_command_handler(
        self, command_type: type[C], handler: Callable[[C], object], *, timeout: float | None = None
    ) -> Registration:
        """Handle ``command_type`` for this session (overriding any bus-wide handler)."""
        self._check_usable()
        return self.bus.register_command_handler(
            command_type, handler, session_id=self.session_id, timeout=timeout
        )

    async def publish(self, event: Event) -> None:
        """Publish ``event`` in this session (a bus-wide event is moved into it)."""
        self._check_usable()
        await self.bus.publish(self._adopt(event))

    async def execute(
        self, command: Command[R], *, timeout: float | None = None
    ) -> CommandResult[R]:
        """Execute ``command`` in this session (a bus-wide command is moved into it)."""
        self._check_usable()
        return await self.bus.execute(self._adopt(command), timeout=timeout)

    def _adopt(self, message: M) -> M:
        if message.session_id == self.session_id:
            return message
        if message.session_id != BUS_SCOPE:
            raise UsageError(
                f"{type(message).__name__} belongs to session {message.session_id!r}, not "
                f"{self.session_id!r}; send it through the bus or its own session"
            )
        return message.model_copy(update={"session_id": self.session_id})

    def _check_usable(self) -> None:
        if self._state == "ended":
            raise UsageError(f"session {self.session_id!r} has ended")

    def __repr__(self) -> str:
        return f"<BusSession {self.session_id!r} ({self._state})>"
