"""The function chat as a program: flags to settings, then the chat on an app.

``main()`` is what ``python -m programs.function_chat`` and ``./run_function_chat.sh`` run.
Problems a user can fix (a bad flag, a session id that is not there, a model without its
key) end the program with one line on stderr and status 2, never a traceback. Keys are
masked in every such line.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from llmgine.bootstrap import ApplicationBootstrap
from llmgine.bus import TransportError, UsageError
from llmgine.config import Settings, load_settings, redact
from llmgine.context import SessionError, SessionNotFoundError, SessionStore, session_lines
from llmgine.llm import LLMError, full_model_name
from llmgine.sinks import TracingSetupError
from programs.function_chat._args import build_parser
from programs.function_chat._chat import ChatOptions, FunctionChat
from programs.function_chat._commands import COMMANDS
from programs.function_chat._input import line_reader
from programs.function_chat._render import ChatView
from programs.function_chat._tools import DEMO_TOOLS

USAGE_ERROR = 2

_KEY_FIELDS = {"openai": "openai_api_key", "anthropic": "anthropic_api_key", "xai": "xai_api_key"}


class UsageProblem(Exception):
    """Something the user can fix on the command line; the message says what."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chat with ``argv`` (default: the process's arguments); the exit status."""
    args = build_parser().parse_args(argv)
    return run(args)


def run(args: argparse.Namespace) -> int:
    """Run the chat with parsed flags (see ``configure``); the exit status."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")  # an odd locale must not end a chat
    secrets: tuple[str, ...] = (args.api_key,) if args.api_key else ()
    try:
        settings = settings_from(args)
        secrets = settings.secrets
        if args.list_sessions:
            for line in session_lines(SessionStore(settings.sessions_dir)):
                print(line)
            return 0
        store = SessionStore(settings.sessions_dir)
        if args.resume_latest:
            args.session = _latest(store)
        elif args.session is not None:
            args.session = _saved(store, args.session)
        return _chat(args, settings)
    except (UsageProblem, SessionError, LLMError, ValueError) as exc:
        print(f"error: {redact(_one_line(exc), *secrets)}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        return 130


def _saved(store: SessionStore, ref: str) -> str:
    """The id of the saved session ``ref`` names (an id, a unique start of one, a name or
    ``latest``); refuses one that is not there whole."""
    try:
        session_id = store.resolve(ref)
        store.load(session_id)
    except SessionNotFoundError as exc:
        reason = f" ({exc.reason})" if exc.reason else ""
        raise UsageProblem(
            f"no saved session {ref!r} in {str(store.directory)!r}{reason}; "
            "--list-sessions shows the saved ones"
        ) from None
    return session_id


def _latest(store: SessionStore) -> str:
    readable = [summary for summary in store.list() if summary.error is None]
    if not readable:
        raise UsageProblem(f"no saved session to continue in {str(store.directory)!r}")
    return readable[0].id


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings the flags ask for, over the environment and ``.env``."""
    overrides: dict[str, Any] = {
        "model": full_model_name(args.model) if args.model else None,  # gpt-4o as openai:...
        "log_level": args.log_level,
        "log_dir": args.log_dir,
        "bus_url": args.bus,
        # The tree of each turn and the tables of metrics are for --verbose, not the chat.
        "console": bool(args.verbose),
    }
    try:
        settings = load_settings(**overrides)
        if args.api_key:
            overrides[_key_field(settings.model, args.api_key)] = args.api_key
            settings = load_settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise UsageProblem(f"invalid settings: {problems}") from None
    return settings


def _key_field(model: str | None, key: str) -> str:
    if model is None:
        return _KEY_FIELDS["anthropic" if key.startswith("sk-ant-") else "openai"]
    provider = model.partition(":")[0]
    field = _KEY_FIELDS.get(provider)
    if field is None:
        raise UsageProblem(
            f"--api-key is for openai, anthropic and xai models; {provider!r} models take none"
        )
    return field


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    # With a bus across processes the chat is a front end: its turns run on the workers.
    app = ApplicationBootstrap(settings, tools=DEMO_TOOLS, front_end=bool(settings.bus_url))
    view = ChatView(sys.stdout, sys.stderr, events=not args.no_console)
    reader = line_reader(settings.sessions_dir / ".history", [f"/{name}" for name in COMMANDS])
    options = ChatOptions(
        session_id=args.session,
        session_name=args.session_name,
        system_prompt=args.system_prompt,
        model_asked=args.model is not None,
        yes=args.yes,
    )
    started = False

    async def chat(app: ApplicationBootstrap) -> int:
        nonlocal started
        started = True
        return await FunctionChat(app, view, reader, options).run()

    try:
        # SIGTERM stops the app gracefully; Ctrl-C (SIGINT) is the chat's: it cancels a turn.
        return app.run(chat, stop_signals=(signal.SIGTERM,))
    except (LLMError, ValueError, OSError, TracingSetupError, TransportError, UsageError) as exc:
        if started:
            raise  # not a problem of the command line: a fault, with its traceback
        raise UsageProblem(f"cannot start: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
