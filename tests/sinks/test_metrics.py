"""Metrics: what the aggregator counts from messages, and that its memory stays bounded."""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest

from llmgine.engine import CallLLMCommand, LLMCallCompletedEvent, LLMCallFailedEvent, PromptCommand
from llmgine.llm import LLMRequest, ToolCall, Usage, UserMessage
from llmgine.messages import BusStoppedEvent, CommandResult, HandlerFailedEvent
from llmgine.sinks import OTHER, Metrics, ModelPrice
from llmgine.tools import ExecuteToolCommand, ToolCallCompletedEvent, ToolCallFailedEvent

REQUEST = LLMRequest(messages=(UserMessage(content="hi"),))


def completed(model: str, tokens: tuple[int, int], *, session: str = "s1", ms: float = 10.0) -> Any:
    return LLMCallCompletedEvent(
        model=model, round=1, content="", finish_reason="stop", session_id=session,
        usage=Usage(input_tokens=tokens[0], output_tokens=tokens[1]), latency_ms=ms,
    )  # fmt: skip


def test_command_latency_runs_from_the_command_to_its_result() -> None:
    metrics = Metrics()
    for n, (start, end, ok) in enumerate([(1.0, 1.25, True), (2.0, 2.5, True), (3.0, 4.0, False)]):
        command = PromptCommand(prompt=f"p{n}")
        metrics.observe(command, at=start)
        assert metrics.pending_commands == 1
        result = CommandResult(success=ok, command_id=command.command_id, error=None if ok else "x")
        metrics.observe(result, at=end)
    stats = metrics.snapshot().commands["PromptCommand"]
    assert (stats.count, stats.failed) == (3, 1)
    assert stats.latency.p50_ms == pytest.approx(500, rel=0.01)
    assert stats.latency.p99_ms == pytest.approx(1000, rel=0.01)
    assert stats.latency.max_ms == pytest.approx(1000)
    assert stats.latency.mean_ms == pytest.approx(1750 / 3)
    assert metrics.pending_commands == 0


def test_a_result_without_its_command_counts_as_a_message_only() -> None:
    metrics = Metrics()
    metrics.observe(CommandResult(success=True, command_id="never-seen"))
    snapshot = metrics.snapshot()
    assert snapshot.messages == 1
    assert snapshot.commands == {}


def test_tokens_and_cost_per_model_session_and_in_total() -> None:
    metrics = Metrics()
    metrics.observe(completed("openai:gpt-4o-mini", (1_000_000, 100_000), session="a"))
    metrics.observe(completed("openai:gpt-4o-mini-2024-07-18", (0, 1_000_000), session="b"))
    metrics.observe(completed("offline:stand-in", (500, 50), session="b"))
    snapshot = metrics.snapshot()
    # 1M input at 0.15 plus 0.1M output at 0.60 / M tokens, then 1M output at 0.60.
    assert snapshot.models["openai:gpt-4o-mini"].cost_usd == pytest.approx(0.15 + 0.06)
    assert snapshot.models["openai:gpt-4o-mini-2024-07-18"].cost_usd == pytest.approx(0.60)
    assert snapshot.models["offline:stand-in"].cost_usd == 0.0
    assert snapshot.sessions["a"].input_tokens == 1_000_000
    assert snapshot.sessions["b"].output_tokens == 1_000_050
    assert snapshot.sessions["b"].calls == 2
    assert snapshot.total.cost_usd == pytest.approx(0.81)
    assert snapshot.total.total_tokens == 1_000_000 + 100_000 + 1_000_000 + 550
    assert snapshot.models["openai:gpt-4o-mini"].latency is not None
    assert snapshot.sessions["a"].latency is None  # latency is kept per model, not session


def test_an_unknown_model_has_an_unknown_cost_not_a_zero_one() -> None:
    metrics = Metrics()
    metrics.observe(completed("openai:gpt-4o", (1_000, 1_000), session="mixed"))
    metrics.observe(completed("acme:secret-model", (1_000, 1_000), session="mixed"))
    snapshot = metrics.snapshot()
    assert snapshot.models["acme:secret-model"].cost_usd is None
    assert snapshot.models["acme:secret-model"].unpriced_calls == 1
    assert snapshot.models["openai:gpt-4o"].cost_usd == pytest.approx(0.0125)
    assert snapshot.sessions["mixed"].cost_usd is None
    assert snapshot.sessions["mixed"].unpriced_calls == 1
    assert snapshot.total.cost_usd is None


def test_a_call_whose_usage_was_not_reported_has_an_unknown_cost() -> None:
    metrics = Metrics()
    unreported = completed("openai:gpt-4o", (0, 0)).model_copy(
        update={"usage": Usage.not_reported()}
    )
    metrics.observe(unreported)
    model = metrics.snapshot().models["openai:gpt-4o"]
    assert model.calls == 1
    assert model.cost_usd is None  # not $0: nobody said what it used
    assert model.unpriced_calls == 1


def test_prices_can_be_added_and_overridden() -> None:
    prices = {
        "acme:secret-model": ModelPrice(input_per_million=1, output_per_million=2),
        "openai:gpt-4o": ModelPrice(input_per_million=0, output_per_million=0),
    }
    metrics = Metrics(prices=prices)
    metrics.observe(completed("acme:secret-model", (1_000_000, 1_000_000)))
    metrics.observe(completed("openai:gpt-4o", (1_000_000, 1_000_000)))
    snapshot = metrics.snapshot()
    assert snapshot.models["acme:secret-model"].cost_usd == pytest.approx(3.0)
    assert snapshot.models["openai:gpt-4o"].cost_usd == 0.0
    assert metrics.price("openai:gpt-4o-mini") is not None  # the defaults are still there


