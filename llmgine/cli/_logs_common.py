"""What the actions of ``llmgine logs`` share: the folder and file they read, the error
they report in one line, and the option types."""

from __future__ import annotations

import argparse
from pathlib import Path

TREES_UP_TO = 10
"""``show`` without ``--session`` draws every session of a log that has at most this many."""


class LogsError(Exception):
    """A failure to report in one line, with the exit status to return."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def folder_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir", type=Path, metavar="DIR", help="the log folder (default: the log_dir setting)"
    )


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def limit(args: argparse.Namespace) -> int | None:
    return None if args.full else 80


def log_dir(args: argparse.Namespace) -> Path:
    if args.dir is not None:
        return Path(args.dir)
    from pydantic import ValidationError

    from llmgine.config import load_settings

    try:
        return load_settings().log_dir
    except ValidationError as exc:
        first = str(exc).splitlines()
        raise LogsError(f"the settings are not valid ({'; '.join(first[:2])})", 2) from exc


def resolve(args: argparse.Namespace) -> Path:
    from llmgine.logs import find_logs

    name: str = args.file
    folder = log_dir(args)
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
