"""A run at a glance, for the list of runs: counted as its lines arrive.

A run is one log file (a bus writes one per run). ``RunSummary`` keeps counters only: its
time span, messages, sessions, turns, failed commands, and the model calls of each model
with their tokens and cost. ``add`` takes records in log order, so a summary follows a log
that is still being written at the cost of its new lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from llmgine.logs import LogRecord
from llmgine.viewer._figures import CALLS, Prices, Totals, call_model, call_totals

BUS = "BUS"
"""The bus-wide scope: its records are the bus's own, not a session of the app."""


@dataclass
class RunSummary:
    """Counters over the records of one run."""

    messages: int = 0
    first: datetime | None = None
    last: datetime | None = None
    sessions: set[str] = field(default_factory=set)
    turns: int = 0
    failures: int = 0
    totals: Totals = field(default_factory=Totals)
    models: dict[str, Totals] = field(default_factory=dict)

    def add(self, records: Iterable[LogRecord], prices: Prices) -> None:
        # Read from each record's fields directly: this runs over every line of every log
        # listed, and the properties of LogRecord cost more than the counting.
        for record in records:
            data = record.data
            self.messages += 1
            when = _moment(data.get("timestamp"))
            if when is not None:
                if self.first is None or when < self.first:
                    self.first = when
                if self.last is None or when > self.last:
                    self.last = when
            session = data.get("session_id")
            if session != BUS and isinstance(session, str):
                self.sessions.add(session)
            kind, wire = data.get("kind"), data.get("type")
            name = wire.partition("@")[0] if isinstance(wire, str) else ""
            if kind == "command" and name == "PromptCommand":
                self.turns += 1
            elif kind == "result" and data.get("success") is not True:
                self.failures += 1
            elif name in CALLS:
                call = call_totals(record, prices)
                if call is not None:
                    self.totals.add(call)
                    model = call_model(record) or "?"
                    self.models.setdefault(model, Totals()).add(call)

    def as_json(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "first": _iso(self.first),
            "last": _iso(self.last),
            "sessions": len(self.sessions),
            "turns": self.turns,
            "failures": self.failures,
            "totals": self.totals.as_json(),
            "models": sorted(self.models, key=lambda m: -self.models[m].calls),
        }


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
