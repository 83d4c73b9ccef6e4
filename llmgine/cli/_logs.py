"""``llmgine logs``: read JSONL logs back: list them, show a session, count, search.

    llmgine logs list [--dir DIR]
    llmgine logs show FILE|latest [--session ID | --all] [--full]
    llmgine logs stats FILE|latest [--full]
    llmgine logs search [FILE|latest] [--type T] [--session S] [--kind K] [--text STR]
                        [--limit N] [--json] [--full]
    llmgine logs serve [LOG_DIR] [--port N] [--host H]     (``_logs_serve``: the viewer)

FILE is a path, a file name inside the log folder, or ``latest`` (the newest log there).
The log folder is ``--dir``, else the ``log_dir`` setting (``LLMGINE_LOG_DIR``, ``logs`` by
default). The reading and counting live in ``llmgine.observability``; this module resolves
names, reports errors in one line, and writes. Exit status: 0 done, 1 a missing file or
session, a broken log, or (for ``search``) no match; 2 a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmgine.cli._logs_view import Output
    from llmgine.logs import LogRecord

_KINDS = ("command", "event", "result")
TREES_UP_TO = 10
"""``show`` without ``--session`` draws every session of a log that has at most this many."""


class LogsError(Exception):
    """A failure to report in one line, with the exit status to return."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="logs_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the logs in the log folder, newest first")
    _folder(listing)
    listing.set_defaults(_logs=_list)

    show = actions.add_parser("show", help="a session's timeline as a tree")
    _file(show, "the log: a path, a file name in the log folder, or 'latest'")
    show.add_argument("--session", metavar="ID", help="show only this session")
    show.add_argument(
        "--all",
        action="store_true",
        help=f"draw every session even when there are more than {TREES_UP_TO} (then the "
        "default is a table of them)",
    )
    _cut(show)
    show.set_defaults(_logs=_show)

    stats = actions.add_parser("stats", help="counts, latency percentiles, tokens, failures")
    _file(stats, "the log: a path, a file name in the log folder, or 'latest'")
    _cut(stats)
    stats.set_defaults(_logs=_stats)

    search = actions.add_parser("search", help="records by type, session, kind or text")
    _file(search, "the log (default: every log in the folder, oldest first)", optional=True)
    search.epilog = "--type, --session and --kind may be repeated: a record matches any of them"
    search.add_argument(
        "--type", action="append", default=[], metavar="T", help="the type's name contains T"
    )
    search.add_argument("--session", action="append", default=[], metavar="S", help="in session S")
    search.add_argument("--kind", action="append", default=[], choices=_KINDS, help="of this kind")
    search.add_argument("--text", metavar="STR", help="some string value contains STR")
    search.add_argument("--limit", type=_positive, metavar="N", help="stop after N records")
    search.add_argument("--json", action="store_true", help="print the records as JSON lines")
    _cut(search)
    search.set_defaults(_logs=_search)

    from llmgine.cli._logs_serve import configure as configure_serve

    configure_serve(actions, _serve)


def _folder(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir", type=Path, metavar="DIR", help="the log folder (default: the log_dir setting)"
    )


def _file(parser: argparse.ArgumentParser, help: str, *, optional: bool = False) -> None:
    parser.add_argument("file", nargs="?" if optional else None, metavar="FILE", help=help)
    _folder(parser)


