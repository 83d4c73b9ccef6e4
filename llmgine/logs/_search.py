"""Choosing records of a log by kind, type, session or text.

A ``RecordFilter`` is a plain predicate over one ``LogRecord``: every condition given must
hold. ``types`` match names that contain them (``"ToolCall"`` finds the requested,
completed and failed events), ignoring case; ``sessions`` and ``kinds`` match exactly;
``text`` is looked for, ignoring case, in every string value of the record, however deep.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from llmgine.logs._reader import LogRecord


@dataclass(frozen=True)
class RecordFilter:
    """Which records to keep; an empty condition keeps every record."""

    types: tuple[str, ...] = ()
    sessions: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    text: str | None = None

    def matches(self, record: LogRecord) -> bool:
        if self.kinds and record.kind not in self.kinds:
            return False
        if self.sessions and record.session_id not in self.sessions:
            return False
        if self.types:
            name = record.type.casefold()
            if not any(t.casefold() in name for t in self.types):
                return False
        return not self.text or _contains(record.data, self.text.casefold())

    def select(self, records: Iterable[LogRecord]) -> Iterator[LogRecord]:
        """The records that match, in order, read lazily."""
        return (r for r in records if self.matches(r))


def _contains(value: object, needle: str) -> bool:
    if isinstance(value, str):
        return needle in value.casefold()
    if isinstance(value, dict):
        return any(_contains(v, needle) for v in value.values())
    if isinstance(value, list):
        return any(_contains(v, needle) for v in value)
    return False
