"""The function chat: talk in the terminal with a model that calls tools.

    ./run_function_chat.sh                      # creates .venv on first use, then runs this
    python -m programs.function_chat --help     # from the repository's root

A program on ``llmgine.bootstrap.ApplicationBootstrap``, using llmgine's public API only:
the chat loop and its slash commands (``_chat``, ``_commands``), the terminal input
(``_input``) and view (``_render``), and its demo tools: ``get_weather`` (mock data),
``send_email`` (shows the email, sends nothing) and ``calculate`` (a safe arithmetic
evaluator). See ``docs/chat.md``.
"""

from programs.function_chat._args import build_parser, configure
from programs.function_chat._calculator import CalculationError, evaluate
from programs.function_chat._chat import ChatOptions, FunctionChat
from programs.function_chat._main import main, run
from programs.function_chat._render import ChatView
from programs.function_chat._tools import DEMO_TOOLS, calculate, get_weather, send_email

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
    "run",
    "send_email",
]
