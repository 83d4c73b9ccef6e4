"""Events the bus itself publishes.

    CommandStartedEvent       a command reached the bus and is about to be handled
    CommandFinishedEvent      base of the two below (subscribe to it for both)
    ├── CommandSucceededEvent
    └── CommandFailedEvent    no handler, the handler raised, timed out or reported failure
    HandlerFailedEvent        a handler (or middleware) raised; the others were still served
    SessionStartedEvent       a BusSession began
    SessionEndedEvent         a BusSession ended (``error`` says why, if it ended by exception)
    BusStoppedEvent           the bus stopped: what its drain could not deliver and what
                              its sinks could not write. Recorded
                              only: every sink gets it, as the last message, before the sinks
                              close; no handler does (none could run by then)

Their names are part of the log format: keep them.
"""

from __future__ import annotations

from llmgine.messages._base import Event


class CommandStartedEvent(Event):
    command_id: str
    command_type: str


class CommandFinishedEvent(Event):
    command_id: str
    command_type: str
    success: bool
    error: str | None = None
    duration_ms: float


class CommandSucceededEvent(CommandFinishedEvent):
    success: bool = True


class CommandFailedEvent(CommandFinishedEvent):
    success: bool = False


class HandlerFailedEvent(Event):
    handler: str
    """Qualified name of the handler (or middleware) that raised."""
    message_type: str
    failed_message_id: str
    exception_type: str
    exception_message: str
    traceback: str | None = None


class SessionStartedEvent(Event):
    pass


class SessionEndedEvent(Event):
    error: str | None = None


class BusStoppedEvent(Event):
    """The numbers of the bus's ``StopReport`` known before the sinks close."""

    undelivered: int = 0
    """Accepted events that never reached their handlers (the drain timed out)."""
    commands_in_flight: int = 0
    """Commands still running when the drain timed out."""
    timed_out: bool = False
    sink_problems: tuple[str, ...] = ()
    """What the sinks reported going wrong (lines not written, a stalled writer)."""
