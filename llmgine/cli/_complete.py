"""``llmgine complete "..."``: one answer from the model, kept as a conversation to go on with.

The answer streams to stdout as it arrives; tool calls and one usage line go to stderr.
``--json`` prints one JSON object instead, once the turn is over; ``--verbose`` adds the
console view (each turn's tree, the metrics tables at the end) on a terminal. The prompt
comes from the argument, stdin and attached files (see ``_prompt``). A turn that
succeeds is saved as a session (unless ``--no-save``), which ``--continue`` or ``--session``
goes on with. Exit status: 0; 1 when the turn failed or stopped at the tool-round limit
with the model still asking for tools; 2 for a problem with the command line or the setup
(an empty prompt, an unknown model, a missing key, a tool or session not found, a trace
backend that does not answer, no NATS server). With ``--bus URL`` the turn runs on a worker
of that bus (``llmgine worker``), which reads and saves the session.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from typing import TYPE_CHECKING, Any

from llmgine.cli._tools import add_tool_option

if TYPE_CHECKING:
    from llmgine.bootstrap import ApplicationBootstrap
    from llmgine.cli._answer import AnswerView
    from llmgine.cli._prompt import Prompt
    from llmgine.cli._resume import Resumed
    from llmgine.engine import TurnResult
    from llmgine.messages import CommandResult

_FAILED = 1
_USAGE_ERROR = 2
_EVENTS_TIMEOUT = 5.0
"""Seconds to wait, once the turn is over, for the view to receive its last events."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "prompt",
        nargs="?",
        help="what to ask; '-' reads it from stdin; text piped in follows it as context",
    )
    parser.add_argument(
        "-f",
        "--file",
        dest="files",
        action="append",
        default=[],
        metavar="FILE",
        help="attach this file's text to the prompt (repeatable)",
    )
    model = parser.add_argument_group("model")
    model.add_argument(
        "-m",
        "--model",
        metavar="MODEL",
        help="provider:model or a bare name (gpt-4o, claude-haiku-4-5); default: "
        "LLMGINE_MODEL, the continued session's model, else detected",
    )
    model.add_argument(
        "-s", "--system", "--system-prompt", dest="system", metavar="TEXT", help="system prompt"
    )
    model.add_argument("--temperature", type=temperature, metavar="T", help="from 0 to 2")
    model.add_argument(
        "--max-tokens", type=positive_integer, metavar="N", help="the longest answer, in tokens"
    )
    model.add_argument("--no-stream", action="store_true", help="ask for the answer whole")
    add_tool_option(model)
    model.add_argument(
        "--bus",
        metavar="URL",
        help="run the turn on the workers of this NATS bus (LLMGINE_BUS_URL; `llmgine worker`)",
    )
    conversation = parser.add_argument_group("conversation")
    resume = conversation.add_mutually_exclusive_group()
    resume.add_argument(
        "-c", "--continue", dest="resume_latest", action="store_true",
        help="go on with the most recent conversation",
    )  # fmt: skip
    resume.add_argument(
        "--session", metavar="REF", help="go on with this session: its name, id or id prefix"
    )
    conversation.add_argument(
        "--no-save", action="store_true", help="keep this exchange out of the saved sessions"
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--json",
        action="store_true",
        help="print the answer, model, usage, session and tool calls as one JSON object",
    )
    output.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="on a terminal, also draw the turn's tree and the metrics tables (stderr)",
    )


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from llmgine.bootstrap import ApplicationBootstrap, settings_model
    from llmgine.bus import TransportError, UsageError
    from llmgine.cli._answer import AnswerView
    from llmgine.cli._prompt import PromptProblem, build_prompt
    from llmgine.cli._resume import resume
    from llmgine.cli._tools import ToolSpecError, load_tools
    from llmgine.config import load_settings
    from llmgine.context import SessionError
    from llmgine.llm import LLMError, full_model_name
    from llmgine.sinks import TracingSetupError

    try:
        model = full_model_name(args.model) if args.model is not None else None
        settings = load_settings(model=model, console=bool(args.verbose), bus_url=args.bus)
        settings_model(settings)  # a bare LLMGINE_MODEL of no known provider fails here
        tools = load_tools(args.tools)
        prompt = build_prompt(args.prompt, args.files, sys.stdin)
        resumed = resume(settings.sessions_dir, args.session, latest=args.resume_latest)
    except ValidationError as exc:
        return _usage_error(f"invalid settings: {exc.errors()[0]['msg']}")
    except (ValueError, ToolSpecError, PromptProblem, SessionError) as exc:
        return _usage_error(str(exc))
    if model is None and resumed is not None:
        model = resumed.model  # a conversation goes on with its model unless told otherwise
    view = AnswerView(sys.stdout, sys.stderr, events=not args.json)
    front_end = bool(settings.bus_url)  # the turn runs on a worker (``llmgine worker``)
    app = ApplicationBootstrap(
        settings, model=model, tools=tools, save_sessions=not args.no_save, front_end=front_end
    )
    shown: list[int] = []

    async def main(app: ApplicationBootstrap) -> int:
        console = app.console_view  # with --verbose: its tree waits until the answer is shown
        with console.held() if console is not None else contextlib.nullcontext():
            result, seconds, session_id = await _turn(app, args, prompt, resumed, view)
            with contextlib.suppress(TimeoutError):  # the answer is in the result anyway
                await app.bus.wait_for_events(timeout=_EVENTS_TIMEOUT)
            shown.append(_show(app, args, view, result, seconds, session_id))
        return shown[0]

    try:
        app.run(main)
    except (LLMError, ValueError, TracingSetupError, TransportError, UsageError) as exc:
        return _usage_error(f"cannot start: {' '.join(str(exc).split())}")
    return shown[0] if shown else _FAILED  # none: stopped by a signal before the answer


