"""The JSONL logs in a folder, and what each holds at a glance.

A bus writes one file per run, ``llmgine-<UTC time>-<id>.jsonl``; ``find_logs`` lists every
``*.jsonl`` file of a folder, most recently written first. ``summarize_log`` reads a file
once, keeping counters only (and the set of its session ids; the bus-wide scope, where the
bus records its own stop, is not a session), and never raises for the content of the file:
a broken line ends the summary early and is named in ``problem``.
``summarize_sessions`` counts the same way, session by session; ``fold_sessions`` then folds
the sessions of a workflow's steps into the session of their run, as the timelines draw them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from llmgine.logs._reader import LogFormatError, LogRecord, read_records
from llmgine.logs._timeline import OPENS_SESSIONS
from llmgine.messages import BUS_SCOPE


def find_logs(folder: str | os.PathLike[str]) -> list[Path]:
    """The ``*.jsonl`` files of ``folder``, newest first (``[]`` if it does not exist)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.jsonl"):
        try:
            if path.is_file():
                found.append((path.stat().st_mtime, path.name, path))
        except OSError:
            continue  # removed between the listing and the stat
    return [path for _, _, path in sorted(found, reverse=True)]


@dataclass(frozen=True)
class LogFileSummary:
    """What one log holds: ``turns`` counts ``PromptCommand`` records, ``sessions`` the
    sessions other than the bus-wide scope (``BUS``)."""

    path: Path
    size: int
    messages: int
    sessions: int
    turns: int
    first: datetime | None
    last: datetime | None
    problem: str | None = None
    """Why reading stopped early (a broken line, say), or ``None``."""


def summarize_log(path: str | os.PathLike[str]) -> LogFileSummary:
    """Read ``path`` once and count; raises only ``OSError`` (a missing file, say)."""
    path = Path(path)
    size = path.stat().st_size
    messages = turns = 0
    sessions: set[str] = set()
    first: datetime | None = None
    last: datetime | None = None
    problem = None
    try:
        for record in read_records(path):
            messages += 1
            sessions.add(record.session_id)
            if record.kind == "command" and record.type == "PromptCommand":
                turns += 1
            when = record.timestamp
            if when is not None:
                first = when if first is None else min(first, when)
                last = when if last is None else max(last, when)
    except LogFormatError as exc:
        problem = str(exc)
    sessions.discard(BUS_SCOPE)
    return LogFileSummary(path, size, messages, len(sessions), turns, first, last, problem)


@dataclass
class SessionSummary:
    """What one session of a log holds: ``turns`` counts its ``PromptCommand`` records and
    ``failures`` its failed command results."""

    session_id: str
    messages: int = 0
    turns: int = 0
    failures: int = 0
    first: datetime | None = None
    last: datetime | None = None
    caused_by: str | None = None
    """The ``parent_id`` of the session's first record, if it has one."""


def summarize_sessions(records: Iterable[LogRecord]) -> list[SessionSummary]:
    """One summary per session, in order of first appearance, from one pass of counters."""
    sessions: dict[str, SessionSummary] = {}
    for record in records:
        session_id = record.session_id
        summary = sessions.get(session_id)
        if summary is None:
            summary = sessions[session_id] = SessionSummary(session_id)
            summary.caused_by = record.parent_id
        summary.messages += 1
        kind = record.kind
        if kind == "command" and record.type == "PromptCommand":
            summary.turns += 1
        elif kind == "result" and record.data.get("success") is not True:
            summary.failures += 1
        when = record.timestamp
        if when is not None:
            if summary.first is None or when < summary.first:
                summary.first = when
            if summary.last is None or when > summary.last:
                summary.last = when
    return list(sessions.values())


def fold_sessions(
    summaries: Sequence[SessionSummary], records: Iterable[LogRecord]
) -> list[SessionSummary]:
    """The sessions drawn as timelines of their own, each with the counts of the sessions
    drawn inside it: a session whose first record was caused by a workflow step of another
    session is folded into that one (``build_timelines`` draws it under the step).
    ``records`` are read once more, only when some session was caused from outside."""
    wanted = {s.caused_by for s in summaries if s.caused_by}
    if not wanted:
        return list(summaries)
    opened: dict[str, str] = {}
    """Each step that opened a session -> the session the step is in."""
    for record in records:
        if record.type in OPENS_SESSIONS and record.message_id in wanted:
            opened[record.message_id] = record.session_id
    by_id = {s.session_id: s for s in summaries}
    folded: dict[str, SessionSummary] = {}
    for summary in summaries:
        root, seen = summary, {summary.session_id}
        while (home := opened.get(root.caused_by or "")) is not None and home not in seen:
            seen.add(home)
            root = by_id.get(home, root)
        into = folded.get(root.session_id)
        if into is None:
            into = folded[root.session_id] = replace(
                root, messages=0, turns=0, failures=0, first=None, last=None
            )
        into.messages += summary.messages
        into.turns += summary.turns
        into.failures += summary.failures
        for when in (summary.first, summary.last):
            if when is not None:
                into.first = when if into.first is None else min(into.first, when)
                into.last = when if into.last is None else max(into.last, when)
    return list(folded.values())
