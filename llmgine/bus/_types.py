"""Small value types the bus hands back: its statistics and the report of a stop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BusState = Literal["new", "running", "stopping", "closed"]
OverflowPolicy = Literal["wait", "raise"]
CommandEventsPolicy = Literal["subscribed", "always"]


@dataclass(frozen=True, slots=True)
class StopReport:
    """What ``stop()`` managed: anything not zero or empty here was lost or failed."""

    undelivered: int = 0
    """Accepted events that never reached their handlers (the drain timed out)."""
    commands_in_flight: int = 0
    """Commands still running in their callers' tasks when the drain timed out."""
    timed_out: bool = False
    sink_errors: tuple[str, ...] = ()
    """Sinks that failed to flush or close, with the error."""

    @property
    def clean(self) -> bool:
        return not (self.undelivered or self.commands_in_flight or self.sink_errors)


@dataclass(frozen=True, slots=True)
class BusStats:
    """A snapshot of the bus's counters."""

    state: BusState
    queued: int
    peak_queued: int
    queue_bound: int
    published: int
    delivered: int
    commands: int
    handler_failures: int
    command_handlers: int
    event_handlers: int
    active_sessions: int
