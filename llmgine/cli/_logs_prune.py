"""``llmgine logs prune``: remove old logs, by age, by count, or both.

    llmgine logs prune --older-than 7d     logs last written more than 7 days ago
    llmgine logs prune --keep 20           all but the 20 most recently written
    llmgine logs prune --older-than 30d --keep 100 --dry-run

With both, a log goes if either says so. Only files named as a bus names its logs
(``llmgine-*.jsonl``) are candidates, so other files a folder holds are never touched;
age is the time a log was last written. ``--dry-run`` lists what would go and removes
nothing. Every removed file is named, then a total; a file that cannot be removed is named
with the reason and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from llmgine.cli._logs_common import LogsError, folder_option, log_dir, positive

if TYPE_CHECKING:
    from llmgine.cli._logs_view import Output

PATTERN = "llmgine-*.jsonl"
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_AGE = re.compile(r"(\d+)([smhdw])")


def age(text: str) -> timedelta:
    """``7d``, ``12h``, ``30m``, ``2w``, ``90s``: an argparse type."""
    found = _AGE.fullmatch(text.strip().lower())
    if found is None:
        raise argparse.ArgumentTypeError(
            f"not an age: {text!r}; give a number and a unit, such as 7d, 12h, 30m or 2w"
        )
    return timedelta(**{_UNITS[found[2]]: int(found[1])})


def configure(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    prune = actions.add_parser(
        "prune",
        help="remove old logs, by age or count",
        epilog="with both --older-than and --keep, a log goes if either says so",
    )
    prune.add_argument(
        "--older-than", type=age, metavar="AGE", help="logs last written longer ago (7d, 12h)"
    )
    prune.add_argument("--keep", type=positive, metavar="N", help="keep only the newest N logs")
    prune.add_argument("--dry-run", action="store_true", help="say what would go; remove nothing")
    folder_option(prune)
    prune.set_defaults(_logs=run)


@dataclass(frozen=True)
class LogFile:
    path: Path
    size: int
    written: datetime


def choose(
    logs: Sequence[LogFile], now: datetime, older_than: timedelta | None, keep: int | None
) -> list[LogFile]:
    """The logs to remove, newest first: ``logs`` must be newest first too."""
    return [
        log
        for index, log in enumerate(logs)
        if (keep is not None and index >= keep)
        or (older_than is not None and now - log.written > older_than)
    ]


def run(args: argparse.Namespace, out: Output) -> int:
    from llmgine.cli._logs_view import size, when

    if args.older_than is None and args.keep is None:
        raise LogsError("say which logs to remove: --older-than AGE, --keep N, or both", 2)
    folder = log_dir(args)
    if not folder.is_dir():
        raise LogsError(f"no log folder {str(folder)!r}; pass --dir to prune another")
    logs = _logs_in(folder)
    going = choose(logs, datetime.now(UTC), args.older_than, args.keep)
    if not going:
        out.print(f"nothing to remove: {_count(len(logs))} in {str(folder)!r}, {_rule(args)}")
        return 0
    verb = "would remove" if args.dry_run else "removed"
    removed, failed = 0, 0
    freed = 0
    for log in reversed(going):  # oldest first
        line = f"{log.path.name}  {size(log.size)}  last written {when(log.written)} UTC"
        if not args.dry_run:
            try:
                log.path.unlink()
            except FileNotFoundError:
                continue  # removed meanwhile by someone else
            except OSError as exc:
                out.print(f"could not remove {line}: {exc.strerror or exc}")
                failed += 1
                continue
        out.print(f"{verb} {line}")
        removed += 1
        freed += log.size
    left = len(logs) - removed
    summary = f"{verb} {_count(removed)} ({size(freed)}) from {str(folder)!r}; {left:,} left"
    out.print(summary + (" (a dry run: nothing was removed)" if args.dry_run else ""))
    return 1 if failed else 0


def _logs_in(folder: Path) -> list[LogFile]:
    found = []
    for path in folder.glob(PATTERN):
        try:
            stat = path.stat()
        except OSError:
            continue
        if path.is_file():
            written = datetime.fromtimestamp(stat.st_mtime, UTC)
            found.append(LogFile(path, stat.st_size, written))
    found.sort(key=lambda log: (log.written, log.path.name), reverse=True)
    return found


def _count(number: int) -> str:
    return f"{number:,} log{'s' * (number != 1)}"


def _rule(args: argparse.Namespace) -> str:
    rules = []
    if args.older_than is not None:
        rules.append(f"none last written more than {_shown(args.older_than)} ago")
    if args.keep is not None:
        rules.append(f"no more than the {args.keep:,} to keep")
    return " and ".join(rules)


def _shown(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    for unit, length in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= length and seconds % length == 0:
            count = seconds // length
            return f"{count} {unit}{'s' * (count != 1)}"
    return f"{seconds} second{'s' * (seconds != 1)}"
