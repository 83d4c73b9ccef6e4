"""``llmgine gmn generate|refine``: GMN specs written by a language model, repaired until valid.

    llmgine gmn generate [PROMPT] [--agent-type TYPE] [--example FILE ...] [--model M] ...
    llmgine gmn refine [FILE] --feedback TEXT [--model M] ...

A PROMPT or FILE of ``-``, or none, is standard input. The spec goes to standard output
(``--json``: the whole result); how it went goes to standard error: the rounds, the
errors left, and, with no key and no local model, that the spec is an offline template
(or, for refine, the input unchanged). Exit status 1 when the spec is still invalid or no
model could answer. The commands run on a bus through ``create_llm_factory``, so the
model calls fail over between the keys this machine has and are logged (``--log-dir``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from llmgine.cli._gmn_io import FAILED, STDIN, add_limits, constraints, issue_line, read

AGENT_TYPES = ("explorer", "trader", "coordinator", "general")
"""``llmgine.gmn.AGENT_TYPES``, written out so that ``--help`` imports nothing."""

if TYPE_CHECKING:
    from llmgine.gmn import GMNResult
    from llmgine.messages import Command, CommandResult


def generate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("prompt", nargs="?", default=STDIN, help="the agent, in words")
    parser.add_argument(
        "--agent-type", choices=AGENT_TYPES, help="default: chosen from the prompt's words"
    )
    parser.add_argument(
        "--example", action="append", default=[], metavar="FILE", help="a spec to show the model"
    )
    _common(parser)


def refine_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", default=STDIN, metavar="FILE", help="the spec")
    parser.add_argument("--feedback", required=True, help="what to change")
    parser.add_argument(
        "--agent-type", choices=AGENT_TYPES, help="the agent's type, for the model's hints"
    )
    _common(parser)


def _common(parser: argparse.ArgumentParser) -> None:
    add_limits(parser)
    parser.add_argument(
        "--model", metavar="PROVIDER:MODEL", help="default: detected, with failover"
    )
    parser.add_argument(
        "--repair-rounds", type=int, metavar="N", help="times an invalid spec is sent back (3)"
    )
    parser.add_argument(
        "--log-dir", default="logs", metavar="DIR", help="where the JSONL log goes ('': none)"
    )
    parser.add_argument("--json", action="store_true", help="the result as JSON")


def generate(args: argparse.Namespace) -> int:
    from llmgine.gmn import GenerateGMNCommand

    return _run(
        args,
        lambda: GenerateGMNCommand(
            prompt=_given(sys.stdin.read() if args.prompt == STDIN else args.prompt),
            agent_type=args.agent_type,
            constraints=constraints(args),
            examples=tuple(read(path) for path in args.example),
            max_repair_rounds=args.repair_rounds,
        ),
    )


def refine(args: argparse.Namespace) -> int:
    from llmgine.gmn import RefineGMNCommand

    return _run(
        args,
        lambda: RefineGMNCommand(
            spec=_given(read(args.file)),
            feedback=_given(args.feedback),
            agent_type=args.agent_type,
            constraints=constraints(args),
            max_repair_rounds=args.repair_rounds,
        ),
    )


def _given(text: str) -> str:
    """``text``, or nothing when it is only blanks (which the command then refuses)."""
    return text if text.strip() else ""


def _run(args: argparse.Namespace, build: Callable[[], Command[GMNResult]]) -> int:
    """Build the command, run it on a bus, report; a problem before any answer is one
    ``error:`` line (an empty prompt, a model without its key)."""
    from pydantic import ValidationError

    from llmgine.gmn import create_llm_factory
    from llmgine.llm import LLMError

    config: dict[str, Any] = {"log_dir": args.log_dir or None}
    if args.model:
        config["models"] = [args.model]

    async def main(command: Command[GMNResult]) -> CommandResult[GMNResult]:
        async with create_llm_factory(config) as factory:
            return await factory.execute(command)

    try:
        command = build()
        outcome = asyncio.run(main(command))
    except ValidationError as exc:
        first = exc.errors()[0]
        print(f"error: {first['loc'][0]}: {first['msg']}", file=sys.stderr)
        return FAILED
    except (LLMError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return FAILED
    return _report(args, outcome)


def _report(args: argparse.Namespace, outcome: CommandResult[GMNResult]) -> int:
    if outcome.failure is not None:
        print(f"error: {outcome.error}", file=sys.stderr)
        return FAILED
    result = outcome.unwrap()
    if args.json:
        print(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False))
    else:
        print(result.spec, end="")
    if result.note:
        print(f"note: {result.note}", file=sys.stderr)
    how = f"after {result.rounds} repair round(s)" if result.source == "model" else result.source
    if result.valid:
        print(f"valid, {how} ({result.model})", file=sys.stderr)
        return 0
    for issue in result.errors:
        print(issue_line("<spec>", issue), file=sys.stderr)
    print(f"invalid, {how} ({result.model})", file=sys.stderr)
    return FAILED
