"""Map-reduce through the bus."""

from __future__ import annotations

import pytest

from llmgine.llm import LLMRequest
from llmgine.testing import Fault, FunctionProvider, ScriptStep
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    MapReduce,
    MapReduceConfig,
    SimpleExecutor,
    WorkflowConfigError,
    WorkflowStepFailedEvent,
)
from tests.workflows.conftest import Crowd, prompt_of, system_of, workflows

MAPPER = AgentExecutor(Agent(name="summarizer", system_prompt="Summarize."))
REDUCER = AgentExecutor(Agent(name="combiner", system_prompt="Combine."))
TEXT = "aaaa" + "bbbb" + "cccc" + "dddd" + "ee"


async def test_chunks_are_mapped_concurrently_within_the_limit_then_reduced_in_levels() -> None:
    crowd = Crowd(2)

    async def answer(request: LLMRequest) -> str:
        if system_of(request) == "Summarize.":
            await crowd.enter()
            chunk = prompt_of(request).split("\n\n")[1]
            return f"<{chunk}>"
        return "+".join(line for line in prompt_of(request).splitlines() if line.startswith("<"))

    config = MapReduceConfig(chunk_size=4, max_parallel=2, reduce="hierarchical", fan_in=2)
    model = FunctionProvider(answer)
    async with workflows(model) as setup:
        result = await setup.runtime.run(MapReduce(MAPPER, REDUCER, config), TEXT)
    maps = [r for r in model.requests if system_of(r) == "Summarize."]
    assert sorted(prompt_of(r).split("\n\n")[1] for r in maps) == [
        "aaaa",
        "bbbb",
        "cccc",
        "dddd",
        "ee",
    ]
    assert "part 2 of 5" in prompt_of(maps[1])
    assert crowd.peak == 2
    assert setup.peak_steps_in_flight() == 2
    reduces = [r for r in model.requests if system_of(r) == "Combine."]
    assert len(reduces) == 4  # 5 results -> 3 -> 2 -> 1
    assert result.reason == "completed"
    assert result.iterations == 5
    assert result.metadata == {
        "chunks": 5,
        "failed_chunks": [],
        "reduce": "hierarchical",
        "levels": 3,
    }
    assert [s.tags.get("level") for s in result.steps if s.role == "reducer"] == [1, 1, 2, 3]


async def test_a_failed_chunk_is_skipped_and_named_when_asked() -> None:
    def answer(request: LLMRequest) -> ScriptStep:
        if "cccc" in prompt_of(request) and "Here are" not in prompt_of(request):
            return Fault.server_error()
        return "ok"

    config = MapReduceConfig(chunk_size=4, on_chunk_failure="skip")
    model = FunctionProvider(answer)
    async with workflows(model) as setup:
        result = await setup.runtime.run(MapReduce(MAPPER, REDUCER, config), TEXT)
    assert result.reason == "completed"
    assert result.metadata["failed_chunks"] == [3]
    assert "Parts 3 of the text could not be processed" in prompt_of(model.requests[-1])
    (failed,) = setup.of_type(WorkflowStepFailedEvent)
    assert failed.error_kind == "server_error"
    assert [s.status for s in result.steps].count("failed") == 1


async def test_by_default_a_failed_chunk_fails_the_run_before_any_reduce() -> None:
    def answer(request: LLMRequest) -> ScriptStep:
        return Fault.server_error() if "bbbb" in prompt_of(request) else "ok"

    model = FunctionProvider(answer)
    async with workflows(model) as setup:
        result = await setup.runtime.run(
            MapReduce(MAPPER, REDUCER, MapReduceConfig(chunk_size=4)), TEXT
        )
    assert result.reason == "failed"
    assert "chunk 2" in (result.error or "")
    assert all(system_of(r) == "Summarize." for r in model.requests)


async def test_concatenate_joins_in_order_without_a_model_call() -> None:
    model = FunctionProvider(lambda request: prompt_of(request).split("\n\n")[1].upper())
    config = MapReduceConfig(chunk_size=8, reduce="concatenate")
    async with workflows(model) as setup:
        result = await setup.runtime.run(MapReduce(MAPPER, config=config), TEXT)
    assert result.output == "AAAABBBB\n\nCCCCDDDD\n\nEE"
    assert len(model.requests) == 3


def test_a_reducer_that_would_never_be_called_is_refused() -> None:
    with pytest.raises(WorkflowConfigError, match="never be called"):
        MapReduce(MAPPER, SimpleExecutor(), MapReduceConfig(reduce="concatenate"))
