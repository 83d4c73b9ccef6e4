"""``llmgine replay LOG``: run a log's prompts again, answered by the log, and say whether
the current code still takes the recorded steps.

    llmgine replay LOG [--session S] [--tool MODULE:FUNCTION ...] [--live-tools]
                       [--system-prompt TEXT] [--from MESSAGE_ID (--model M | --then LOG2)]

LOG is a path, a file name in the log folder, or ``latest``. Each turn is replayed with the
recorded model replies and tool results (no provider is called); the report says
"identical" or where the new run first diverged. ``--from`` forks: the model calls before
that message are replayed, those after go to ``--model`` (live) or to another recorded log
(``--then``). The replay writes its own log (``--log-dir``, else the ``log_dir`` setting)
so the viewer can compare it with the original. Exit status: 0 identical, 1 diverged (or
a turn after a fork failed), 2 a usage error (no such log, session or message, a bad option).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from llmgine.cli._tools import add_tool_option

if TYPE_CHECKING:
    from llmgine.engine import PromptCommand
    from llmgine.llm import LLMProvider

_DIVERGED = 1
_USAGE_ERROR = 2


class _UsageError(Exception):
    pass


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("log", metavar="LOG", help="the log: a path, a file name, or 'latest'")
    parser.add_argument("--session", action="append", metavar="S", help="replay only S")
    add_tool_option(
        parser,
        help="the current code's tool (repeatable): its definition is offered, its recorded "
        "results replayed (default: the recorded tools)",
    )
    parser.add_argument("--live-tools", action="store_true", help="run the --tool functions")
    parser.add_argument("--system-prompt", metavar="TEXT", help="replay with this system prompt")
    parser.add_argument("--from", dest="fork_from", metavar="MESSAGE_ID", help="fork here")
    parser.add_argument("--model", metavar="PROVIDER:MODEL", help="after --from: go live on M")
    parser.add_argument("--then", metavar="LOG2", help="after --from: answer from LOG2")
    parser.add_argument("--log-dir", metavar="DIR", help="where the replay writes its log")
    parser.add_argument("--dir", metavar="DIR", help="the log folder LOG is looked up in")


def run(args: argparse.Namespace) -> int:
    import asyncio

    from pydantic import ValidationError

    from llmgine.config import load_settings

    try:
        settings = load_settings()
    except ValidationError as exc:
        print(f"error: invalid settings: {exc.errors()[0]['msg']}", file=sys.stderr)
        return _USAGE_ERROR
    log_dir = Path(args.log_dir) if args.log_dir else Path(settings.log_dir)
    try:
        return asyncio.run(_replay(args, settings, log_dir))
    except _UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return _USAGE_ERROR


async def _replay(args: argparse.Namespace, settings: object, log_dir: Path) -> int:
    from llmgine.bootstrap import SettingsProviders
    from llmgine.cli._tools import ToolSpecError, load_tools
    from llmgine.config import Settings
    from llmgine.logs import LogFormatError
    from llmgine.replay import ForkTarget, Recording, ReplayProvider, replay_log

    assert isinstance(settings, Settings)
    path = _find_log(args.log, Path(args.dir) if args.dir else Path(settings.log_dir))
    try:
        recording = Recording.from_log(path, sessions=args.session)
    except (OSError, LogFormatError) as exc:
        raise _UsageError(f"cannot read {str(path)!r}: {exc}") from exc
    if not recording.turns:
        where = f" for session {', '.join(map(repr, args.session))}" if args.session else ""
        raise _UsageError(f"{str(path)!r} has no chat turn to replay{where}")
    try:
        tools = load_tools(args.tools) or None
    except ToolSpecError as exc:
        raise _UsageError(str(exc)) from exc
    if args.live_tools and tools is None:
        raise _UsageError("--live-tools runs the --tool functions: name them with --tool")
    fork_to: ForkTarget | None = None
    if args.fork_from is not None:
        if (args.model is None) == (args.then is None):
            raise _UsageError("--from needs either --model M (go live) or --then LOG2")
        try:
            recording.position(args.fork_from)
        except KeyError:
            raise _UsageError(
                f"{str(path)!r} has no message with the id {args.fork_from!r}"
            ) from None
        if args.model is not None:
            live = SettingsProviders(settings)
            model: str = args.model

            def fork_to(_: str) -> LLMProvider:
                return live(model)
        else:
            other = ReplayProvider.from_log(_find_log(args.then, Path(settings.log_dir)))
            fork_to = other.for_model
    elif args.model is not None or args.then is not None:
        raise _UsageError("--model and --then say where a fork goes on: add --from MESSAGE_ID")
    print(f"replaying {len(recording.turns)} turn(s) of {str(path)!r}", file=sys.stderr)
    try:
        report = await replay_log(
            recording, tools=tools, live_tools=args.live_tools, system_prompt=args.system_prompt,
            fork_from=args.fork_from, fork_to=fork_to, log_dir=log_dir, progress=_progress,
        )  # fmt: skip
    except ValueError as exc:
        raise _UsageError(str(exc)) from exc
    print(report.summary())
    if report.log_path is not None:
        print(f"the replay's log: {report.log_path}")
    return 0 if report.ok else _DIVERGED


def _progress(number: int, total: int, command: PromptCommand) -> None:
    prompt = " ".join(command.prompt.split())
    shown = prompt if len(prompt) <= 60 else prompt[:59] + "…"
    print(f"  [{number}/{total}] {command.session_id}: {shown}", file=sys.stderr, flush=True)


def _find_log(name: str, folder: Path) -> Path:
    from llmgine.logs import find_logs

    if name == "latest":
        logs = find_logs(folder)
        if not logs:
            raise _UsageError(f"no logs in {str(folder)!r}, so no latest one")
        return logs[0]
    for candidate in (Path(name), folder / name):
        if candidate.is_file():
            return candidate
    raise _UsageError(f"no log file {name!r} (nor {str(folder / name)!r})")