async def _turn(
    app: ApplicationBootstrap,
    args: argparse.Namespace,
    prompt: Prompt,
    resumed: Resumed | None,
    view: AnswerView,
) -> tuple[CommandResult[Any], float, str]:
    from llmgine.context import first_words
    from llmgine.engine import PromptCommand, TurnResult
    from llmgine.llm import split_model_name

    offline = split_model_name(app.model)[0] == "offline" and not app.front_end
    if offline and not args.json:
        view.notice("no API key or local model server found: using the offline stand-in")
    session_id = resumed.id if resumed is not None else app.store.new_id()
    if resumed is not None and args.no_save:  # not read from the store: given as it was
        await resumed.restore(app.context)
    async with app.bus.session(session_id) as session:
        if not args.json:
            view.subscribe(session)
        started = time.perf_counter()
        command = PromptCommand(
            prompt=prompt.text,
            system_prompt=args.system,
            stream=False if args.no_stream else None,
            temperature=args.temperature,
            max_tokens=args.max_tokens,
        )
        result = await session.execute(command)
        seconds = time.perf_counter() - started
    if app.front_end:  # a worker ran the turn and saved the session: read it from there
        app.context.forget(session_id)
    if isinstance(result.result, TurnResult):  # kept only with an answer: no empty sessions
        if args.system is not None:
            await app.context.set_system_prompt(session_id, args.system)
        if resumed is None:
            await app.context.rename(session_id, first_words(prompt.question))
    return result, seconds, session_id


def _show(
    app: ApplicationBootstrap,
    args: argparse.Namespace,
    view: AnswerView,
    result: CommandResult[Any],
    seconds: float,
    session_id: str,
) -> int:
    import orjson

    from llmgine.engine import TurnResult, tool_limit_note

    turn = result.result if isinstance(result.result, TurnResult) else None
    stopped = tool_limit_note(turn, app.engine.max_tool_rounds) if turn is not None else None
    if args.json:
        saved = None if args.no_save or turn is None else session_id
        shown = _as_json(result, turn, stopped, saved)
        sys.stdout.write(orjson.dumps(shown, option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
    elif turn is not None:
        view.end_turn(turn, seconds)
        if stopped is not None:
            view.error(stopped)
    else:
        view.end_answer()
        view.error(result.error or "the turn failed")
    return 0 if turn is not None and stopped is None else _FAILED


def _as_json(
    result: CommandResult[Any], turn: TurnResult | None, stopped: str | None, session: str | None
) -> dict[str, Any]:
    if turn is None:
        return {"ok": False, "error": result.error}
    usage = turn.usage
    return {
        "ok": stopped is None,
        **({"error": stopped} if stopped is not None else {}),
        "content": turn.content,
        "model": turn.model,
        "session": session,
        "finish_reason": turn.finish_reason,
        "rounds": turn.rounds,
        "usage": {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens}
        if usage.reported
        else None,
        "tool_calls": [
            {
                "name": call.tool_name,
                "arguments": call.arguments,
                "result": call.content,
                "ok": call.ok,
            }
            for call in turn.tool_results
        ],
    }


def _usage_error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return _USAGE_ERROR


def temperature(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number <= 2:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number from 0 to 2")
    return number


def positive_integer(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number above 0")
    return number
