"""What the chat shows, and where.

Answers and the output of commands go to stdout; everything about the conversation rather
than in it (tool calls, the usage line, notices, errors) goes to stderr, so
``... | ./run_function_chat.sh > answers.txt`` keeps only the answers. On a terminal an answer is
rendered as markdown while it streams (a live view redrawn at most every
``REFRESH_SECONDS``, and once more at the end); elsewhere its text is written as it arrives.
"""

from __future__ import annotations

import time
from typing import TextIO

import orjson
from rich.console import Console, RenderableType
from rich.live import Live
from rich.markdown import Markdown
from rich.markup import escape

from llmgine.engine import TurnResult, turn_summary

REFRESH_SECONDS = 0.05
_MAX_RESULT_LINES = 20
_MAX_LINE = 200


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

    @property
    def rich(self) -> bool:
        """Whether stdout is a terminal (answers rendered as markdown)."""
        return self.out.is_terminal

    # -- the answer, as it streams ---------------------------------------------------------

    def begin_turn(self) -> None:
        self._text = ""
        self._streamed = False

    def delta(self, text: str) -> None:
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
        """Finish the text streamed so far (before a tool call, or at the end of a turn)."""
        if self._live is not None:
            self._live.update(Markdown(self._text), refresh=True)
            self._live.stop()
            self._live = None
        elif self._text and not self._text.endswith("\n") and not self.rich:
            self.out.file.write("\n")
            self.out.file.flush()
        self._text = ""

    def end_turn(self, result: TurnResult, seconds: float) -> None:
        self.end_answer()
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

    def tool_requested(self, name: str, arguments: str) -> None:
        if not self.events:
            return
        self.end_answer()
        self.err.print(f"[tool] {name}({_arguments(arguments)})", style="cyan", markup=False)

    def tool_finished(self, name: str, content: str, ok: bool) -> None:
        if not self.events:
            return
        self.end_answer()
        lines = content.splitlines() or [""]
        shown = [_cut(line) for line in lines[:_MAX_RESULT_LINES]]
        if len(lines) > _MAX_RESULT_LINES:
            shown.append(f"... ({len(lines) - _MAX_RESULT_LINES} more lines)")
        verb, style = ("->", "cyan") if ok else ("failed:", "red")
        first, *rest = shown
        self.err.print(f"[tool] {name} {verb} {first}", style=style, markup=False)
        for line in rest:
            self.err.print(f"         {line}", style=style, markup=False)

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
