"""Chain of density through the bus."""

from __future__ import annotations

from llmgine.testing import Fault, ScriptedProvider, json_reply, text
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    ChainOfDensity,
    ChainOfDensityConfig,
    DenseSummary,
    StructuredExecutor,
    WorkflowStartedEvent,
    WorkflowStepCompletedEvent,
    WorkflowStepStartedEvent,
)
from tests.workflows.conftest import prompt_of, workflows
from tests.workflows.test_refinement_family_decisions import ARTICLE, ROUNDS, dense

SUMMARIZER = AgentExecutor(Agent(name="summarizer", system_prompt="You summarize."))


async def test_each_round_builds_on_the_last_until_one_does_not_count() -> None:
    repeat = dense(["Charles Babbage", "London"], "Ada Lovelace, Charles Babbage, London.")
    model = ScriptedProvider([text(ROUNDS[0]), text(ROUNDS[1]), text(repeat)])
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(ChainOfDensity(SUMMARIZER), ARTICLE)
    prompts = [prompt_of(r) for r in model.requests]
    assert all(ARTICLE in p for p in prompts)
    assert "The current summary (round 1):\nAda Lovelace did early computing" in prompts[1]
    assert "The current summary (round 2):\nAda Lovelace worked with" in prompts[2]
    assert "Entities it covers: Ada Lovelace; Charles Babbage\n" in prompts[2]
    assert result.reason == "completed"
    assert result.output == "Ada Lovelace worked with Charles Babbage on computing."
    assert result.iterations == 3
    assert result.metadata["stopped"] == "invalid_round"
    assert result.metadata["problem"] == (
        "round 3 names 'Charles Babbage' as new, but it is covered already"
    )
    assert result.metadata["entities"] == [["Ada Lovelace"], ["Charles Babbage"]]
    assert [e.tags["iteration"] for e in setup.of_type(WorkflowStepStartedEvent)] == [1, 2, 3]
    assert len(setup.of_type(WorkflowStepCompletedEvent)) == 3
    assert setup.of_type(WorkflowStartedEvent)[0].pattern == "chain_of_density"
    assert setup.peak_steps_in_flight() == 1


async def test_a_structured_summarizer_gets_the_schema_and_runs_every_round() -> None:
    agent = Agent(name="summarizer", system_prompt="You summarize.")
    summarizer = StructuredExecutor(agent, DenseSummary)
    model = ScriptedProvider([json_reply(DenseSummary.model_validate_json(r)) for r in ROUNDS])
    config = ChainOfDensityConfig(rounds=3, max_new_entities=2)
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(ChainOfDensity(summarizer, config), ARTICLE)
    assert all(r.response_format is DenseSummary for r in model.requests)
    assert "1 to 2 of its most important entities" in prompt_of(model.requests[0])
    assert result.metadata["stopped"] == "rounds"
    assert result.output == (
        "Ada Lovelace and Charles Babbage built the Analytical Engine in London."
    )
    assert isinstance(result.steps[2].parsed, DenseSummary)


async def test_a_failed_round_fails_the_run() -> None:
    model = ScriptedProvider([text(ROUNDS[0]), Fault.unauthorized()])
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(ChainOfDensity(SUMMARIZER), ARTICLE)
    assert result.reason == "failed"
    assert "round 2" in (result.error or "")
    assert result.steps[1].error_kind == "auth_failed"
