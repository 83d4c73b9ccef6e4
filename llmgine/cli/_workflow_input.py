"""What ``llmgine workflow run`` reads off its command line: the input, the pattern's
options (``--set KEY=VALUE``), the limits and the documents RAG searches (``--docs``); a
problem with any is a ``UsageError``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmgine.tools import Tool
    from llmgine.workflows import Limits

STDIN = "-"


class UsageError(Exception):
    """A problem with the command line, reported in one line with status 2."""


def read_input(args: argparse.Namespace) -> str:
    """``--input``, else the ``--file`` (``-``: stdin), else standard input when it is
    not a terminal; blank input is an error."""
    if args.input is not None:
        text: str = args.input
    elif args.file is not None and args.file != STDIN:
        try:
            with open(args.file, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise UsageError(f"cannot read {args.file!r}: {exc.strerror or exc}") from exc
    elif args.file == STDIN or not sys.stdin.isatty():
        text = sys.stdin.read()
    else:
        raise UsageError("no input: give it with --input TEXT, --file FILE, or on standard input")
    if not text.strip():
        raise UsageError("the input is empty")
    return text


def options_of(pairs: list[str]) -> dict[str, object]:
    """``--set max_rounds=2 --set reduce=concatenate`` as ``{"max_rounds": 2, ...}``: each
    value read as JSON when it is JSON, else taken as text."""
    options: dict[str, object] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not equals or not key:
            raise UsageError(f"--set {pair!r}: write it as KEY=VALUE, e.g. --set max_rounds=2")
        try:
            options[key] = json.loads(value)
        except ValueError:
            options[key] = value
    return options


def limits_of(args: argparse.Namespace) -> Limits:
    """The limits the flags ask for."""
    from llmgine.workflows import Limits, MaxCost, MaxModelCalls, MaxSteps, MaxTokens, Timeout

    return Limits.of(
        MaxTokens(args.max_tokens) if args.max_tokens is not None else None,
        MaxCost(args.max_cost) if args.max_cost is not None else None,
        MaxModelCalls(args.max_model_calls) if args.max_model_calls is not None else None,
        MaxSteps(args.max_steps) if args.max_steps is not None else None,
        Timeout(args.timeout) if args.timeout is not None else None,
    )


def retriever_of(pattern: str, paths: list[str]) -> Tool[..., object]:
    """The ``search_documents`` tool over ``--docs`` (default: the current folder)."""
    from llmgine.bootstrap import DocumentRetriever, DocumentsError
    from llmgine.tools import tool_from_function

    try:
        documents = DocumentRetriever(paths or ["."])
    except DocumentsError as exc:
        raise UsageError(f"{pattern}: {exc}") from exc
    return tool_from_function(documents.search, name="search_documents")
