"""``llmgine workflow``: the multi-agent patterns, listed and run with default agents.

    llmgine workflow list [--json]
    llmgine workflow run NAME [--input TEXT | --file FILE] [--model M] [--tool MODULE:FUNCTION]
                              [--docs PATH] [--set KEY=VALUE] [--max-tokens N] [--max-cost USD]
                              [--max-model-calls N] [--max-steps N] [--timeout SECONDS] [--json]

NAME is a pattern of ``llmgine.bootstrap.WORKFLOW_PATTERNS``; ``--set`` changes one of its
options. The input is ``--input``, a ``--file`` (``-``: standard input) or, with neither,
standard input. A pattern that retrieves (rag) searches the text files of ``--docs`` (files or
folders, repeatable; by default the current folder) with ``DocumentRetriever``. The agents
run on the model the settings choose (``--model``), or with no
key and no local model on the offline stand-in, which is said first. The steps show on
stderr as they happen (a live tree at a terminal, a line each elsewhere), then one summary
line; the answer goes to stdout. ``--json`` prints one JSON object instead, and nothing
else. Ctrl-C or SIGTERM cancels the run (a second one stops at once). Exit status: 0
completed; 1 failed, timed out or over a budget (the last line of stderr says why); 130
cancelled by Ctrl-C, 143 by SIGTERM; 2 a usage error (an unknown pattern or option, no
input, a tool that cannot be found, documents that hold no text, a model that cannot be used).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmgine.cli._tools import add_tool_option
from llmgine.cli._workflow_input import UsageError

if TYPE_CHECKING:
    from llmgine.cli._workflow_view import WorkflowView
    from llmgine.config import Settings
    from llmgine.workflows import Limits, Workflow, WorkflowResult, WorkflowRuntime

_FAILED = 1
_USAGE_ERROR = 2
_SIGNALLED = {signal.SIGINT: 130, signal.SIGTERM: 143}
_OFFLINE_NOTE = (
    "note: the offline stand-in is not a language model: it cannot write the judgments, "
    "plans, votes or choices most patterns read; set OPENAI_API_KEY or ANTHROPIC_API_KEY, "
    "or start Ollama, to run them for real"
)


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="workflow_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the patterns: what each does, takes, its options")
    listing.add_argument("--json", action="store_true", help="the patterns as JSON")
    listing.set_defaults(_workflow=_list)

    run = actions.add_parser("run", help="run a pattern on an input, with default agents")
    run.add_argument("name", metavar="NAME", help="the pattern (llmgine workflow list)")
    source = run.add_mutually_exclusive_group()
    source.add_argument("--input", metavar="TEXT", help="the input")
    source.add_argument("--file", metavar="FILE", help="read the input from FILE ('-': stdin)")
    run.add_argument("--model", metavar="PROVIDER:MODEL", help="the agents' model")
    add_tool_option(run, help="a function every agent may call (repeatable; react needs one)")
    run.add_argument(
        "--docs", dest="docs", action="append", default=[], metavar="PATH",
        help="a file or folder of text files rag searches (repeatable; default: .)",
    )  # fmt: skip
    run.add_argument(
        "--set", dest="options", action="append", default=[], metavar="KEY=VALUE",
        help="a pattern option (repeatable): VALUE is JSON, else text",
    )  # fmt: skip
    limits = run.add_argument_group("limits (the run stops when one is reached)")
    limits.add_argument("--max-tokens", type=_whole, metavar="N", help="tokens, in and out")
    limits.add_argument("--max-cost", type=_amount, metavar="USD", help="estimated cost")
    limits.add_argument("--max-model-calls", type=_whole, metavar="N", help="model calls")
    limits.add_argument("--max-steps", type=_whole, metavar="N", help="steps, nested ones too")
    limits.add_argument("--timeout", type=_amount, metavar="SECONDS", help="wall-clock time")
    run.add_argument("--json", action="store_true", help="print the result as one JSON object")
    run.set_defaults(_workflow=_run)


def _whole(text: str) -> int:
    value = _amount(text)
    if value != int(value):
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    return int(value)


def _amount(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def run(args: argparse.Namespace) -> int:
    try:
        return int(args._workflow(args))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return _USAGE_ERROR


def _list(args: argparse.Namespace) -> int:
    from llmgine.bootstrap import WORKFLOW_PATTERNS

    entries = list(WORKFLOW_PATTERNS)
    if args.json:
        rows = [
            {"name": e.name, "summary": e.summary, "input": e.takes,
             "needs_tools": e.needs_tools, "needs_retriever": e.needs_retriever,
             "options": e.options}
            for e in entries
        ]  # fmt: skip
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    width = max(len(entry.name) for entry in entries)
    print(f"{len(entries)} workflow patterns; run one with: llmgine workflow run NAME --input TEXT")
    for entry in entries:
        options = ", ".join(f"{key}={json.dumps(value)}" for key, value in entry.options.items())
        print()
        print(f"{entry.name:<{width}}  {entry.summary}")
        print(f"{'':<{width}}  input: {entry.takes}")
        print(f"{'':<{width}}  options: {options or 'none'}")
    return 0


@dataclass(frozen=True)
class _Plan:
    """A run, checked and built, before anything starts."""

    workflow: Workflow[Any]
    text: str
    limits: Limits
    settings: Settings
    tools: list[Any]


def _run(args: argparse.Namespace) -> int:
    plan = _plan(args)
    from llmgine.bootstrap import ApplicationBootstrap
    from llmgine.cli._workflow_view import WorkflowView
    from llmgine.llm import LLMError

    view = WorkflowView(sys.stderr, quiet=args.json)
    app = ApplicationBootstrap(plan.settings, chat=False, sinks=[view], save_sessions=False)
    outcome: list[_Outcome] = []
    try:
        app.run(lambda app: _main(app, plan, view, outcome), stop_signals=())
    except (LLMError, ValueError) as exc:
        raise UsageError(f"cannot start: {' '.join(str(exc).split())}") from exc
    if not outcome:
        print("error: the run did not finish", file=sys.stderr)
        return _FAILED
    return _report(args, outcome[0], view)


def _plan(args: argparse.Namespace) -> _Plan:
    """The workflow, its input and limits, and the settings: every usage error is here."""
    from pydantic import ValidationError

    from llmgine.bootstrap import WORKFLOW_PATTERNS, AgentKit, UnknownPatternError
    from llmgine.cli._tools import ToolSpecError, load_tools
    from llmgine.cli._workflow_input import limits_of, options_of, read_input, retriever_of
    from llmgine.config import load_settings
    from llmgine.workflows import WorkflowConfigError

    try:
        entry = WORKFLOW_PATTERNS.get(args.name)
        options = options_of(args.options)
        tools = load_tools(args.tools)
        settings = load_settings(model=args.model, console=False)
    except (UnknownPatternError, ToolSpecError) as exc:
        raise UsageError(str(exc).strip("'\"")) from exc
    except ValidationError as exc:
        raise UsageError(f"invalid settings: {exc.errors()[0]['msg']}") from exc
    retriever = retriever_of(entry.name, args.docs) if entry.needs_retriever else None
    if args.docs and retriever is None:
        raise UsageError(f"--docs is for a pattern that retrieves (rag), not {entry.name}")
    try:
        workflow = entry.make(AgentKit(settings, tools=tools, retriever=retriever), options)
    except WorkflowConfigError as exc:
        raise UsageError(str(exc)) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise UsageError(
            f"invalid options for {entry.name}: {where + ': ' if where else ''}{first['msg']}"
        ) from exc
    return _Plan(workflow, read_input(args), limits_of(args), settings, tools)


@dataclass(frozen=True)
class _Outcome:
    result: WorkflowResult
    model: str
    signalled: signal.Signals | None


async def _main(app: Any, plan: _Plan, view: WorkflowView, outcome: list[_Outcome]) -> int:
    from llmgine.bootstrap import build_workflows
    from llmgine.llm import split_model_name

    async with build_workflows(app.bus, plan.settings, tools=plan.tools) as runtime:
        model = runtime.engine.model
        runtime.engine.provider(model)  # a missing key or an unknown provider fails here
        if split_model_name(model)[0] == "offline":
            view.notice("no API key or local model server found: running on the offline stand-in")
        interrupts = _Interrupts(runtime)
        view.begin()
        try:
            result = await runtime.run(plan.workflow, plan.text, limits=plan.limits)
        finally:
            await interrupts.remove()
            await view.end()
        outcome.append(_Outcome(result, model, interrupts.signalled))
    return 0


class _Interrupts:
    """The first Ctrl-C or SIGTERM cancels the runs through the bus (they end cancelled,
    with their summary); after it the signals have their usual effect again."""

    def __init__(self, runtime: WorkflowRuntime) -> None:
        self.runtime = runtime
        self.signalled: signal.Signals | None = None
        self._loop = asyncio.get_running_loop()
        self._cancels: set[asyncio.Task[bool]] = set()
        self._installed: list[signal.Signals] = []
        for sig in _SIGNALLED:
            try:
                self._loop.add_signal_handler(sig, self._on_signal, sig)
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # not the main thread: the signal keeps its usual effect
            self._installed.append(sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        self.signalled = sig
        self._uninstall()
        reason = f"interrupted ({sig.name})"
        for run_id in self.runtime.running:
            self._cancels.add(self._loop.create_task(self.runtime.cancel(run_id, reason)))

    def _uninstall(self) -> None:
        for sig in self._installed:
            self._loop.remove_signal_handler(sig)
        self._installed.clear()

    async def remove(self) -> None:
        self._uninstall()
        if self._cancels:
            await asyncio.gather(*self._cancels, return_exceptions=True)


def _report(args: argparse.Namespace, outcome: _Outcome, view: WorkflowView) -> int:
    import orjson

    from llmgine.llm import split_model_name

    result = outcome.result
    if args.json:
        offline = split_model_name(outcome.model)[0] == "offline"
        data = {"ok": result.completed, "model": outcome.model, "offline": offline}
        data |= result.model_dump(mode="json")
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        if result.completed:
            output = result.output
            sys.stdout.write(output if output.endswith("\n") else output + "\n")
            sys.stdout.flush()
        view.summary(result, outcome.model)
        if not result.completed:
            if result.reason == "failed" and split_model_name(outcome.model)[0] == "offline":
                print(_OFFLINE_NOTE, file=sys.stderr)
            said = result.reason.replace("_", " ")
            print(f"error: {said}: {result.error or 'no reason given'}", file=sys.stderr)
    if result.completed:
        return 0
    return _SIGNALLED.get(outcome.signalled, _FAILED) if outcome.signalled else _FAILED
