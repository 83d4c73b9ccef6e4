"""ReAct through the bus: its actions are real tool calls, run by the tool manager."""

from __future__ import annotations

import pytest

from llmgine.engine import PromptCommand
from llmgine.testing import ScriptedProvider, text, tool_call, tool_calls
from llmgine.tools import ExecuteToolCommand, ToolCallCompletedEvent
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    ReAct,
    ReActConfig,
    SimpleExecutor,
    WorkflowConfigError,
    WorkflowStepStartedEvent,
)
from tests.workflows.conftest import prompt_of, workflows

CALLED: list[str] = []


def population(city: str) -> str:
    """The population of a city.

    Args:
        city: the city.
    """
    CALLED.append(city)
    if city == "Atlantis":
        raise LookupError("no such city")
    return {"Paris": "2.1 million", "Rome": "2.8 million"}[city]


REASONER = AgentExecutor(Agent(name="analyst", system_prompt="Reason.", tools=[population]))


@pytest.fixture(autouse=True)
def _fresh() -> None:
    CALLED.clear()


async def test_actions_are_run_by_the_real_tools_and_their_results_observed() -> None:
    model = ScriptedProvider(
        [
            tool_calls(("population", {"city": "Paris"}), ("population", {"city": "Rome"})),
            text("Rome is larger.\nFinal Answer: Rome"),
        ]
    )
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(ReAct(REASONER), "Which is larger, Paris or Rome?")
    assert CALLED == ["Paris", "Rome"]  # in order, one after the other
    first, second = model.requests
    assert [tool.name for tool in first.tools] == ["population"]
    assert 'Action: population({"city":"Paris"})\nObservation: 2.1 million' in prompt_of(second)
    assert 'Action: population({"city":"Rome"})\nObservation: 2.8 million' in prompt_of(second)
    assert "Simulated" not in prompt_of(second)
    assert result.reason == "completed"
    assert result.output == "Rome"
    assert result.iterations == 2
    assert [(s.role, s.kind, s.output) for s in result.steps] == [
        ("reasoner", "agent", ""),
        ("tool", "tool", "2.1 million"),
        ("tool", "tool", "2.8 million"),
        ("reasoner", "agent", "Rome is larger.\nFinal Answer: Rome"),
    ]
    # The engine ran no tool inside the reasoner's turn: every call is a step of the run.
    tools = setup.of_type(ExecuteToolCommand)
    started = {e.event_id: e for e in setup.of_type(WorkflowStepStartedEvent)}
    assert [started[c.parent_id].step_kind for c in tools] == ["tool", "tool"]  # type: ignore[index]
    assert [e.result for e in setup.of_type(ToolCallCompletedEvent)] == [
        "2.1 million",
        "2.8 million",
    ]
    assert all(not p.execute_tools for p in setup.of_type(PromptCommand))


async def test_a_failing_tool_is_observed_as_its_error_and_reasoning_goes_on() -> None:
    model = ScriptedProvider(
        [tool_call("population", {"city": "Atlantis"}), text("It does not exist.")]
    )
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(ReAct(REASONER), "How many live in Atlantis?")
    assert result.reason == "completed"
    assert result.output == "It does not exist."
    action = result.steps[1]
    assert action.status == "failed"
    assert action.error_kind == "exception"
    assert "Observation: Error:" in prompt_of(model.requests[1])
    assert "no such city" in prompt_of(model.requests[1])


async def test_at_the_step_limit_the_reasoner_answers_without_tools() -> None:
    model = ScriptedProvider(
        [tool_call("population", {"city": "Paris"}), text("About two million.")]
    )
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(
            ReAct(REASONER, ReActConfig(max_steps=1)), "How many live in Paris?"
        )
    assert model.requests[1].tools == ()
    assert "You have used all 1 steps" in prompt_of(model.requests[1])
    assert result.output == "About two million."
    assert result.metadata["answered_at_limit"] is True


async def test_without_answer_at_limit_the_run_fails_at_the_step_limit() -> None:
    model = ScriptedProvider([tool_call("population", {"city": "Paris"})])
    config = ReActConfig(max_steps=1, answer_at_limit=False)
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(ReAct(REASONER, config), "How many live in Paris?")
    assert result.reason == "failed"
    assert result.error == "no final answer within 1 steps"
    assert result.output == ""


def test_a_reasoner_without_tools_cannot_act() -> None:
    with pytest.raises(WorkflowConfigError, match="has no tools"):
        ReAct(SimpleExecutor(name="idle"))
