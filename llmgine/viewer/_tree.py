"""One snapshot of a run as the viewer's tree: sessions, then the steps of the timelines.

``RunTree`` is built from a run's records by ``build_timelines`` (so it draws what
``llmgine logs show`` draws: turns, model calls, tool calls, workflow runs and steps) and
adds what a page needs to open a large tree a level at a time: ids for nodes
(``S<n>`` for the n-th session shown, ``L<line>`` for a step, by its line in the log), each
step's parent, the step that holds each line, and each step's totals of model calls, tokens
and cost, summed over everything beneath it in one pass. A node's entry (label, title,
outcome) is made only when the node is sent, and its children only when it is opened.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from llmgine.logs import (
    LogRecord,
    SessionTimeline,
    TimelineStep,
    bookkeeping,
    build_timelines,
    shown_children,
    timeline_entry,
)
from llmgine.viewer._figures import CALLS, NONE, Prices, Totals, call_model, call_totals

_CALL_TYPES = tuple(CALLS)

TITLE_LIMIT = 160
"""Characters of a node's title and outcome; the details show everything."""

_TIMED = {
    "CallLLMCommand": (("LLMCallCompletedEvent", "LLMCallFailedEvent"), "latency_ms"),
    "ExecuteToolCommand": (("ToolCallCompletedEvent", "ToolCallFailedEvent"), "duration_ms"),
}
_OWN_TIME = {"LLMCallCompletedEvent": "latency_ms", "LLMCallFailedEvent": "latency_ms"}
_MEASURE = re.compile(r"^[\d.,]+ (ms|s|min)\b|tokens$")
"""Facts the page shows in columns of their own (durations, tokens)."""


class NodeNotFoundError(KeyError):
    """No node of that id in the run."""


@dataclass(eq=False)
class SessionNode:
    """A session of the run, with the steps shown at its top and what they spent."""

    number: int
    timeline: SessionTimeline
    steps: list[tuple[TimelineStep, str]] = field(default_factory=list)
    """Its top steps, bookkeeping left out, each with its label (``turn 2``) or ``""``."""
    totals: Totals = field(default_factory=Totals)
    models: set[str] = field(default_factory=set)
    failures: int = 0

    @property
    def id(self) -> str:
        return f"S{self.number}"


