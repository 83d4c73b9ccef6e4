"""The function chat: a terminal chat with a model that calls tools, on ``ApplicationBootstrap``.

``main()`` runs it (``programs/function_chat.py``, ``./run_function_chat.sh``, ``llmgine
chat``); ``configure(parser)`` adds its flags to a parser and ``run(args)`` runs it with
them. The demo tools are importable on their own: ``get_weather`` (mock data),
``send_email`` (shows the email, sends nothing) and ``calculate`` (a safe arithmetic
evaluator, ``evaluate``). See ``docs/chat.md``.

The names are imported on first use, so that ``llmgine --help`` can read the chat's flags
without loading the app.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_LAZY: dict[str, str] = {
    "build_parser": "llmgine.chat._args",
    "configure": "llmgine.chat._args",
    "CalculationError": "llmgine.chat._calculator",
    "evaluate": "llmgine.chat._calculator",
    "ChatOptions": "llmgine.chat._chat",
    "FunctionChat": "llmgine.chat._chat",
    "main": "llmgine.chat._main",
    "run": "llmgine.chat._main",
    "ChatView": "llmgine.chat._render",
    "record_lines": "llmgine.chat._sessions",
    "session_lines": "llmgine.chat._sessions",
    "DEMO_TOOLS": "llmgine.chat._tools",
    "calculate": "llmgine.chat._tools",
    "get_weather": "llmgine.chat._tools",
    "send_email": "llmgine.chat._tools",
}

__all__ = [
    "DEMO_TOOLS",
    "CalculationError",
    "ChatOptions",
    "ChatView",
    "FunctionChat",
    "build_parser",
    "calculate",
    "configure",
    "evaluate",
    "get_weather",
    "main",
    "record_lines",
    "run",
    "send_email",
    "session_lines",
]

if TYPE_CHECKING:
    from llmgine.chat._args import build_parser, configure
    from llmgine.chat._calculator import CalculationError, evaluate
    from llmgine.chat._chat import ChatOptions, FunctionChat
    from llmgine.chat._main import main, run
    from llmgine.chat._render import ChatView
    from llmgine.chat._sessions import record_lines, session_lines
    from llmgine.chat._tools import DEMO_TOOLS, calculate, get_weather, send_email


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'llmgine.chat' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
