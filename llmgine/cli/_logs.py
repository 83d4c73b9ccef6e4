"""``llmgine logs``: read JSONL logs back: list them, show a session, count, search.

    llmgine logs list [--limit N] [--dir DIR]
    llmgine logs show FILE|latest [--session ID | --all] [--full]
    llmgine logs show --session ID [--dir DIR] [--full]    (looks through every log)
    llmgine logs prune (--older-than AGE | --keep N) [--dry-run] [--dir DIR]
    llmgine logs stats FILE|latest [--full]
    llmgine logs search [FILE|latest] [--type T] [--session S] [--kind K] [--text STR]
                        [--limit N] [--json] [--full]
    llmgine logs serve [LOG_DIR] [--port N] [--host H]     (``_logs_serve``: the viewer)

FILE is a path, a file name inside the log folder, or ``latest`` (the newest log there).
The log folder is ``--dir``, else the ``log_dir`` setting (``LLMGINE_LOG_DIR``, ``logs`` by
default). The reading and counting live in ``llmgine.logs``; this module resolves names,
reports errors in one line, and writes; ``prune`` is in ``_logs_prune``. Exit status: 0
done, 1 a missing file or session, a broken log, or (for ``search``) no match; 2 a usage
error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from llmgine.cli._logs_common import (
    TREES_UP_TO,
    LogsError,
    folder_option,
    limit,
    log_dir,
    positive,
    resolve,
)

if TYPE_CHECKING:
    from llmgine.cli._logs_view import Output

_KINDS = ("command", "event", "result")


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="logs_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the logs in the log folder, newest first")
    folder_option(listing)
    listing.add_argument("--limit", type=positive, metavar="N", help="only the newest N logs")
    listing.set_defaults(_logs=_list)

    show = actions.add_parser("show", help="a session's timeline as a tree")
    _file(
        show,
        "the log: a path, a file name in the log folder, or 'latest' (without it, --session "
        "looks through every log of the folder)",
        optional=True,
    )
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
    search.add_argument("--limit", type=positive, metavar="N", help="stop after N records")
    search.add_argument("--json", action="store_true", help="print the records as JSON lines")
    _cut(search)
    search.set_defaults(_logs=_search)

    from llmgine.cli._logs_prune import configure as configure_prune
    from llmgine.cli._logs_serve import configure as configure_serve

    configure_prune(actions)
    configure_serve(actions)


def _file(parser: argparse.ArgumentParser, help: str, *, optional: bool = False) -> None:
    parser.add_argument("file", nargs="?" if optional else None, metavar="FILE", help=help)
    folder_option(parser)


def _cut(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--full", action="store_true", help="do not shorten long texts")


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


# -- the actions --------------------------------------------------------------------------


def _list(args: argparse.Namespace, out: Output) -> int:
    from llmgine.cli._logs_view import log_table
    from llmgine.logs import find_logs, summarize_log

    folder = log_dir(args)
    if not folder.is_dir():
        raise LogsError(
            f"no log folder {str(folder)!r}: a bus writes its logs to its log_dir "
            "('logs' unless LLMGINE_LOG_DIR says otherwise); pass --dir to read another"
        )
    logs = find_logs(folder)
    if not logs:
        out.print(f"no logs in {str(folder)!r} yet")
        return 0
    total = len(logs)
    summaries = []
    for path in logs[: args.limit]:
        try:
            summaries.append(summarize_log(path))
        except OSError:
            continue  # removed while listing
    table, notes = log_table(summaries)
    shown = len(summaries)
    of = f" of {total:,}" if args.limit is not None and total > args.limit else ""
    out.print(f"{shown}{of} log{'s' * (total != 1)} in {str(folder)!r}, newest first")
    out.print()
    out.print(table)
    for note in notes:
        out.print(note)
    return 0


def _show(args: argparse.Namespace, out: Output) -> int:
    from llmgine.cli._logs_show import show

    return show(args, out)


def _stats(args: argparse.Namespace, out: Output) -> int:
    from llmgine.cli._logs_view import stats_tables
    from llmgine.logs import log_stats, read_records

    path = resolve(args)
    stats = log_stats(read_records(path))
    out.print(f"{path}")
    for part in stats_tables(stats, limit(args)):
        out.print(part)
    return 0


def _search(args: argparse.Namespace, out: Output) -> int:
    import orjson

    from llmgine.cli._logs_view import record_line
    from llmgine.logs import RecordFilter, find_logs, read_records

    if args.file is not None:
        paths = [resolve(args)]
    else:
        folder = log_dir(args)
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
                out.line(record_line(record, limit(args), prefix))
            found += 1
            if found == args.limit:
                return 0
    if not found:
        print("llmgine logs: no records match", file=sys.stderr)
        return 1
    return 0
