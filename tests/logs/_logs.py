"""Logs for the tests of the log readers: the fixtures, and small logs written by hand."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logs"
OLD_LOG = FIXTURES / "turns-48cf894.jsonl"
NEW_LOG = FIXTURES / "turns-02dc51a.jsonl"
BOTH_LOGS = [OLD_LOG, NEW_LOG]
SESSIONS = ["weather", "math", "haiku", "broken", "admin"]

BASE = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
_ids = itertools.count(1)


def at(ms: float) -> str:
    """A log timestamp ``ms`` milliseconds after ``BASE``."""
    return (BASE + timedelta(milliseconds=ms)).isoformat().replace("+00:00", "Z")


def command(
    type_name: str, *, ms: float = 0, session: str = "s", parent: str | None = None, **fields: Any
) -> dict[str, Any]:
    return {
        "kind": "command",
        "type": type_name,
        "session_id": session,
        "timestamp": at(ms),
        "metadata": {},
        "command_id": fields.pop("command_id", f"c{next(_ids)}"),
        "parent_id": parent,
        **fields,
    }


def event(
    type_name: str, *, ms: float = 0, session: str = "s", parent: str | None = None, **fields: Any
) -> dict[str, Any]:
    return {
        "kind": "event",
        "type": type_name,
        "session_id": session,
        "timestamp": at(ms),
        "metadata": {},
        "event_id": fields.pop("event_id", f"e{next(_ids)}"),
        "parent_id": parent,
        **fields,
    }


def result(
    of: dict[str, Any], *, ms: float, ok: bool = True, value: Any = None, error: str | None = None
) -> dict[str, Any]:
    return {
        "kind": "result",
        "type": "CommandResult",
        "session_id": of["session_id"],
        "timestamp": at(ms),
        "metadata": {},
        "success": ok,
        "command_id": of["command_id"],
        "result": value,
        "error": error,
    }


def write_log(path: Path, records: Iterable[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path
