"""Window strategies: a suffix, starting at a user message, within a hard limit, and widest.

``hypothesis`` is not installed here, so the property test draws its histories from a seeded
``random.Random``: the same histories on every run, many of them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import pytest

from llmgine.context._window import (
    KeepAll,
    LastMessages,
    TokenBudget,
    WindowStrategy,
    cut_points,
    message_tokens,
    widest_start,
)
from llmgine.llm._tokens import estimate_tokens
from llmgine.llm._types import (
    AssistantMessage,
    ChatMessage,
    ToolCall,
    ToolResultMessage,
    UserMessage,
)


def user(text: str = "question") -> UserMessage:
    return UserMessage(content=text)


def assistant(text: str = "answer", *calls: str) -> AssistantMessage:
    tool_calls = tuple(ToolCall(id=f"id-{name}", name=name, arguments="{}") for name in calls)
    return AssistantMessage(content=text, tool_calls=tool_calls)


def result(name: str) -> ToolResultMessage:
    return ToolResultMessage(tool_call_id=f"id-{name}", name=name, content="done")


# user, assistant calling two tools, both results, assistant; user, assistant
HISTORY: list[ChatMessage] = [
    user("what is the weather?"),
    assistant("", "weather", "clock"),
    result("weather"),
    result("clock"),
    assistant("sunny at noon"),
    user("thanks"),
    assistant("you are welcome"),
]


def chars(text: str) -> int:
    return len(text)


# -- the three strategies ------------------------------------------------------------------


@pytest.mark.parametrize("strategy", [KeepAll(), LastMessages(5), TokenBudget(1000)])
def test_an_empty_history_gives_an_empty_window(strategy: WindowStrategy) -> None:
    assert strategy.select([]) == []


def test_keep_all_keeps_a_well_formed_history_whole() -> None:
    assert KeepAll().select(HISTORY) == HISTORY


def test_keep_all_drops_what_comes_before_the_first_user_message() -> None:
    greeting = assistant("hello, how can I help?")
    assert KeepAll().select([greeting, *HISTORY]) == HISTORY
    assert KeepAll().select([greeting]) == []


def test_select_returns_a_new_list() -> None:
    window = KeepAll().select(HISTORY)
    window.append(user("more"))
    assert len(HISTORY) == 7


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, []), (2, HISTORY[5:]), (6, HISTORY[5:]), (7, HISTORY), (100, HISTORY)],
)
def test_last_messages_keeps_whole_blocks_of_at_most_n(n: int, expected: list[ChatMessage]) -> None:
    assert LastMessages(n).select(HISTORY) == expected


def test_last_messages_never_starts_at_a_tool_result() -> None:
    # The last three messages would be two tool results and an answer: no user turn fits.
    history: list[ChatMessage] = [
        user(),
        assistant("", "a", "b"),
        result("a"),
        result("b"),
        assistant(),
    ]
    assert LastMessages(3).select(history) == []
    assert LastMessages(4).select(history) == []
    assert LastMessages(5).select(history) == history


@pytest.mark.parametrize("n", [0, -1])
def test_last_messages_needs_at_least_one(n: int) -> None:
    with pytest.raises(ValueError, match=r"n >= 1, got " + str(n)):
        LastMessages(n)


@pytest.mark.parametrize("max_tokens", [0, -5])
def test_token_budget_needs_at_least_one_token(max_tokens: int) -> None:
    with pytest.raises(ValueError, match="max_tokens >= 1"):
        TokenBudget(max_tokens)


def test_message_tokens_counts_content_and_tool_calls() -> None:
    call = ToolCall(id="c", name="weather", arguments='{"city":"Paris"}')
    message = AssistantMessage(content="let me check", tool_calls=(call, call))
    assert message_tokens(message, estimate=chars) == 12 + 2 * (7 + 16)
    assert message_tokens(message) == estimate_tokens("let me check") + 2 * estimate_tokens(
        'weather{"city":"Paris"}'
    )
    assert message_tokens(result("weather"), estimate=chars) == len("done")


def test_token_budget_is_a_hard_ceiling() -> None:
    tail = sum(message_tokens(m, estimate=chars) for m in HISTORY[5:])  # "thanks" + reply
    whole = sum(message_tokens(m, estimate=chars) for m in HISTORY)
    assert TokenBudget(tail, estimate=chars).select(HISTORY) == HISTORY[5:]
    assert TokenBudget(tail - 1, estimate=chars).select(HISTORY) == []
    assert TokenBudget(whole - 1, estimate=chars).select(HISTORY) == HISTORY[5:]
    assert TokenBudget(whole, estimate=chars).select(HISTORY) == HISTORY


def test_token_budget_uses_the_default_estimate() -> None:
    whole = sum(message_tokens(m) for m in HISTORY)
    assert TokenBudget(whole).select(HISTORY) == HISTORY
    assert TokenBudget(whole - 1).select(HISTORY) == HISTORY[5:]


def test_token_budget_costs_only_the_window_and_one_block_more() -> None:
    counted: list[str] = []

    def counting(text: str) -> int:
        counted.append(text)
        return 1

    history: list[ChatMessage] = [m for _ in range(1000) for m in (user(), assistant())]
    assert TokenBudget(4, estimate=counting).select(history) == history[-4:]
    assert len(counted) == 5  # two blocks that fit, then the first message that goes over


def test_strategies_have_readable_reprs_and_compare_by_value() -> None:
    assert repr(LastMessages(3)) == "LastMessages(n=3)"
    assert TokenBudget(10) == TokenBudget(10)
    assert KeepAll() == KeepAll()


# -- the pure core -------------------------------------------------------------------------


def test_cut_points_are_the_user_messages() -> None:
    assert cut_points(HISTORY) == [0, 5]
    assert cut_points([]) == []


@pytest.mark.parametrize(
    ("limit", "expected"), [(0, 10), (2, 10), (3, 7), (6, 7), (7, 3), (9, 3), (10, 0)]
)
def test_widest_start_picks_the_earliest_cut_that_fits(limit: int, expected: int) -> None:
    assert widest_start([0, 3, 7], 10, lambda _: 1, limit) == expected


def test_a_strategy_that_starts_off_a_cut_point_is_refused() -> None:
    class Broken(WindowStrategy):
        def choose_start(self, history: Sequence[ChatMessage], cuts: Sequence[int]) -> int:
            return 2  # a tool result

    with pytest.raises(ValueError, match="not a user message"):
        Broken().select(HISTORY)


# -- every invariant, over many generated histories ----------------------------------------


Fits = Callable[[list[ChatMessage]], bool]
"""Whether a window is within a strategy's limit."""


