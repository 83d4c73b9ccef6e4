"""A session's timeline: the records of a log rebuilt into the tree of what caused what.

``build_timelines`` makes one pass over the records. Each command and event becomes a
``TimelineStep`` under the step its ``parent_id`` names (in the same session), or at the top
when that parent is not in the log; a command's result is attached to its step. Children
keep the order of the log. Nothing is dropped: records of types it does not know are steps
like any other. How a step is shown is ``_timeline_view``'s business.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from llmgine.logs._describe import Fields
from llmgine.logs._reader import LogRecord

LIFECYCLE = frozenset(
    {"CommandStartedEvent", "CommandSucceededEvent", "CommandFailedEvent", "CommandFinishedEvent"}
)


@dataclass(eq=False)
class TimelineStep:
    """A command (with its result) or an event, and the steps it caused."""

    record: LogRecord
    result: LogRecord | None = None
    children: list[TimelineStep] = field(default_factory=list)

    @property
    def type(self) -> str:
        return self.record.type

    @property
    def succeeded(self) -> bool | None:
        """The command's ``success``; ``None`` for an event or a command with no result."""
        if self.result is None:
            return None
        return self.result.data.get("success") is True

    @property
    def duration_ms(self) -> float | None:
        """As the bus measured it when it published a finished event, else by timestamps."""
        for child in self.children:
            if self.owns(child):
                measured = Fields(child.record.data).number("duration_ms")
                if measured is not None:
                    return measured
        if self.result is None:
            return None
        start, end = self.record.timestamp, self.result.timestamp
        if start is None or end is None:
            return None
        return (end - start).total_seconds() * 1000

    def child(self, type_name: str) -> TimelineStep | None:
        """The first child of that type."""
        return next((c for c in self.children if c.type == type_name), None)

    def owns(self, child: TimelineStep) -> bool:
        """Whether ``child`` is one of the bus's lifecycle events of this command."""
        return (
            child.type in LIFECYCLE
            and child.record.data.get("command_id") == self.record.message_id
        )


@dataclass(eq=False)
class SessionTimeline:
    """Everything one session did in a log, as a tree of steps."""

    session_id: str
    steps: list[TimelineStep] = field(default_factory=list)
    """Steps whose cause is not in the session's records, in log order."""
    messages: int = 0
    first: datetime | None = None
    last: datetime | None = None

    @property
    def turns(self) -> list[TimelineStep]:
        return [s for s in self.steps if s.type == "PromptCommand"]


def build_timelines(
    records: Iterable[LogRecord], session_id: str | None = None
) -> list[SessionTimeline]:
    """The timeline of every session in ``records`` (or only of ``session_id``), in order
    of first appearance."""
    timelines: dict[str, SessionTimeline] = {}
    steps: dict[str, dict[str, TimelineStep]] = {}
    for record in records:
        session = record.session_id
        if session_id is not None and session != session_id:
            continue
        timeline = timelines.get(session)
        if timeline is None:
            timeline = timelines[session] = SessionTimeline(session)
            steps[session] = {}
        _add(timeline, steps[session], record)
    return list(timelines.values())


def _add(timeline: SessionTimeline, known: dict[str, TimelineStep], record: LogRecord) -> None:
    timeline.messages += 1
    when = record.timestamp
    if when is not None:
        timeline.first = when if timeline.first is None else min(timeline.first, when)
        timeline.last = when if timeline.last is None else max(timeline.last, when)
    message_id = record.message_id
    if record.kind == "result":
        owner = known.get(message_id) if message_id else None
        if owner is not None and owner.result is None:
            owner.result = record
            return
    step = TimelineStep(record)
    parent = known.get(record.parent_id) if record.parent_id else None
    (parent.children if parent is not None else timeline.steps).append(step)
    if message_id and record.kind != "result":
        known.setdefault(message_id, step)
