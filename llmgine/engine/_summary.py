"""How a finished turn reads to a person: the line a program prints after an answer.

The function chat, ``llmgine complete`` and the Discord bot print the same words, so a
user who knows one knows the others.
"""

from __future__ import annotations

from llmgine.engine._messages import TurnResult
from llmgine.llm import Usage

USAGE_NOT_REPORTED = "usage not reported"


def usage_text(usage: Usage) -> str:
    """``"12 tokens (5 in, 7 out)"``, or ``"usage not reported"`` when a server did not say:
    a 0 would look real."""
    if not usage.reported:
        return USAGE_NOT_REPORTED
    return f"{usage.total_tokens} tokens ({usage.input_tokens} in, {usage.output_tokens} out)"


def turn_summary(result: TurnResult, seconds: float) -> str:
    """``"[openai:gpt-4o · 2 rounds · 12 tokens (5 in, 7 out) · 0.84 s]"``."""
    rounds = f"{result.rounds} round{'s' if result.rounds != 1 else ''}"
    return f"[{result.model} · {rounds} · {usage_text(result.usage)} · {seconds:.2f} s]"


def tool_limit_note(result: TurnResult, limit: int) -> str | None:
    """What to tell the user when the turn stopped at the tool-round ``limit`` with the
    model still asking for tools; ``None`` when it ended on its own."""
    if result.finish_reason != "max_tool_rounds":
        return None
    asked = len(result.unexecuted_tool_calls)
    calls = f"{asked} more tool call{'s' if asked != 1 else ''}"
    return (
        f"stopped after {limit} tool round{'s' if limit != 1 else ''} with the model still "
        f"asking for {calls}, so this answer may be unfinished; raise "
        "LLMGINE_MAX_TOOL_ITERATIONS to allow more rounds"
    )
