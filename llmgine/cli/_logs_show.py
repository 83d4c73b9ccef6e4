"""``llmgine logs show``: sessions drawn as trees, from one log or across every log.

``show FILE`` draws the sessions of one log (a table of them when there are many);
``show FILE --session ID`` one of them; ``show --session ID`` with no file looks through
every log of the folder, since a conversation resumed run after run is in several files.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import TYPE_CHECKING

from llmgine.cli._logs_common import TREES_UP_TO, LogsError, limit, log_dir, resolve

if TYPE_CHECKING:
    from llmgine.cli._logs_view import Output
    from llmgine.logs import LogRecord


def show(args: argparse.Namespace, out: Output) -> int:
    from llmgine.cli._logs_view import session_table, session_tree
    from llmgine.logs import (
        bookkeeping,
        build_timelines,
        fold_sessions,
        read_records,
        summarize_sessions,
    )

    if args.file is None:
        if args.session is None:
            raise LogsError(
                "name a log (a file, or 'latest'), or give --session ID to look through "
                "every log of the folder",
                2,
            )
        return _show_everywhere(args, out)
    path = resolve(args)
    if args.session is None and not args.all:
        # A first pass of counters only: a log of many sessions gets a table, not every tree.
        # A workflow's steps have sessions of their own, drawn inside their run's tree.
        summaries = summarize_sessions(read_records(path))
        if len(summaries) > TREES_UP_TO:
            summaries = fold_sessions(summaries, read_records(path))
        if len(summaries) > TREES_UP_TO:
            out.print(f"{path}")
            out.print()
            out.print(session_table(summaries))
            out.print()
            out.print(
                f"{len(summaries):,} sessions: draw one with --session ID, every one with --all"
            )
            return 0
    seen: dict[str, None] = {}

    def noting(records: Iterator[LogRecord]) -> Iterator[LogRecord]:
        for record in records:
            seen.setdefault(record.session_id)
            yield record

    timelines = build_timelines(noting(read_records(path)), args.session)
    if not timelines:
        if not seen:
            out.print(f"{path}: the log is empty")
            return 0
        raise LogsError(f"no session {args.session!r} in {str(path)!r}; {_sessions(seen)}")
    if args.session is None:  # a session that holds only the bus's bookkeeping says nothing
        timelines = [t for t in timelines if any(not bookkeeping(s) for s in t.steps)]
    out.print(f"{path}")
    for timeline in timelines:
        out.print()
        out.print(session_tree(timeline, limit(args)))
    return 0


def _show_everywhere(args: argparse.Namespace, out: Output) -> int:
    """One session through every log of the folder: its records file by file, the files
    in the order the session reached them, as one tree whose turns count on."""
    from llmgine.cli._logs_view import session_tree
    from llmgine.logs import build_timelines, find_logs, records_of_session

    folder = log_dir(args)
    logs = find_logs(folder)
    if not logs:
        raise LogsError(f"no logs in {str(folder)!r} to look through")
    parts = records_of_session(logs, args.session)
    if not parts:
        raise LogsError(
            f"no session {args.session!r} in the {len(logs):,} log{'s' * (len(logs) != 1)} "
            f"of {str(folder)!r}; `llmgine logs list` shows them, `llmgine logs show latest` "
            "the sessions of the newest"
        )
    (timeline,) = build_timelines((r for _, records in parts for r in records), args.session)
    many = len(parts) != 1
    out.print(f"session {args.session} in {len(parts)} log{'s' * many} of {str(folder)!r}:")
    for path, _ in parts:
        out.print(f"  {path}")
    out.print()
    out.print(session_tree(timeline, limit(args)))
    return 0


def _sessions(seen: dict[str, None]) -> str:
    names = list(seen)
    shown = ", ".join(repr(n) for n in names[:10])
    more = f" and {len(names) - 10} more" if len(names) > 10 else ""
    return f"its sessions are {shown}{more}"
