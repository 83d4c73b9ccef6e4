"""Figures over a whole log: message counts, latency percentiles, tokens, failures.

``log_stats`` reads the records once and keeps what the figures need: counters, one number
per command and per model or tool call (percentiles need them all), and the first
``FAILURES_KEPT`` failures. A command's duration is the one the bus measured when it
published a finished event, otherwise the time between the command's and its result's
timestamps. Percentiles are by nearest rank: p90 is the smallest value that at least 90% of
the values do not exceed, so it is always a value that was measured.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from llmgine.logs._describe import Fields
from llmgine.logs._reader import LogRecord

FAILURES_KEPT = 50
_FINISHED = frozenset({"CommandSucceededEvent", "CommandFailedEvent", "CommandFinishedEvent"})


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0 < p <= 100) of ``values`` by nearest rank."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < p <= 100:
        raise ValueError(f"p must be in (0, 100], got {p!r}")
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)), 1) - 1]


@dataclass(frozen=True)
class Latency:
    """Percentiles of durations in milliseconds."""

    count: int
    p50: float
    p90: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Latency | None:
        if not values:
            return None
        ordered = sorted(values)
        return cls(
            len(ordered),
            percentile(ordered, 50),
            percentile(ordered, 90),
            percentile(ordered, 99),
            ordered[-1],
        )


@dataclass
class CallStats:
    """Calls of one command type, model or tool: how many, how many failed, how long."""

    calls: int = 0
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    durations: list[float] = field(default_factory=list, repr=False)

    @property
    def latency(self) -> Latency | None:
        return Latency.of(self.durations)


@dataclass(frozen=True)
class LoggedFailure:
    """Something that failed: ``what`` (``"PromptCommand"``, ``"tool divide"``...) and why."""

    record: LogRecord
    what: str
    error: str


@dataclass
class LogStats:
    """The figures of one log (see the module docstring for how each is counted)."""

    messages: int = 0
    first: datetime | None = None
    last: datetime | None = None
    types: Counter[tuple[str, str]] = field(default_factory=Counter)
    """``(kind, type)`` -> how many records."""
    commands: dict[str, CallStats] = field(default_factory=dict)
    models: dict[str, CallStats] = field(default_factory=dict)
    """Model calls by the model that served them, with their tokens."""
    tools: dict[str, CallStats] = field(default_factory=dict)
    sessions: dict[str, CallStats] = field(default_factory=dict)
    """Model calls and tokens by session (every session of the log has an entry)."""
    failures: list[LoggedFailure] = field(default_factory=list)
    """The first ``FAILURES_KEPT`` failures."""
    failure_count: int = 0
    failures_by_what: Counter[str] = field(default_factory=Counter)
    """How many failures of each ``LoggedFailure.what``, all of them counted."""
    unfinished: int = 0
    """Commands with no result in the log (still running when it was read, or cut off)."""

    @property
    def turns(self) -> int:
        return self.types[("command", "PromptCommand")]


def log_stats(records: Iterable[LogRecord]) -> LogStats:
    """Read ``records`` once and count."""
    counter = _Counter()
    for record in records:
        counter.add(record)
    return counter.finish()


class _Counter:
    def __init__(self) -> None:
        self.stats = LogStats()
        self.pending: dict[str, tuple[str, datetime | None]] = {}
        self.timed: dict[str, tuple[str, float | None]] = {}
        self.measured: dict[str, float] = {}

    def add(self, record: LogRecord) -> None:
        stats = self.stats
        kind, type_name, when = record.kind, record.type, record.timestamp
        stats.messages += 1
        stats.types[(kind, type_name)] += 1
        if when is not None:
            if stats.first is None or when < stats.first:
                stats.first = when
            if stats.last is None or when > stats.last:
                stats.last = when
        _entry(stats.sessions, record.session_id)
        if kind == "command":
            self._command(record, type_name, when)
        elif kind == "result":
            self._result(record, when)
        else:
            self._event(record, Fields(record.data))

    def finish(self) -> LogStats:
        stats = self.stats
        for command_id, (type_name, by_timestamps) in self.timed.items():
            took = self.measured.get(command_id, by_timestamps)
            if took is not None:
                stats.commands[type_name].durations.append(took)
        stats.unfinished = len(self.pending)
        return stats

    def _command(self, record: LogRecord, type_name: str, when: datetime | None) -> None:
        _entry(self.stats.commands, type_name).calls += 1
        command_id = record.message_id
        if command_id:
            self.pending[command_id] = (type_name, when)

    def _result(self, record: LogRecord, ended: datetime | None) -> None:
        command_id = record.message_id or ""
        type_name, started = self.pending.pop(command_id, ("?", None))
        commands = _entry(self.stats.commands, type_name)
        if type_name == "?":
            commands.calls += 1  # a result whose command is not in the log
        took = (ended - started).total_seconds() * 1000 if started and ended else None
        self.timed[command_id] = (type_name, took)
        if record.data.get("success") is not True:
            commands.failed += 1
            self._failed(record, type_name, Fields(record.data).text("error", "failed"))

    def _event(self, record: LogRecord, f: Fields) -> None:
        type_name = record.type
        if type_name in _FINISHED:
            took = f.number("duration_ms")
            if took is not None:
                self.measured[f.text("command_id")] = took
        elif type_name in ("LLMCallCompletedEvent", "LLMCallFailedEvent"):
            self._llm_call(record, f)
        elif type_name in ("ToolCallCompletedEvent", "ToolCallFailedEvent"):
            tool = _entry(self.stats.tools, f.text("tool_name", "?"))
            tool.calls += 1
            took = f.number("duration_ms")
            if took is not None:
                tool.durations.append(took)
            if type_name == "ToolCallFailedEvent":
                tool.failed += 1
                error = f"{f.text('error_kind')}: {f.text('error')}"
                self._failed(record, f"tool {f.text('tool_name', '?')}", error)
        elif type_name == "HandlerFailedEvent":
            error = f"{f.text('exception_type')}: {f.text('exception_message')}"
            self._failed(record, f"handler {f.text('handler')}", error)
        elif type_name == "HookFailedEvent":
            self._failed(
                record, f"hook {f.text('hook')}", f"{f.text('error_type')}: {f.text('error')}"
            )

    def _llm_call(self, record: LogRecord, f: Fields) -> None:
        model = _entry(self.stats.models, f.text("model", "?"))
        session = self.stats.sessions[record.session_id]
        model.calls += 1
        session.calls += 1
        if record.type == "LLMCallFailedEvent":
            model.failed += 1
            session.failed += 1
            error = f"{f.text('error_type')}: {f.text('error')}"
            self._failed(record, f"llm {f.text('model', '?')}", error)
            return
        took = f.number("latency_ms")
        if took is not None:
            model.durations.append(took)
        tokens = f.tokens()
        if tokens:
            for totals in (model, session):
                totals.input_tokens += tokens[0]
                totals.output_tokens += tokens[1]

    def _failed(self, record: LogRecord, what: str, error: str) -> None:
        self.stats.failure_count += 1
        self.stats.failures_by_what[what] += 1
        if len(self.stats.failures) < FAILURES_KEPT:
            self.stats.failures.append(LoggedFailure(record, what, error))


def _entry(table: dict[str, CallStats], name: str) -> CallStats:
    found = table.get(name)
    if found is None:
        found = table[name] = CallStats()
    return found
