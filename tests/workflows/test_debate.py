"""The debate through the bus."""

from __future__ import annotations

import pytest

from llmgine.llm import LLMRequest
from llmgine.testing import FunctionProvider, ScriptedProvider, text
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    Debate,
    DebateConfig,
    SimpleExecutor,
    WorkflowConfigError,
    WorkflowStepStartedEvent,
)
from tests.workflows.conftest import Crowd, prompt_of, system_of, workflows

PRO = AgentExecutor(Agent(name="Pro", system_prompt="You argue for."))
CON = AgentExecutor(Agent(name="Con", system_prompt="You argue against."))
JUDGE = AgentExecutor(Agent(name="Arbiter", system_prompt="You judge."))


async def test_participants_take_turns_and_the_judge_hears_everything() -> None:
    model = ScriptedProvider(
        [text("pro 1"), text("con 1"), text("pro 2"), text("con 2"), text("Pro wins")]
    )
    debate = Debate([PRO, CON], judge=JUDGE, config=DebateConfig(max_rounds=2))
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(debate, "Should cities ban cars?")
    systems = [system_of(r) for r in model.requests]
    assert systems == ["You argue for.", "You argue against."] * 2 + ["You judge."]
    prompts = [prompt_of(r) for r in model.requests]
    assert all("Should cities ban cars?" in p for p in prompts)
    assert "pro 1" not in prompts[0]
    assert "[Round 1] Pro: pro 1" in prompts[1]
    assert "[Round 1] Con: con 1" in prompts[2]
    assert all(f"{w} {n}" in prompts[4] for w in ("pro", "con") for n in (1, 2))
    assert result.reason == "completed"
    assert result.output == "Pro wins"
    assert result.iterations == 2
    assert result.metadata["judged"] is True
    started = setup.of_type(WorkflowStepStartedEvent)
    assert [(e.role, e.executor, e.tags.get("round")) for e in started] == [
        ("Pro", "Pro", 1), ("Con", "Con", 1), ("Pro", "Pro", 2), ("Con", "Con", 2),
        ("judge", "Arbiter", None),
    ]  # fmt: skip
    assert setup.peak_steps_in_flight() == 1  # one speaker at a time


async def test_parallel_rounds_run_the_participants_at_once() -> None:
    crowd = Crowd(2)

    async def argue(request: LLMRequest) -> str:
        await crowd.enter()
        return f"{system_of(request)} says so"

    debate = Debate([PRO, CON], config=DebateConfig(max_rounds=2, parallel_rounds=True))
    async with workflows(FunctionProvider(argue)) as setup:
        result = await setup.runtime.run(debate, "Tabs or spaces?")
    assert crowd.peak == 2
    assert setup.peak_steps_in_flight() == 2
    assert [s.tags["round"] for s in result.steps] == [1, 1, 2, 2]
    assert "You argue against. says so" in result.steps[2].input  # round 2 heard round 1
    assert result.output.startswith("[Round 1] ")


async def test_the_debate_stops_at_consensus() -> None:
    def argue(request: LLMRequest) -> str:
        round_ = 1 if "round 1 of" in prompt_of(request) else 2
        return "Still no.\nStance: DISAGREE" if round_ == 1 else "Convinced.\nStance: AGREE"

    debate = Debate([PRO, CON], config=DebateConfig(max_rounds=5, detect_consensus=True))
    model = FunctionProvider(argue)
    async with workflows(model) as setup:
        result = await setup.runtime.run(debate, "Is a hot dog a sandwich?")
    assert len(model.requests) == 4
    assert "Stance: AGREE" in prompt_of(model.requests[0])
    assert result.metadata["consensus"] is True
    assert result.metadata["rounds"] == 2
    assert result.iterations == 2


def test_a_debate_needs_two_distinct_participants() -> None:
    with pytest.raises(WorkflowConfigError, match="at least two participants"):
        Debate([PRO])
    with pytest.raises(WorkflowConfigError, match="two participants are named 'Pro'"):
        Debate([PRO, ("Pro", CON)])
    with pytest.raises(WorkflowConfigError, match="'judge' is the name of another role"):
        Debate([PRO, ("judge", SimpleExecutor())])
