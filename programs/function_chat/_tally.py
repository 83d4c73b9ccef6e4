"""What a chat did, counted as it goes, and the one line that sums it up at the end.

A turn is answered, failed, or cancelled (Ctrl-C, or a stop): a cancel is the user's
choice, not a failure, so it is counted apart. Tokens and cost come from the app's metrics
for the chat's session, which count every model call, those of cancelled turns too; the
time is the time spent in turns, as each turn's usage line shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llmgine.engine import TurnResult, usage_text
from llmgine.llm import Usage
from llmgine.messages import CommandResult
from llmgine.sinks import UsageStats


@dataclass
class ChatTally:
    answered: int = 0
    failed: int = 0
    cancelled: int = 0
    seconds: float = 0.0
    usage: Usage = field(default_factory=Usage)
    """Of the answered turns (the metrics, when there are some, count more)."""
    last_error: str | None = None

    @property
    def turns(self) -> int:
        return self.answered + self.failed + self.cancelled

    @property
    def all_failed(self) -> bool:
        return self.turns > 0 and self.failed == self.turns

    def record(self, result: CommandResult[Any], seconds: float) -> None:
        self.seconds += seconds
        if result.success and isinstance(result.result, TurnResult):
            self.answered += 1
            self.usage = self.usage + result.result.usage
        elif result.failure is not None and result.failure.kind == "cancelled":
            self.cancelled += 1
        else:
            self.failed += 1
            self.last_error = result.error or "the turn failed"

    def line(self, session: UsageStats | None) -> str:
        """``this chat: 3 turns (1 cancelled) · 1456 tokens (1400 in, 56 out) · $0.0003 ·
        2.4 s``; ``session`` is the metrics of the chat's session, if the app keeps any."""
        counts = ((self.failed, "failed"), (self.cancelled, "cancelled"))
        apart = [f"{n} {what}" for n, what in counts if n]
        turns = f"{self.turns} turn{'s' if self.turns != 1 else ''}"
        parts = [f"{turns} ({', '.join(apart)})" if apart else turns]
        if session is not None and session.calls:
            reported = session.total_tokens > 0 or self.usage.reported
            parts.append(
                usage_text(
                    Usage(
                        input_tokens=session.input_tokens,
                        output_tokens=session.output_tokens,
                        reported=reported,
                    )
                )
            )
            cost = session.cost_usd
            parts.append("cost unknown" if cost is None else f"${cost:.4f}")
        else:
            parts.append(usage_text(self.usage))
        parts.append(f"{self.seconds:.1f} s")
        return "this chat: " + " · ".join(parts)