def test_failed_calls_tools_handler_failures_and_undelivered_events() -> None:
    metrics = Metrics()
    metrics.observe(
        LLMCallFailedEvent(
            model="openai:gpt-4o", round=1, error_type="RateLimitError", error="slow down",
            latency_ms=3.0, session_id="s1",
        )
    )  # fmt: skip
    metrics.observe(
        ToolCallCompletedEvent(call_id="c1", tool_name="add", result="3", duration_ms=2.0)
    )
    metrics.observe(
        ToolCallFailedEvent(
            call_id="c2", tool_name="add", error="bad", error_kind="invalid_arguments",
            duration_ms=4.0,
        )
    )  # fmt: skip
    for handler, exc in [("on_a", "ValueError"), ("on_a", "ValueError"), ("on_b", "KeyError")]:
        metrics.observe(
            HandlerFailedEvent(
                handler=handler, message_type="X", failed_message_id="m", exception_type=exc,
                exception_message="boom",
            )
        )  # fmt: skip
    assert metrics.snapshot().undelivered_at_stop is None
    metrics.observe(BusStoppedEvent(undelivered=7, timed_out=True))
    snapshot = metrics.snapshot()
    assert (snapshot.total.calls, snapshot.total.failed) == (1, 1)
    assert snapshot.models["openai:gpt-4o"].failed == 1
    assert snapshot.tools["add"].calls == 2
    assert snapshot.tools["add"].failed == 1
    assert snapshot.tools["add"].latency.max_ms == 4.0
    failures = {(f.handler, f.exception_type): f.count for f in snapshot.handler_failures}
    assert failures == {("on_a", "ValueError"): 2, ("on_b", "KeyError"): 1}
    assert snapshot.undelivered_at_stop == 7
    assert snapshot.events["HandlerFailedEvent"] == 3
    assert snapshot.events["BusStoppedEvent"] == 1


def test_memory_stays_bounded_over_200k_messages_with_many_sessions() -> None:
    metrics = Metrics(max_sessions=100, max_models=10, max_tools=10, max_pending=500)
    call = ToolCall(id="t", name="add")
    usage = Usage(input_tokens=10, output_tokens=2)

    # Copies of templates (model_copy skips validation): building 200k messages costs less.
    llm = LLMCallCompletedEvent(
        model="m", round=1, content="", finish_reason="stop", usage=usage, latency_ms=0.0
    )
    llm_call = CallLLMCommand(request=REQUEST, model="m")
    tool_call = ExecuteToolCommand(call=call)
    tool_done = ToolCallCompletedEvent(call_id="t", tool_name="t", result="", duration_ms=1.0)
    result = CommandResult(success=True, command_id="t")

    def batch(start: int, count: int) -> None:
        for n in range(start, start + count):
            session = f"session-{n}"
            kind = n % 4
            if kind == 0:
                update = {"model": f"openai:gpt-4o-mini-{n % 37}", "latency_ms": float(n % 1000)}
                metrics.observe(llm.model_copy(update={"session_id": session, **update}), float(n))
            elif kind == 1:  # a command whose result never comes
                metrics.observe(llm_call.model_copy(update={"command_id": f"c{n}"}), float(n))
            elif kind == 2:
                metrics.observe(tool_call.model_copy(update={"command_id": f"t{n}"}), float(n))
            else:
                metrics.observe(result.model_copy(update={"command_id": f"t{n - 1}"}), n + 0.5)
                metrics.observe(tool_done.model_copy(update={"tool_name": f"tool-{n % 53}"}))

    batch(0, 40_000)  # every table fills to its cap
    tracemalloc.start()
    try:
        batch(40_000, 40_000)  # every row is replaced: what lives now was made while traced
        warm, _ = tracemalloc.get_traced_memory()
        batch(80_000, 120_000)
        later, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    snapshot = metrics.snapshot()
    assert snapshot.messages == 200_000 + 200_000 // 4
    assert len(snapshot.sessions) == 100 + 1  # the most recent ones, and OTHER
    assert OTHER in snapshot.sessions
    assert len(snapshot.models) <= 10 + 1
    assert len(snapshot.tools) <= 10 + 1
    assert 490 <= snapshot.pending_commands <= 500
    assert snapshot.total.calls == 50_000  # folding lost nothing from the totals
    assert sum(s.calls for s in snapshot.sessions.values()) == 50_000
    assert sum(t.calls for t in snapshot.tools.values()) == 50_000
    assert snapshot.commands["ExecuteToolCommand"].count == 50_000
    # 120,000 more messages after the warm-up: the footprint stays where it was.
    assert later - warm < 64 * 1024, (warm, later)


def test_event_types_beyond_the_cap_are_counted_as_other() -> None:
    metrics = Metrics(max_types=2)
    for event in (
        BusStoppedEvent(),
        HandlerFailedEvent(
            handler="h", message_type="X", failed_message_id="m", exception_type="E",
            exception_message="",
        ),
        ToolCallCompletedEvent(call_id="c", tool_name="t", result="", duration_ms=1.0),
        BusStoppedEvent(),
    ):  # fmt: skip
        metrics.observe(event)
    events = metrics.snapshot().events
    assert events == {"BusStoppedEvent": 2, "HandlerFailedEvent": 1, OTHER: 1}
    assert list(events)[-1] == OTHER
    assert metrics.snapshot().tools["t"].calls == 1  # still read, only counted as other
