"""Window strategies: which part of a session's history goes into the next model request.

A history is a sequence of chat messages without the system prompt (that is kept apart).
Its *cut points* are the indices of its user messages: the only places where a window may
begin. Every strategy returns the suffix of the history that starts at one of them, so:

- the result is always a suffix of the history (the latest messages, in order);
- it is empty or starts with a ``UserMessage``: it never starts with a tool result or an
  assistant message, so a tool call is never separated from its result, and the first turn
  is the user's (which Anthropic requires);
- the limit is a hard ceiling: when even the block that starts at the last user message
  does not fit, the result is empty, never a partial block.

The choice itself is a pure function over the cut points (``widest_start``), walking back
from the end once, so selecting is O(n) in the history and needs no event loop.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from llmgine.llm import AssistantMessage, ChatMessage, UserMessage, estimate_tokens

Estimate = Callable[[str], int]


def cut_points(history: Sequence[ChatMessage]) -> list[int]:
    """The indices of the user messages: where a window may begin, in ascending order."""
    return [index for index, message in enumerate(history) if isinstance(message, UserMessage)]


def widest_start(cuts: Sequence[int], length: int, cost: Callable[[int], int], limit: int) -> int:
    """The earliest cut whose suffix costs at most ``limit``; ``length`` (empty) if none does.

    ``cost(i)`` is what message ``i`` costs. Walks back from the end and stops at the first
    message that goes over, so only the chosen window and one more block are ever costed.
    """
    start = end = length
    total = 0
    for cut in reversed(cuts):
        for index in range(end - 1, cut - 1, -1):
            total += cost(index)
            if total > limit:
                return start
        start = end = cut
    return start


def message_tokens(message: ChatMessage, *, estimate: Estimate = estimate_tokens) -> int:
    """Estimated tokens of one message: its content, plus each tool call an assistant made."""
    tokens = estimate(message.content)
    if isinstance(message, AssistantMessage):
        tokens += sum(estimate(call.name + call.arguments) for call in message.tool_calls)
    return tokens


class WindowStrategy(ABC):
    """Chooses what part of a history the next request carries.

    An abstract class rather than a Protocol because ``select`` is shared and final in
    spirit: a strategy only says where the window starts (``choose_start``), and ``select``
    checks that the start is a cut point, so no strategy can break the invariants above.
    """

    def select(self, history: Sequence[ChatMessage]) -> list[ChatMessage]:
        """The suffix of ``history`` to send: empty, or starting with a user message."""
        start = self.choose_start(history, cut_points(history))
        if start != len(history) and not (
            0 <= start < len(history) and isinstance(history[start], UserMessage)
        ):
            raise ValueError(
                f"{self!r} chose to start the window at index {start}, which is not a user "
                f"message; choose_start must return one of the cut points or len(history)"
            )
        return list(history[start:])

    @abstractmethod
    def choose_start(self, history: Sequence[ChatMessage], cuts: Sequence[int]) -> int:
        """Where the window begins: one of ``cuts`` (user-message indices), or ``len(history)``."""


@dataclass(frozen=True)
class KeepAll(WindowStrategy):
    """Everything from the first user message on (a well-formed history starts with one)."""

    def choose_start(self, history: Sequence[ChatMessage], cuts: Sequence[int]) -> int:
        return cuts[0] if cuts else len(history)


@dataclass(frozen=True)
class LastMessages(WindowStrategy):
    """At most ``n`` messages: the latest whole blocks, each starting at a user message."""

    n: int

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"LastMessages needs n >= 1, got {self.n!r}")

    def choose_start(self, history: Sequence[ChatMessage], cuts: Sequence[int]) -> int:
        return widest_start(cuts, len(history), lambda _: 1, self.n)


@dataclass(frozen=True)
class TokenBudget(WindowStrategy):
    """At most ``max_tokens`` estimated tokens (see ``message_tokens``).

    ``estimate`` counts the tokens of a text; the default is the rough four-characters-a-token
    ``estimate_tokens``. Pass a real tokenizer's count for a budget that matches a model.
    """

    max_tokens: int
    estimate: Estimate | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        if self.max_tokens < 1:
            raise ValueError(f"TokenBudget needs max_tokens >= 1, got {self.max_tokens!r}")

    def choose_start(self, history: Sequence[ChatMessage], cuts: Sequence[int]) -> int:
        estimate = self.estimate or estimate_tokens
        return widest_start(
            cuts,
            len(history),
            lambda index: message_tokens(history[index], estimate=estimate),
            self.max_tokens,
        )
