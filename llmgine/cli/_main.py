"""Parsing the command line and handing it to the subcommand's module.

Options may be written before or after the subcommand (``_argv``): ``llmgine --json
sessions list`` is ``llmgine sessions list --json``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Protocol, cast

from llmgine.cli._argv import in_place, level_of
from llmgine.version import __version__

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "version": ("llmgine.cli._version", "show the installed version"),
    "complete": ("llmgine.cli._complete", "print one answer, with the tools you name"),
    "models": ("llmgine.cli._models", "the models each configured provider offers"),
    "sessions": ("llmgine.cli._sessions", "saved chat sessions: list, show, delete"),
    "logs": ("llmgine.cli._logs", "read JSONL logs: list, show a session, stats, search"),
    "replay": ("llmgine.cli._replay", "run a log's prompts again, answered by the log"),
    "gmn": ("llmgine.cli._gmn", "GMN models: validate, compile, templates, generate, refine"),
    "workflow": ("llmgine.cli._workflow", "multi-agent workflows: list the patterns, run one"),
    "worker": ("llmgine.cli._worker", "serve an app's chat turns from a bus across processes"),
    "nats": ("llmgine.cli._nats", "local NATS servers for development: nats up"),
}
"""Subcommand name -> (module, one-line help), in the order ``--help`` lists them."""


class _Subcommand(Protocol):
    def configure(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llmgine", description="llmgine: an event-driven framework for LLM applications."
    )
    parser.add_argument("--version", action="version", version=f"llmgine {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, summary) in SUBCOMMANDS.items():
        command = cast(_Subcommand, importlib.import_module(module))
        child = sub.add_parser(name, help=summary, description=summary)
        command.configure(child)
        child.set_defaults(_run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``llmgine`` with ``argv`` (default: the process's arguments); the exit status."""
    parser = build_parser()
    given = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(in_place(given, level_of(parser)))
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args._run(args))
    except KeyboardInterrupt:
        return 130
