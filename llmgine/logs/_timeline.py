"""A session's timeline: the records of a log rebuilt into the tree of what caused what.

``build_timelines`` makes one pass over the records. Each command and event becomes a
``TimelineStep`` under the step its ``parent_id`` names, or at the top when that parent is
not in the log; a command's result is attached to its step. Children keep the order of the
log. Nothing is dropped: records of types it does not know are steps like any other. How a
step is shown is ``_timeline_view``'s business.

A parent in another session counts only when it is a workflow step: its agent call or
tool call runs in a session of its own, which is drawn inside the step's timeline, under
the step, and counted there. So a workflow run is one tree, with its steps, their agent
calls and those calls' model and tool calls. A step comes before its calls in a log, so
one pass finds it, and asking for the run's session brings its steps' sessions along.
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
OPENS_SESSIONS = frozenset({"WorkflowStepStartedEvent"})
"""Records whose effects run in sessions of their own, drawn under them all the same."""


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

    @property
    def runs(self) -> list[TimelineStep]:
        """The workflow runs started at the top of the session."""
        return [s for s in self.steps if s.type == "RunWorkflowCommand"]


def build_timelines(
    records: Iterable[LogRecord], session_id: str | None = None
) -> list[SessionTimeline]:
    """The timeline of every session in ``records`` (or only of ``session_id``, with the
    sessions it caused), in order of first appearance."""
    timelines: dict[str, SessionTimeline] = {}
    homes: dict[str, SessionTimeline] = {}
    """Each session seen, and the timeline its records are drawn in."""
    known: dict[str, TimelineStep] = {}
    for record in records:
        message_id = record.message_id
        if record.kind == "result":
            owner = known.get(message_id) if message_id else None
            if owner is not None and owner.result is None:
                owner.result = record
                _count(homes[owner.record.session_id], record)
                continue
        session = record.session_id
        parent = known.get(record.parent_id) if record.parent_id else None
        if parent is not None and parent.record.session_id != session:
            parent = parent if parent.type in OPENS_SESSIONS else None
        timeline = homes.get(session)
        if timeline is None:
            if parent is not None:
                timeline = homes[parent.record.session_id]
            elif session_id is not None and session != session_id:
                continue
            else:
                timeline = timelines[session] = SessionTimeline(session)
            homes[session] = timeline
        _count(timeline, record)
        step = TimelineStep(record)
        (parent.children if parent is not None else timeline.steps).append(step)
        if message_id and record.kind != "result":
            known.setdefault(message_id, step)
    return list(timelines.values())


def _count(timeline: SessionTimeline, record: LogRecord) -> None:
    timeline.messages += 1
    when = record.timestamp
    if when is not None:
        timeline.first = when if timeline.first is None else min(timeline.first, when)
        timeline.last = when if timeline.last is None else max(timeline.last, when)
