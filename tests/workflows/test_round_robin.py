"""Round-robin through the bus: turns in order, or as a selector chooses."""

from __future__ import annotations

import json

import pytest

from llmgine.llm import LLMRequest
from llmgine.testing import FunctionProvider, ScriptedProvider, text
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    MaxModelCalls,
    RoundRobin,
    RoundRobinConfig,
    SimpleExecutor,
    WorkflowConfigError,
    WorkflowStepStartedEvent,
)
from tests.workflows.conftest import prompt_of, system_of, workflows

POET = AgentExecutor(Agent(name="Poet", description="writes verse", system_prompt="Rhyme."))
CRITIC = AgentExecutor(Agent(name="Critic", description="finds faults", system_prompt="Judge."))
EDITOR = AgentExecutor(Agent(name="Editor", description="trims", system_prompt="Trim."))
CHAIR = AgentExecutor(Agent(name="Chair", system_prompt="Choose the next speaker."))
SCRIBE = AgentExecutor(Agent(name="Scribe", system_prompt="Sum up."))


async def test_participants_speak_in_order_one_at_a_time_then_the_synthesizer() -> None:
    model = ScriptedProvider([text(f"line {n}") for n in range(1, 7)] + [text("The poem.")])
    talk = RoundRobin(
        [POET, CRITIC, EDITOR], synthesizer=SCRIBE, config=RoundRobinConfig(max_rounds=2)
    )
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(talk, "A poem about rain")
    assert [system_of(r) for r in model.requests] == ["Rhyme.", "Judge.", "Trim."] * 2 + ["Sum up."]
    prompts = [prompt_of(r) for r in model.requests]
    assert (
        "You are Critic, taking turns with Poet, Editor. This is turn 2 of at most 6." in prompts[1]
    )
    assert "[Turn 1] Poet: line 1" in prompts[1]
    assert all(f"line {n}" in prompts[6] for n in range(1, 7))
    assert result.reason == "completed"
    assert result.output == "The poem."
    assert result.iterations == 2
    assert result.metadata["speakers"] == ["Poet", "Critic", "Editor"] * 2
    started = setup.of_type(WorkflowStepStartedEvent)
    assert [(e.role, e.tags.get("turn")) for e in started][:3] == [
        ("Poet", 1), ("Critic", 2), ("Editor", 3),
    ]  # fmt: skip
    assert setup.peak_steps_in_flight() == 1


async def test_the_selector_is_asked_before_each_turn_and_may_end_the_talk() -> None:
    picks = iter(["Critic", "Poet", None])

    def answer(request: LLMRequest) -> str:
        if system_of(request) == "Choose the next speaker.":
            return json.dumps({"speaker": next(picks)})
        return f"{system_of(request)} said it"

    model = FunctionProvider(answer)
    async with workflows(model) as setup:
        result = await setup.runtime.run(RoundRobin([POET, CRITIC, EDITOR], CHAIR), "Rain")
    assert [system_of(r) for r in model.requests] == [
        "Choose the next speaker.", "Judge.", "Choose the next speaker.", "Rhyme.",
        "Choose the next speaker.",
    ]  # fmt: skip
    first = prompt_of(model.requests[0])
    assert "- Poet: writes verse\n- Critic: finds faults\n- Editor: trims" in first
    assert "Critic spoke last and may not speak again now." in prompt_of(model.requests[2])
    assert result.reason == "completed"
    assert result.metadata["ended_by"] == "selector"
    assert result.output == "[Turn 1] Critic: Judge. said it\n\n[Turn 2] Poet: Rhyme. said it"


async def test_a_selector_stuck_on_the_last_speaker_never_repeats_it_and_the_run_ends() -> None:
    """The selector keeps naming the participant who just spoke, with repeats not allowed
    (autogen#7471 falls back to that very speaker and livelocks): the turn passes on in
    order, and the run ends within its limit."""

    def answer(request: LLMRequest) -> str:
        if system_of(request) != "Choose the next speaker.":
            return f"{system_of(request)} again"
        spoke = [line for line in prompt_of(request).splitlines() if line.startswith("[Turn ")]
        last = spoke[-1].split("] ")[1].split(":")[0] if spoke else "Poet"
        return json.dumps({"speaker": last})

    talk = RoundRobin([POET, CRITIC], CHAIR, config=RoundRobinConfig(max_rounds=3))
    async with workflows(FunctionProvider(answer)) as setup:
        result = await setup.runtime.run(talk, "Rain", limits=MaxModelCalls(100))
    speakers = result.metadata["speakers"]
    assert speakers == ["Poet", "Critic"] * 3
    assert result.reason == "completed"
    assert result.metadata["ended_by"] == "limit"
    assert result.usage.model_calls == 12  # 6 turns, each after one choice
    assert [f["turn"] for f in result.metadata["fallbacks"]] == [2, 3, 4, 5, 6]  # type: ignore[index,union-attr]


def test_a_round_robin_is_checked_when_built() -> None:
    with pytest.raises(WorkflowConfigError, match="at least two participants"):
        RoundRobin([POET])
    with pytest.raises(WorkflowConfigError, match="'selector' is the name of another role"):
        RoundRobin([POET, ("selector", SimpleExecutor())])
    with pytest.raises(WorkflowConfigError, match="allow_repeats lets a selector"):
        RoundRobin([POET, CRITIC], config=RoundRobinConfig(allow_repeats=True))