def _cut(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--full", action="store_true", help="do not shorten long texts")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    from llmgine.cli._logs_view import Output
    from llmgine.logs import LogFormatError

    action: Callable[[argparse.Namespace, Output], int] = args._logs
    try:
        return action(args, Output(sys.stdout))
    except LogsError as exc:
        print(f"llmgine logs: error: {exc}", file=sys.stderr)
        return exc.status
    except LogFormatError as exc:
        print(f"llmgine logs: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        _quiet_stdout()  # the reader went away (``| head``): stop without a traceback
        return 1
    except OSError as exc:
        where = f" {str(exc.filename)!r}" if exc.filename else ""
        print(f"llmgine logs: error: cannot read{where}: {exc.strerror or exc}", file=sys.stderr)
        return 1


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _limit(args: argparse.Namespace) -> int | None:
    return None if args.full else 80


# -- finding the log ----------------------------------------------------------------------


def _log_dir(args: argparse.Namespace) -> Path:
    if args.dir is not None:
        return Path(args.dir)
    from pydantic import ValidationError

    from llmgine.config import load_settings

    try:
        return load_settings().log_dir
    except ValidationError as exc:
        first = str(exc).splitlines()
        raise LogsError(f"the settings are not valid ({'; '.join(first[:2])})", 2) from exc


def _resolve(args: argparse.Namespace) -> Path:
    from llmgine.logs import find_logs

    name: str = args.file
    folder = _log_dir(args)
    if name == "latest":
        logs = find_logs(folder)
        if not logs:
            raise LogsError(f"no logs in {str(folder)!r}, so no latest one")
        return logs[0]
    for candidate in (Path(name), folder / name):
        if candidate.is_file():
            return candidate
        if candidate.is_dir():
            raise LogsError(f"{str(candidate)!r} is a folder: name a log file (or use --dir)")
    raise LogsError(f"no log file {name!r} (nor {str(folder / name)!r})")


# -- the actions --------------------------------------------------------------------------


def _list(args: argparse.Namespace, out: Output) -> int:
    from llmgine.cli._logs_view import log_table
    from llmgine.logs import find_logs, summarize_log

    folder = _log_dir(args)
    if not folder.is_dir():
        raise LogsError(
            f"no log folder {str(folder)!r}: a bus writes its logs to its log_dir "
            "('logs' unless LLMGINE_LOG_DIR says otherwise); pass --dir to read another"
        )
    logs = find_logs(folder)
    if not logs:
        out.print(f"no logs in {str(folder)!r} yet")
        return 0
    summaries = []
    for path in logs:
        try:
            summaries.append(summarize_log(path))
        except OSError:
            continue  # removed while listing
    table, notes = log_table(summaries)
    out.print(f"{len(summaries)} log{'s' * (len(summaries) != 1)} in {str(folder)!r}, newest first")
    out.print()
    out.print(table)
    for note in notes:
        out.print(note)
    return 0


def _show(args: argparse.Namespace, out: Output) -> int:
    from llmgine.cli._logs_view import session_table, session_tree
    from llmgine.logs import bookkeeping, build_timelines, read_records, summarize_sessions

    path = _resolve(args)
    if args.session is None and not args.all:
        # A first pass of counters only: a log of many sessions gets a table, not every tree.
        summaries = summarize_sessions(read_records(path))
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
        out.print(session_tree(timeline, _limit(args)))
    return 0


def _sessions(seen: dict[str, None]) -> str:
    names = list(seen)
    shown = ", ".join(repr(n) for n in names[:10])
    more = f" and {len(names) - 10} more" if len(names) > 10 else ""
    return f"its sessions are {shown}{more}"


def _stats(args: argparse.Namespace, out: Output) -> int:
    from llmgine.cli._logs_view import stats_tables
    from llmgine.logs import log_stats, read_records

    path = _resolve(args)
    stats = log_stats(read_records(path))
    out.print(f"{path}")
    for part in stats_tables(stats, _limit(args)):
        out.print(part)
    return 0


def _search(args: argparse.Namespace, out: Output) -> int:
    import orjson

    from llmgine.cli._logs_view import record_line
    from llmgine.logs import RecordFilter, find_logs, read_records

    if args.file is not None:
        paths = [_resolve(args)]
    else:
        folder = _log_dir(args)
        paths = list(reversed(find_logs(folder)))
        if not paths:
            raise LogsError(f"no logs in {str(folder)!r} to search")
    chosen = RecordFilter(
        types=tuple(args.type),
        sessions=tuple(args.session),
        kinds=tuple(args.kind),
        text=args.text,
    )
    found = 0
    for path in paths:
        prefix = f"{path.name}  " if len(paths) > 1 else ""
        for record in chosen.select(read_records(path)):
            if args.json:
                out.stream.write(orjson.dumps(record.data).decode() + "\n")
            else:
                out.line(record_line(record, _limit(args), prefix))
            found += 1
            if found == args.limit:
                return 0
    if not found:
        print("llmgine logs: no records match", file=sys.stderr)
        return 1
    return 0


def _serve(args: argparse.Namespace, out: Output) -> int:
    from llmgine.cli._logs_serve import ServeError, serve

    folder = args.log_dir if args.log_dir is not None else _log_dir(args)
    try:
        return serve(folder, args.host, args.port)
    except ServeError as exc:
        raise LogsError(str(exc)) from exc
