"""``llmgine gmn``: check, compile and sketch GMN models without a language model.

    llmgine gmn validate [FILE ...] [--json] [--max-states N] [--max-actions N]
    llmgine gmn compile [FILE] [--json]
    llmgine gmn template TYPE [--prompt TEXT] [--json] [--max-states N] [--max-actions N]
    llmgine gmn generate|refine ...   (with a language model: see ``_gmn_generate``)

A FILE of ``-``, or none, is standard input; any form ``llmgine.gmn.load`` reads will do.
``validate`` prints one line per issue, ``FILE:LINE:COLUMN: CODE message`` (without the
line and column where the model did not come from node text), then a hint, and exits 1
if any file has an error. Each action is a pair of functions in ``ACTIONS``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from llmgine.cli._gmn_generate import generate, generate_arguments, refine, refine_arguments
from llmgine.cli._gmn_io import FAILED, STDIN, add_limits, constraints, issue_line, read

if TYPE_CHECKING:
    from llmgine.gmn import Document, Issue


def _validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE", help="GMN files ('-' or none: stdin)")
    parser.add_argument("--json", action="store_true", help="the reports as JSON")
    add_limits(parser)


def _compile_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", default=STDIN, metavar="FILE", help="a GMN file")
    parser.add_argument("--json", action="store_true", help="the arrays in full, as JSON")


def _template_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("agent_type", metavar="TYPE", help="explorer, trader, coordinator, general")
    parser.add_argument(
        "--prompt", default="", help="words that customise it ('cautious', '3x4 grid')"
    )
    parser.add_argument("--json", action="store_true", help="the JSON form instead of text")
    add_limits(parser)


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="gmn_action", metavar="ACTION", required=True)
    for name, (summary, arguments, run_action) in ACTIONS.items():
        child = actions.add_parser(name, help=summary, description=summary)
        arguments(child)
        child.set_defaults(_gmn=run_action)


def run(args: argparse.Namespace) -> int:
    from llmgine.gmn import GMNError

    try:
        return int(args._gmn(args))
    except (OSError, GMNError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return FAILED


def _validate(args: argparse.Namespace) -> int:
    from llmgine.gmn import validate

    reports = [
        (path, validate(read(path), constraints=constraints(args)))
        for path in args.files or [STDIN]
    ]
    if args.json:
        rows = [
            {"file": path, "ok": report.ok, "issues": [_as_dict(i) for i in report.issues]}
            for path, report in reports
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for path, report in reports:
            for issue in report.issues:
                print(issue_line(path, issue))
        errors = sum(len(report.errors) for _, report in reports)
        warnings = sum(len(report.warnings) for _, report in reports)
        print(f"{errors} error(s), {warnings} warning(s) in {len(reports)} file(s)")
    return 0 if all(report.ok for _, report in reports) else FAILED


def _as_dict(issue: Issue) -> dict[str, object]:
    return {"severity": issue.severity, **issue.model_dump()}


def _compile(args: argparse.Namespace) -> int:
    from llmgine.gmn import GMNValidationError, compile, load

    document: Document = load(read(args.file))
    try:
        compiled = compile(document.model)
    except GMNValidationError:
        from llmgine.gmn import validate

        for issue in validate(document).errors:
            print(issue_line(args.file, issue), file=sys.stderr)
        return FAILED
    if args.json:
        arrays = {key: [a.tolist() for a in getattr(compiled, key)] for key in "ABCD"}
        names = {
            "states": compiled.states,
            "observations": compiled.observations,
            "controls": compiled.controls,
        }
        print(json.dumps({**names, **arrays}))
        return 0
    for index, name in enumerate(compiled.observations):
        print(
            f"A[{index}] {name}: {compiled.A[index].shape}  {name} x {' x '.join(compiled.states)}"
        )
    for index, name in enumerate(compiled.states):
        control = compiled.controls[index] or "(no action)"
        print(f"B[{index}] {name}: {compiled.B[index].shape}  next x previous x {control}")
    for index, name in enumerate(compiled.observations):
        print(f"C[{index}] {name}: {compiled.C[index].shape}")
    for index, name in enumerate(compiled.states):
        print(f"D[{index}] {name}: {compiled.D[index].shape}")
    return 0


def _template(args: argparse.Namespace) -> int:
    from llmgine.gmn import render, template, to_json

    model = template(args.agent_type, args.prompt, constraints(args))
    print(to_json(model) if args.json else render(model), end="" if not args.json else "\n")
    return 0


ACTIONS: dict[
    str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]
] = {
    "validate": ("check GMN files; exit 1 if any has an error", _validate_arguments, _validate),
    "compile": (
        "the pymdp arrays of a GMN file (needs the gmn extra)",
        _compile_arguments,
        _compile,
    ),
    "template": ("an offline model for an agent type", _template_arguments, _template),
    "generate": (
        "a model written by a language model, repaired until valid (offline: a template)",
        generate_arguments,
        generate,
    ),
    "refine": (
        "a model changed as feedback asks, by a language model, re-validated",
        refine_arguments,
        refine,
    ),
}
"""Action -> (help, add its arguments, run it)."""
