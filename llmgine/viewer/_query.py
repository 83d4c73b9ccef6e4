"""The search box's language: words to find, and ``key:value`` conditions.

    session:S     in session S (exactly)
    type:T        the message type's name contains T (``type:ToolCall``)
    kind:K        command, event or result
    tool:NAME     a tool call (requested, run, completed, failed) of a tool whose name
                  contains NAME
    error:TEXT    a failure (a failed result, a ``...FailedEvent``, a session ended by an
                  error) whose error contains TEXT; ``error:`` alone: any failure
    run:NAME      only in logs whose file name contains NAME

Every condition must hold; a key given twice matches either value. Other words are text
that some string of the message contains, ignoring case (``"two words"`` in quotes stay
together). It builds on ``llmgine.logs.RecordFilter`` for sessions, types, kinds and text.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from llmgine.logs import LogRecord, RecordFilter

KEYS = ("session", "type", "kind", "tool", "error", "run")
_KINDS = ("command", "event", "result")
_TOOL_TYPES = frozenset(
    {
        "ToolCallRequestedEvent",
        "ExecuteToolCommand",
        "ToolCallCompletedEvent",
        "ToolCallFailedEvent",
    }
)
_ERROR_FIELDS = ("error", "error_type", "error_kind", "exception_type", "exception_message")


class QueryError(ValueError):
    """A search that cannot be read; the message says how to write it."""


@dataclass(frozen=True)
class Query:
    """A parsed search: which records of which runs match."""

    records: RecordFilter = field(default_factory=RecordFilter)
    tools: tuple[str, ...] = ()
    errors: tuple[str, ...] | None = None
    """``None``: failures are not asked for; ``("",)``: any failure."""
    runs: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self == Query()

    def wants_run(self, name: str) -> bool:
        return not self.runs or any(r.casefold() in name.casefold() for r in self.runs)

    def matches(self, record: LogRecord) -> bool:
        if self.tools and not _tool_matches(record, self.tools):
            return False
        if self.errors is not None:
            error = failure_text(record)
            if error is None or not any(e.casefold() in error.casefold() for e in self.errors):
                return False
        return self.records.matches(record)


def parse_query(text: str) -> Query:
    """``text`` as a ``Query``; raises ``QueryError`` for one that cannot be read."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise QueryError(f"cannot read the search ({exc}): close the quote") from None
    found: dict[str, list[str]] = {key: [] for key in KEYS}
    free: list[str] = []
    for word in words:
        key, colon, value = word.partition(":")
        if colon and key.casefold() in found:
            key = key.casefold()
            if not value and key != "error":
                raise QueryError(f"{key}: needs a value, as in {key}:{_EXAMPLES[key]}")
            found[key].append(value)
        else:
            free.append(word)
    kinds = tuple(k.casefold() for k in found["kind"])
    for kind in kinds:
        if kind not in _KINDS:
            raise QueryError(f"kind:{kind} is not a kind: use command, event or result")
    return Query(
        records=RecordFilter(
            types=tuple(found["type"]),
            sessions=tuple(found["session"]),
            kinds=kinds,
            text=" ".join(free) or None,
        ),
        tools=tuple(found["tool"]),
        errors=tuple(found["error"]) if found["error"] else None,
        runs=tuple(found["run"]),
    )


_EXAMPLES = {
    "session": "weather",
    "type": "ToolCall",
    "kind": "result",
    "tool": "get_weather",
    "error": "timeout",
    "run": "20261202",
}


def failure_text(record: LogRecord) -> str | None:
    """What failed and why, if ``record`` says something failed; else ``None``."""
    data = record.data
    if record.kind == "result":
        if data.get("success") is True:
            return None
        return _text(data.get("error")) or "failed"
    type_name = record.type
    if type_name.endswith("FailedEvent") or type_name == "SessionEndedEvent":
        parts = [_text(data.get(key)) for key in _ERROR_FIELDS]
        text = " ".join(p for p in parts if p)
        if type_name == "SessionEndedEvent" and not text:
            return None
        return text or type_name
    return None


def _tool_matches(record: LogRecord, names: tuple[str, ...]) -> bool:
    if record.type not in _TOOL_TYPES:
        return False
    data = record.data
    call = data.get("call")
    name = _text(data.get("tool_name")) or (
        _text(call.get("name")) if isinstance(call, dict) else ""
    )
    return any(n.casefold() in name.casefold() for n in names)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
