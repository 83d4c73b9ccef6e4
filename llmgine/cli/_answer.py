"""How ``llmgine complete`` shows a turn: the answer on stdout, the rest on stderr.

The answer's text is written as it streams (or whole, when the reply was not streamed),
so ``llmgine complete ... > answer.txt`` keeps only the answer; tool calls, notices,
errors and one usage line go to stderr.
"""

from __future__ import annotations

from typing import TextIO

import orjson

from llmgine.bus import BusSession
from llmgine.engine import ResponseDeltaEvent, TurnResult, turn_summary
from llmgine.tools import ToolCallCompletedEvent, ToolCallFailedEvent, ToolCallRequestedEvent

_MAX_LINE = 200
_MAX_RESULT_LINES = 20


class AnswerView:
    """The output of one turn. ``events=False`` hides tool calls and the usage line."""

    def __init__(self, out: TextIO, err: TextIO, *, events: bool = True) -> None:
        self.out = out
        self.err = err
        self.events = events
        self._open_line = False
        self._streamed = False
        self._ended = False

    def subscribe(self, session: BusSession) -> None:
        """Show the answer of ``session``'s turns as it streams, and their tool calls."""
        session.register_event_handler(ResponseDeltaEvent, lambda e: self.delta(e.text))
        session.register_event_handler(
            ToolCallRequestedEvent, lambda e: self.tool_requested(e.tool_name, e.arguments)
        )
        session.register_event_handler(
            ToolCallCompletedEvent, lambda e: self.tool_finished(e.tool_name, e.result, True)
        )
        session.register_event_handler(
            ToolCallFailedEvent, lambda e: self.tool_finished(e.tool_name, e.error, False)
        )

    def delta(self, text: str) -> None:
        if self._ended:  # a straggler: the answer is on screen already, whole
            return
        self.out.write(text)
        self.out.flush()
        self._open_line = not text.endswith("\n")
        self._streamed = True

    def end_answer(self) -> None:
        """Close the line the answer left open (before a tool call, or at the end)."""
        if self._open_line:
            self.out.write("\n")
            self.out.flush()
            self._open_line = False

    def end_turn(self, result: TurnResult, seconds: float) -> None:
        """Finish showing the turn: the answer (whole, if it did not stream) and the usage
        line. Text arriving later is not shown, so the answer is never printed twice."""
        self._ended = True
        self.end_answer()
        if not self._streamed and result.content:
            self.out.write(
                result.content if result.content.endswith("\n") else result.content + "\n"
            )
            self.out.flush()
        if self.events:
            self._err(turn_summary(result, seconds))

    def tool_requested(self, name: str, arguments: str) -> None:
        if self.events:
            self.end_answer()
            self._err(f"[tool] {name}({_arguments(arguments)})")

    def tool_finished(self, name: str, content: str, ok: bool) -> None:
        if not self.events:
            return
        self.end_answer()
        lines = content.splitlines() or [""]
        shown = [_cut(line) for line in lines[:_MAX_RESULT_LINES]]
        if len(lines) > _MAX_RESULT_LINES:
            shown.append(f"... ({len(lines) - _MAX_RESULT_LINES} more lines)")
        first, *rest = shown
        self._err(f"[tool] {name} {'->' if ok else 'failed:'} {first}")
        for line in rest:
            self._err(f"         {line}")

    def notice(self, text: str) -> None:
        self.end_answer()
        self._err(text)

    def error(self, text: str) -> None:
        self.end_answer()
        self._err(f"error: {text}")

    def _err(self, line: str) -> None:
        self.err.write(line + "\n")
        self.err.flush()


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
