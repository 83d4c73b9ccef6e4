"""Budgets: checked before every step and model call, overshoot at most the calls in flight,
and the result names the limit."""

from __future__ import annotations

from llmgine.engine import CallLLMCommand, LLMCallStartedEvent
from llmgine.llm import LLMRequest
from llmgine.sinks import ModelPrice
from llmgine.testing import FunctionProvider, Reply, ScriptedProvider, text, tool_call
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    MapReduce,
    MapReduceConfig,
    MaxCost,
    MaxModelCalls,
    MaxSteps,
    MaxTokens,
    Pipeline,
    SimpleExecutor,
    WorkflowBudgetExceededEvent,
    WorkflowFinishedEvent,
)
from tests.workflows.conftest import workflows

TEN = Reply(text="x", usage=(5, 5))  # ten tokens a call


def stages(n: int) -> Pipeline:
    return Pipeline([SimpleExecutor(name=f"s{i}") for i in range(1, n + 1)])


async def test_a_token_budget_stops_a_sequential_run_one_call_past_it() -> None:
    model = ScriptedProvider([TEN, TEN, TEN])  # a fourth call would fail the test
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(stages(6), "go", limits=MaxTokens(25))
    assert result.reason == "budget_exceeded"
    assert result.limit == "max_tokens"
    assert result.error == "max_tokens: 30 tokens used, the budget is 25"
    assert result.usage.tokens.total_tokens == 30  # <= 25 + the one call in flight
    assert result.output == ""
    assert [s.status for s in result.steps] == ["completed"] * 3
    (end,) = setup.of_type(WorkflowFinishedEvent)
    assert isinstance(end, WorkflowBudgetExceededEvent)
    assert end.limit == "max_tokens"


async def test_a_token_budget_overshoots_a_parallel_run_by_at_most_the_calls_in_flight() -> None:
    model = FunctionProvider(lambda request: TEN)
    config = MapReduceConfig(chunk_size=1, max_parallel=3)
    async with workflows(model) as setup:
        result = await setup.runtime.run(
            MapReduce(SimpleExecutor(name="m"), config=config), "abcdefghi", limits=MaxTokens(25)
        )
    assert result.reason == "budget_exceeded"
    assert result.limit == "max_tokens"
    used = result.usage.tokens.total_tokens
    assert 25 <= used <= 25 + 3 * 10
    assert (
        used == 10 * len(model.requests) == sum(s.usage.tokens.total_tokens for s in result.steps)
    )
    assert len(model.requests) < 9


async def test_a_run_that_ends_on_its_budget_completes() -> None:
    model = ScriptedProvider([TEN, TEN])
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(stages(2), "go", limits=MaxTokens(20))
    assert result.reason == "completed"
    assert result.usage.tokens.total_tokens == 20


def noop() -> str:
    """Does nothing."""
    return "done"


async def test_a_model_call_budget_is_kept_exactly_even_inside_one_agent_turn() -> None:
    agent = AgentExecutor(Agent(name="busy", tools=[noop]))
    model = ScriptedProvider([tool_call("noop"), tool_call("noop")])
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(agent, "go", limits=MaxModelCalls(2))
    assert result.reason == "budget_exceeded"
    assert result.limit == "max_model_calls"
    assert result.usage.model_calls == 2
    assert len(setup.of_type(LLMCallStartedEvent)) == 2
    (step,) = result.steps
    assert step.status == "failed"
    assert step.error_kind == "rejected"
    refused = [r for r in setup.sink.messages if r.kind == "result" and not r.success]
    assert any("no new model call" in (r.error or "") for r in refused)
    assert len(setup.of_type(CallLLMCommand)) == 3  # the third was sent and refused


async def test_a_step_budget_is_never_passed() -> None:
    model = ScriptedProvider([text("a"), text("b")])
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(stages(3), "go", limits=MaxSteps(2))
    assert result.reason == "budget_exceeded"
    assert result.limit == "max_steps"
    assert len(result.steps) == 2


async def test_a_cost_budget_counts_priced_calls_and_an_unknown_price_as_spent() -> None:
    dollar_a_token = {"function:test": ModelPrice(input_per_million=1e6, output_per_million=1e6)}
    model = FunctionProvider(lambda request: TEN)
    async with workflows(model, prices=dollar_a_token) as setup:
        result = await setup.runtime.run(stages(5), "go", limits=MaxCost(15))
    assert result.reason == "budget_exceeded"
    assert result.limit == "max_cost"
    assert result.usage.cost_usd == 20.0
    assert [s.usage.cost_usd for s in result.steps] == [10.0, 10.0]

    unpriced = FunctionProvider(lambda request: TEN)
    async with workflows(unpriced) as setup:
        result = await setup.runtime.run(stages(5), "go", limits=MaxCost(15))
    assert result.limit == "max_cost"
    assert result.usage.cost_usd is None
    assert "no known price" in (result.error or "")
    assert len(unpriced.requests) == 1


async def test_usage_counts_streamed_and_whole_replies_alike() -> None:
    def reply(request: LLMRequest) -> Reply:
        return Reply(text="streamed or not", usage=(7, 3))

    for stream in (True, False):
        model = FunctionProvider(reply)
        async with workflows(model) as setup:
            setup.runtime.engine.stream = stream
            result = await setup.runtime.run(stages(2), "go")
        assert result.usage.tokens.total_tokens == 20
        assert result.usage.tokens.input_tokens == 14
        assert [c.stream for c in setup.of_type(CallLLMCommand)] == [stream, stream]