class RunTree:
    """The tree of a run's records, as the page opens it."""

    def __init__(
        self, records: Sequence[LogRecord], prices: Prices, first: datetime | None = None
    ) -> None:
        self.first = first
        """The run's first moment, from which nodes' starts are counted."""
        self.messages = len(records)
        self.sessions: list[SessionNode] = []
        self.totals: dict[TimelineStep, Totals] = {}
        self._parent: dict[TimelineStep, TimelineStep | None] = {}
        self._session_of: dict[TimelineStep, SessionNode] = {}
        self._by_line: dict[int, TimelineStep] = {}
        self._shown: dict[TimelineStep, list[TimelineStep]] = {}
        for timeline in build_timelines(records):
            self._add_session(timeline, prices)

    # -- building ---------------------------------------------------------------------

    def _add_session(self, timeline: SessionTimeline, prices: Prices) -> None:
        session = SessionNode(len(self.sessions), timeline)
        turn = 0
        for top in timeline.steps:
            self._walk(top, session, prices)
            session.totals.add(self.totals[top])
            if bookkeeping(top):
                continue
            label = ""
            if top.type == "PromptCommand":
                turn += 1
                label = f"turn {turn}"
            session.steps.append((top, label))
        if session.steps:
            self.sessions.append(session)

    def _walk(self, top: TimelineStep, session: SessionNode, prices: Prices) -> None:
        """Parents, lines and totals of ``top`` and everything beneath it (no recursion:
        a tree may be deeper than Python's stack)."""
        self._parent[top] = None
        self._session_of[top] = session
        stack: list[tuple[TimelineStep, bool]] = [(top, False)]
        while stack:
            step, children_done = stack.pop()
            if children_done:
                totals = NONE
                wire = step.record.data.get("type")
                is_call = isinstance(wire, str) and wire.startswith(_CALL_TYPES)
                own = call_totals(step.record, prices) if is_call else None
                if own is not None:
                    totals = own
                    model = call_model(step.record)
                    if model:
                        session.models.add(model)
                for child in step.children:
                    below = self.totals[child]
                    if below is not NONE:
                        if totals is NONE:
                            totals = Totals()  # never a child's own: that one stays as it is
                        totals.add(below)
                self.totals[step] = totals
                if step.result is not None and step.result.data.get("success") is not True:
                    session.failures += 1
                continue
            self._by_line[step.record.line] = step
            if step.result is not None:
                self._by_line[step.result.line] = step
            stack.append((step, True))
            for child in step.children:
                self._parent[child] = step
                stack.append((child, False))

    # -- reading ----------------------------------------------------------------------

    def step(self, node_id: str) -> TimelineStep:
        line = _line_of(node_id)
        step = self._by_line.get(line) if line is not None else None
        if step is None or step.record.line != line:
            raise NodeNotFoundError(node_id)
        return step

    def session(self, node_id: str) -> SessionNode:
        number = int(node_id[1:]) if node_id[:1] == "S" and node_id[1:].isdigit() else -1
        if not 0 <= number < len(self.sessions):
            raise NodeNotFoundError(node_id)
        return self.sessions[number]

    def shown(self, step: TimelineStep) -> list[TimelineStep]:
        found = self._shown.get(step)
        if found is None:
            found = self._shown[step] = shown_children(step)
        return found

    def children(self, node_id: str) -> list[tuple[TimelineStep, str]]:
        """The steps under a node (``root`` has sessions instead: see ``sessions``)."""
        if node_id.startswith("S"):
            return self.session(node_id).steps
        return [(child, "") for child in self.shown(self.step(node_id))]

    def path(self, line: int) -> list[str]:
        """The ids from a session down to the node that shows ``line`` (``[]``: a line the
        tree does not show, such as the bus's bookkeeping)."""
        step = self._by_line.get(line)
        if step is None:
            return []
        chain = [step]
        while (parent := self._parent.get(chain[-1])) is not None:
            chain.append(parent)
        chain.reverse()
        session = self._session_of.get(chain[0])
        if session is None or all(top is not chain[0] for top, _ in session.steps):
            return []
        ids = [session.id, _id(chain[0])]
        for parent, child in itertools.pairwise(chain):
            if not any(shown is child for shown in self.shown(parent)):
                break
            ids.append(_id(child))
        return ids

    # -- what the page gets -----------------------------------------------------------

    def step_json(self, step: TimelineStep, label: str = "") -> dict[str, Any]:
        entry = timeline_entry(step, TITLE_LIMIT, label, depth=0)
        record = step.record
        return {
            "id": _id(step),
            "line": record.line,
            "kind": record.kind,
            "type": step.type,
            "session": record.session_id,
            "label": entry.label,
            "title": entry.title,
            "ok": entry.ok,
            "facts": [f for f in entry.facts if not _MEASURE.search(f)],
            "outcome": entry.outcome,
            "kids": len(self.shown(step)),
            "start_ms": self._offset(record.timestamp),
            "ms": duration_ms(step),
            "totals": self.totals[step].as_json(),
        }

    def session_json(self, session: SessionNode) -> dict[str, Any]:
        timeline = session.timeline
        turns = sum(1 for _, label in session.steps if label)
        span = None
        if timeline.first is not None and timeline.last is not None:
            span = (timeline.last - timeline.first).total_seconds() * 1000
        facts = [f"{turns} turn{'s' * (turns != 1)}", f"{timeline.messages:,} messages"]
        if session.failures:
            facts.append(f"{session.failures} failed")
        return {
            "id": session.id,
            "line": None,
            "kind": "session",
            "type": "session",
            "session": timeline.session_id,
            "label": "session",
            "title": timeline.session_id,
            "ok": False if session.failures else None,
            "facts": facts,
            "outcome": "",
            "kids": len(session.steps),
            "start_ms": self._offset(timeline.first),
            "ms": span,
            "totals": session.totals.as_json(),
            "models": sorted(session.models),
            "first": timeline.first.isoformat() if timeline.first else None,
            "messages": timeline.messages,
            "turns": turns,
            "failures": session.failures,
        }

    def _offset(self, moment: datetime | None) -> float | None:
        if moment is None or self.first is None:
            return None
        return (moment - self.first).total_seconds() * 1000


def duration_ms(step: TimelineStep) -> float | None:
    """How long a step took: a model or tool call as its event measured it, otherwise as
    the timeline measures a command (``TimelineStep.duration_ms``)."""
    timed = _TIMED.get(step.type)
    if timed is not None:
        names, key = timed
        for child in step.children:
            if child.type in names:
                value = child.record.data.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    return float(value)
    own = _OWN_TIME.get(step.type)
    if own is not None:
        value = step.record.data.get(own)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return step.duration_ms


def page_of(ids: Sequence[str], focus: str | None, offset: int, limit: int) -> int:
    """The offset of the page of ``limit`` that holds ``focus`` (else ``offset``)."""
    if focus is None:
        return offset
    try:
        return ids.index(focus) // limit * limit
    except ValueError:
        return offset


def _id(step: TimelineStep) -> str:
    return f"L{step.record.line}"


def _line_of(node_id: str) -> int | None:
    return int(node_id[1:]) if node_id[:1] == "L" and node_id[1:].isdigit() else None


def line_position(lines: Sequence[int], line: int) -> int | None:
    """Where ``line`` is in the ascending ``lines``, or ``None``."""
    at = bisect_left(lines, line)
    return at if at < len(lines) and lines[at] == line else None
