"""The command line of the function chat."""

from __future__ import annotations

import argparse

LOG_LEVELS = ("debug", "info", "warning", "error", "critical")

DESCRIPTION = (
    "A chat in the terminal with a model that can call tools: the weather (mock data), "
    "email (shown, never sent) and a calculator. Sessions are saved in sessions/ and every "
    "message of the bus is logged in logs/. Type /help in the chat for its commands."
)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the chat's flags to ``parser``."""
    sessions = parser.add_argument_group("sessions")
    sessions.add_argument(
        "--list-sessions", action="store_true", help="list the saved sessions and exit"
    )
    resume = sessions.add_mutually_exclusive_group()
    resume.add_argument(
        "--session",
        metavar="REF",
        help="resume a saved session: its id, a unique start of it (4+ characters), its name, "
        "or latest",
    )
    resume.add_argument(
        "--continue",
        dest="resume_latest",
        action="store_true",
        help="resume the session saved most recently",
    )
    sessions.add_argument(
        "--session-name", metavar="NAME", help="name the session (new or resumed)"
    )
    model = parser.add_argument_group("model")
    model.add_argument(
        "--model",
        metavar="PROVIDER:MODEL",
        help="for example openai:gpt-4o-mini, anthropic:claude-haiku-4-5, ollama:llama3.2 "
        "(default: LLMGINE_MODEL, else detected from the keys set, else the offline stand-in)",
    )
    model.add_argument(
        "--api-key",
        metavar="KEY",
        help="API key of the model's provider (OpenAI unless the model or the key says "
        "otherwise); prefer OPENAI_API_KEY or ANTHROPIC_API_KEY, since a command line is "
        "visible to other users of the machine",
    )
    model.add_argument(
        "--system-prompt", metavar="TEXT", help="the session's system prompt (kept with it)"
    )
    model.add_argument(
        "--bus",
        metavar="URL",
        help="run the turns on the workers of this NATS bus, nats://host:4222 (start them "
        "with `llmgine worker --bus URL`; default: LLMGINE_BUS_URL, else in this process)",
    )
    tools = parser.add_argument_group("tools")
    tools.add_argument(
        "--yes",
        action="store_true",
        help="run tools that need approval (send_email) without asking; without it the chat "
        "asks at a terminal and refuses them when it reads from a pipe",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        type=str.lower,
        help="level of the log records shown on stderr (default: LLMGINE_LOG_LEVEL or warning)",
    )
    output.add_argument(
        "--log-dir", metavar="DIR", help="folder of the JSONL message log (default: logs)"
    )
    output.add_argument(
        "--no-console",
        action="store_true",
        help="show only answers and command output: no tool-call lines, usage lines or "
        "closing summary",
    )
    output.add_argument(
        "--verbose",
        action="store_true",
        help="at a terminal, also draw each turn's tree of model and tool calls (durations, "
        "tokens) and the metrics tables when the chat ends",
    )


def build_parser(prog: str = "run_function_chat.sh") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTION)
    configure(parser)
    return parser
