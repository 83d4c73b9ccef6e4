"""What the ``llmgine gmn`` actions share: reading input, the constraint flags, issue lines."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmgine.gmn import Issue

FAILED = 1
STDIN = "-"
_LIMITS = ("max_states", "max_actions", "max_observations")


def read(path: str) -> str:
    """The text of ``path``, or of standard input for ``-``."""
    if path == STDIN:
        return sys.stdin.read()
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def add_limits(parser: argparse.ArgumentParser) -> None:
    """``--max-states``, ``--max-actions``, ``--max-observations``."""
    for key in _LIMITS:
        flag = "--" + key.replace("_", "-")
        parser.add_argument(flag, dest=key, type=int, metavar="N", help=f"the {key} constraint")


def constraints(args: argparse.Namespace) -> dict[str, int]:
    """The limits given on the command line."""
    return {key: getattr(args, key) for key in _LIMITS if getattr(args, key) is not None}


def issue_line(path: str, issue: Issue) -> str:
    """``FILE:LINE:COLUMN: CODE message`` and the hint on a second line."""
    place = f"{path}:{issue.line}:{issue.column}" if issue.line is not None else path
    return f"{place}: {issue.code} {issue.message}\n    hint: {issue.suggestion}"