def generate(rng: random.Random) -> list[ChatMessage]:
    """A history of random blocks; it may start with an assistant (a greeting)."""
    history: list[ChatMessage] = []
    for _ in range(rng.randint(0, 12)):
        kind = rng.choice(["user", "user", "plain", "tools"])
        text = "x" * rng.randint(0, 40)
        if kind == "user":
            history.append(user(text))
        elif kind == "plain":
            history.append(assistant(text))
        else:
            names = [f"t{len(history)}-{i}" for i in range(rng.randint(0, 3))]
            history.append(assistant(text, *names))
            history.extend(result(name) for name in names)
    return history


def widest_fitting_suffix(history: list[ChatMessage], fits: Fits) -> list[ChatMessage]:
    """The oracle, by brute force: the longest suffix starting at a user message that fits."""
    for start, message in enumerate(history):
        if isinstance(message, UserMessage) and fits(history[start:]):
            return history[start:]
    return []


def tokens(messages: Sequence[ChatMessage], estimate: Callable[[str], int]) -> int:
    return sum(message_tokens(m, estimate=estimate) for m in messages)


def at_most_messages(n: int) -> Fits:
    return lambda window: len(window) <= n


def at_most_tokens(budget: int, estimate: Callable[[str], int]) -> Fits:
    return lambda window: tokens(window, estimate) <= budget


def check_invariants(history: list[ChatMessage], window: list[ChatMessage]) -> None:
    assert window == history[len(history) - len(window) :]  # a suffix
    assert not window or isinstance(window[0], UserMessage)
    called = {c.id for m in window if isinstance(m, AssistantMessage) for c in m.tool_calls}
    answered = {m.tool_call_id for m in window if isinstance(m, ToolResultMessage)}
    assert called == answered  # no orphan result, no call cut from its result


def test_every_invariant_holds_over_generated_histories() -> None:
    rng = random.Random(20240611)
    for _ in range(3000):
        history = generate(rng)
        n = rng.randint(1, 10)
        budget = rng.randint(1, 120)
        estimate = rng.choice([estimate_tokens, chars])
        cases: list[tuple[WindowStrategy, Fits]] = [
            (KeepAll(), lambda _: True),
            (LastMessages(n), at_most_messages(n)),
            (TokenBudget(budget, estimate=estimate), at_most_tokens(budget, estimate)),
        ]
        for strategy, fits in cases:
            window = strategy.select(history)
            check_invariants(history, window)
            assert fits(window), (strategy, history)  # the hard ceiling
            assert window == widest_fitting_suffix(history, fits), (strategy, history)
