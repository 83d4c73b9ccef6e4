"""The command lifecycle events a bus publishes around each command it executes.

``CommandStartedEvent`` before the handler, ``CommandSucceededEvent`` or
``CommandFailedEvent`` after it. They repeat what the log's command and result lines
already say, so by default they are built only while some handler listens for them.
``active`` says whether any registration could receive one at all; it is kept up to date
as handlers come and go, so a bus where nobody listens pays one attribute read a command.
"""

from __future__ import annotations

import time
from typing import Any

from llmgine.bus._routing import HandlerTable
from llmgine.messages import (
    Command,
    CommandFailedEvent,
    CommandFinishedEvent,
    CommandResult,
    CommandStartedEvent,
    CommandSucceededEvent,
)


class CommandEvents:
    """Builds the lifecycle events of commands, when they are wanted."""

    def __init__(self, table: HandlerTable, *, always: bool) -> None:
        self._table = table
        self._always = always
        self.active = always
        table.on_events_changed.append(self._refresh)

    def _refresh(self) -> None:
        self.active = self._always or any(
            issubclass(lifecycle, entry.message_type)
            for entry in self._table.event_entries()
            for lifecycle in _LIFECYCLE
        )

    def started(self, command: Command[Any]) -> CommandStartedEvent | None:
        if not (
            self._always or self._table.event_handlers(CommandStartedEvent, command.session_id)
        ):
            return None
        return CommandStartedEvent(
            command_id=command.command_id, command_type=command.wire_name,
            parent_id=command.command_id, session_id=command.session_id,
        )  # fmt: skip

    def finished(
        self, command: Command[Any], result: CommandResult[Any], started: float
    ) -> CommandFinishedEvent | None:
        finished = CommandSucceededEvent if result.success else CommandFailedEvent
        if not (self._always or self._table.event_handlers(finished, command.session_id)):
            return None
        return finished(
            command_id=command.command_id, command_type=command.wire_name,
            success=result.success, error=result.error,
            duration_ms=(time.perf_counter() - started) * 1000,
            parent_id=command.command_id, session_id=command.session_id,
        )  # fmt: skip


_LIFECYCLE = (CommandStartedEvent, CommandSucceededEvent, CommandFailedEvent)
