"""What the chat shows, and where.

Answers and the output of commands go to stdout; everything about the conversation rather
than in it (tool calls, the usage line, notices, errors) goes to stderr, so
``... | ./run_function_chat.sh > answers.txt`` keeps only the answers. On a terminal an answer is
rendered as markdown while it streams (a live view redrawn at most every
``REFRESH_SECONDS``, and once more at the end); elsewhere its text is written as it arrives.
At a terminal, a line says the chat is waiting for the model until its first words (or tool
calls) arrive, and again while the model reads the tools' results.
"""

from __future__ import annotations

import time
from typing import Literal, TextIO

import orjson
from rich.console import Console, RenderableType
from rich.live import Live
from rich.markdown import Markdown
from rich.markup import escape

from llmgine.engine import TurnResult, turn_summary
from programs.function_chat._waiting import WaitingIndicator

REFRESH_SECONDS = 0.05
_MAX_RESULT_LINES = 20
_MAX_LINE = 200

ToolOutcome = Literal["ok", "failed", "refused"]
_OUTCOMES: dict[ToolOutcome, tuple[str, str]] = {
    "ok": ("->", "cyan"),
    "failed": ("failed:", "red"),
    "refused": ("refused:", "yellow"),
}


class ChatView:
    """The chat's output. ``events=False`` hides tool calls and usage lines;
    ``terminal`` overrides the detection of a terminal on ``out`` (for tests)."""

    def __init__(
        self, out: TextIO, err: TextIO, *, events: bool = True, terminal: bool | None = None
    ) -> None:
        self.out = Console(file=out, highlight=False, force_terminal=terminal)
        self.err = Console(file=err, highlight=False, soft_wrap=True)
        self.events = events
        self._text = ""
        self._streamed = False
        self._live: Live | None = None
        self._refreshed = 0.0
        self._waiting = WaitingIndicator(self.out)
        self._model: str | None = None
        """The model of the turn under way; ``None`` between turns."""
        self._shown_calls: set[str] = set()
        self._running_calls = 0

    @property
    def rich(self) -> bool:
        """Whether stdout is a terminal (answers rendered as markdown)."""
        return self.out.is_terminal

    # -- the answer, as it streams ---------------------------------------------------------

    def begin_turn(self, model: str) -> None:
        self._text = ""
        self._streamed = False
        self._model = model
        self._shown_calls.clear()
        self._running_calls = 0
        self._waiting.start(f"waiting for {model}")

    def delta(self, text: str) -> None:
        self._waiting.stop()
        self._text += text
        self._streamed = True
        if not self.rich:
            self.out.file.write(text)
            self.out.file.flush()
            return
        now = time.monotonic()
        if self._live is None:
            self._live = Live(
                Markdown(self._text),
                console=self.out,
                auto_refresh=False,
                vertical_overflow="visible",
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()
            self._refreshed = 0.0
        if now - self._refreshed >= REFRESH_SECONDS:
            self._live.update(Markdown(self._text), refresh=True)
            self._refreshed = now

    def end_answer(self) -> None:
        """Finish the text streamed so far (before a tool call, or at the end of a turn),
        and the waiting line if it is shown: before anything else is written."""
        self._waiting.stop()
        if self._live is not None:
            self._live.update(Markdown(self._text), refresh=True)
            self._live.stop()
            self._live = None
        elif self._text and not self._text.endswith("\n") and not self.rich:
            self.out.file.write("\n")
            self.out.file.flush()
        self._text = ""

    def end_turn(self, result: TurnResult | None, seconds: float) -> None:
        """The turn is over: its answer finished, its usage line (``None``: it failed or was
        cancelled, and says so itself)."""
        self._model = None
        self.end_answer()
        if result is None:
            return
        if not self._streamed and result.content:
            self.answer(result.content)
        if self.events:
            self.err.print(turn_summary(result, seconds), style="dim", markup=False)

    def answer(self, text: str) -> None:
        """A whole answer at once (when replies are not streamed)."""
        if self.rich:
            self.out.print(Markdown(text))
        else:
            self.out.file.write(text if text.endswith("\n") else text + "\n")
            self.out.file.flush()

    # -- tool calls ----------------------------------------------------------------------

    def tool_requested(self, call_id: str, name: str, arguments: str) -> None:
        """The line of a call the model asked for, once per call (the approval of a call
        may show it before its event arrives)."""
        if call_id in self._shown_calls:
            return
        self._shown_calls.add(call_id)
        self._running_calls += 1
        self.end_answer()
        if self.events:
            self.err.print(f"[tool] {name}({_arguments(arguments)})", style="cyan", markup=False)

    def tool_finished(self, name: str, content: str, outcome: ToolOutcome) -> None:
        self._running_calls = max(0, self._running_calls - 1)
        self.end_answer()
        if self.events:
            self._tool_result(name, content, outcome)
        if self._model is not None and not self._running_calls:
            self._waiting.start(f"waiting for {self._model}")  # it reads the results now

    def _tool_result(self, name: str, content: str, outcome: ToolOutcome) -> None:
        lines = content.splitlines() or [""]
        shown = [_cut(line) for line in lines[:_MAX_RESULT_LINES]]
        if len(lines) > _MAX_RESULT_LINES:
            shown.append(f"... ({len(lines) - _MAX_RESULT_LINES} more lines)")
        verb, style = _OUTCOMES[outcome]
        first, *rest = shown
        self.err.print(f"[tool] {name} {verb} {first}", style=style, markup=False)
        for line in rest:
            self.err.print(f"         {line}", style=style, markup=False)

    def pause(self) -> None:
        """Stop drawing (the answer so far, the waiting line) for a question to the user."""
        self.end_answer()

    # -- everything else -------------------------------------------------------------------

    def show(self, renderable: RenderableType) -> None:
        """Output a command asked for (stdout)."""
        self.end_answer()
        self.out.print(renderable)

    def line(self, text: str) -> None:
        """One line of plain text on stdout."""
        self.end_answer()
        self.out.print(text, markup=False, highlight=False, soft_wrap=True)

    def notice(self, text: str) -> None:
        self.end_answer()
        self.err.print(text, style="yellow", markup=False)

    def summary(self, text: str) -> None:
        """The chat's closing line (hidden with the other usage lines)."""
        if self.events:
            self.end_answer()
            self.err.print(text, style="dim", markup=False)

    def error(self, text: str) -> None:
        self.end_answer()
        self.err.print(f"[bold red]error:[/] {escape(text)}")


def _arguments(arguments: str) -> str:
    """``{"a": 1, "b": "x"}`` as ``a=1, b='x'``; anything else as it was sent."""
    try:
        value = orjson.loads(arguments or "{}")
    except orjson.JSONDecodeError:
        return _cut(arguments)
    if not isinstance(value, dict):
        return _cut(arguments)
    return _cut(", ".join(f"{key}={item!r}" for key, item in value.items()))


def _cut(text: str) -> str:
    text = " ".join(text.split()) if "\n" in text else text
    return text if len(text) <= _MAX_LINE else text[: _MAX_LINE - 3] + "..."
