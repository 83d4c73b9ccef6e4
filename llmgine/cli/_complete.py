"""``llmgine complete "..."``: one answer from the model, with the tools ``--tool`` names.

The answer streams to stdout as it arrives (tool calls and the usage line go to stderr);
``--json`` prints one JSON object instead, once the turn is over. The turn is logged like
any other, but no session is saved (with ``--bus URL`` the turn runs on a worker of that
bus, ``llmgine worker``, which keeps its session as workers do). Exit status: 0, 1 when
the turn failed or stopped at the tool-round limit with the model still asking for tools,
2 for a problem with the command line or the setup (an unknown model, a missing key, a
tool not found, a trace backend that does not answer, no NATS server).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmgine.engine import TurnResult
    from llmgine.messages import CommandResult

_FAILED = 1
_USAGE_ERROR = 2


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("prompt", help="what to ask")
    parser.add_argument("--model", metavar="PROVIDER:MODEL", help="default: as the chat picks")
    parser.add_argument("--system-prompt", metavar="TEXT", help="the system prompt")
    parser.add_argument(
        "--tool",
        dest="tools",
        action="append",
        default=[],
        metavar="MODULE:FUNCTION",
        help="offer the model this function (repeatable); the working folder is importable",
    )
    parser.add_argument(
        "--bus",
        metavar="URL",
        help="run the turn on the workers of this NATS bus (LLMGINE_BUS_URL; `llmgine worker`)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the answer, model, usage and tool calls as one JSON object",
    )


def run(args: argparse.Namespace) -> int:
    import orjson
    from pydantic import ValidationError

    from llmgine.bootstrap import ApplicationBootstrap
    from llmgine.bus import TransportError, UsageError
    from llmgine.cli._answer import AnswerView
    from llmgine.cli._tools import ToolSpecError, load_tools
    from llmgine.config import load_settings
    from llmgine.engine import PromptCommand, ResponseDeltaEvent, TurnResult, tool_limit_note
    from llmgine.llm import LLMError, split_model_name
    from llmgine.sinks import TracingSetupError
    from llmgine.tools import ToolCallCompletedEvent, ToolCallFailedEvent, ToolCallRequestedEvent

    try:
        settings = load_settings(model=args.model, bus_url=args.bus)
    except ValidationError as exc:
        print(f"error: invalid settings: {exc.errors()[0]['msg']}", file=sys.stderr)
        return _USAGE_ERROR
    try:
        tools = load_tools(args.tools)
    except ToolSpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return _USAGE_ERROR
    view = AnswerView(sys.stdout, sys.stderr, events=not args.json)
    front_end = bool(settings.bus_url)  # the turn runs on a worker (``llmgine worker``)
    app = ApplicationBootstrap(settings, tools=tools, save_sessions=front_end, front_end=front_end)
    outcome: list[tuple[CommandResult[Any], float]] = []

    async def main(app: ApplicationBootstrap) -> int:
        if split_model_name(app.model)[0] == "offline" and not args.json and not front_end:
            view.notice("no API key or local model server found: using the offline stand-in")
        session_id = app.store.new_id()
        async with app.bus.session(session_id) as session:
            if not args.json:
                session.register_event_handler(ResponseDeltaEvent, lambda e: view.delta(e.text))
                session.register_event_handler(
                    ToolCallRequestedEvent,
                    lambda e: view.tool_requested(e.tool_name, e.arguments),
                )
                session.register_event_handler(
                    ToolCallCompletedEvent,
                    lambda e: view.tool_finished(e.tool_name, e.result, True),
                )
                session.register_event_handler(
                    ToolCallFailedEvent, lambda e: view.tool_finished(e.tool_name, e.error, False)
                )
            started = time.perf_counter()
            command = PromptCommand(prompt=args.prompt, system_prompt=args.system_prompt)
            result = await session.execute(command)
            outcome.append((result, time.perf_counter() - started))
        return 0

    try:
        app.run(main)
    except (LLMError, ValueError, TracingSetupError, TransportError, UsageError) as exc:
        print(f"error: cannot start: {' '.join(str(exc).split())}", file=sys.stderr)
        return _USAGE_ERROR
    if not outcome:  # stopped by a signal before the turn ended
        return _FAILED
    result, seconds = outcome[0]
    turn = result.result if isinstance(result.result, TurnResult) else None
    stopped = tool_limit_note(turn, app.engine.max_tool_rounds) if turn is not None else None
    if args.json:
        shown = _as_json(result, turn, stopped)
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
    result: CommandResult[Any], turn: TurnResult | None, stopped: str | None
) -> dict[str, Any]:
    if turn is None:
        return {"ok": False, "error": result.error}
    usage = turn.usage
    return {
        "ok": stopped is None,
        **({"error": stopped} if stopped is not None else {}),
        "content": turn.content,
        "model": turn.model,
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
