"""Consensus through the bus: proposals at once, votes at once, read strictly."""

from __future__ import annotations

import pytest

from llmgine.llm import LLMRequest
from llmgine.testing import Fault, FunctionProvider, ScriptStep
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    Consensus,
    ConsensusConfig,
    WorkflowConfigError,
    WorkflowStepFailedEvent,
    WorkflowStepStartedEvent,
)
from tests.workflows.conftest import Crowd, prompt_of, system_of, workflows

NAMES = ("Ann", "Ben", "Cat")
PEOPLE = [AgentExecutor(Agent(name=n, system_prompt=f"You are {n}.")) for n in NAMES]


def voting(request: LLMRequest) -> bool:
    return "Vote for the proposal" in prompt_of(request)


async def test_proposals_and_votes_each_run_at_once_and_a_majority_wins() -> None:
    crowd = Crowd(3)
    ballots = {"You are Ann.": '{"proposal": 2}', "You are Ben.": "Proposal 2, clearly."}

    async def answer(request: LLMRequest) -> str:
        await crowd.enter()
        who = system_of(request)
        if not voting(request):
            return f"plan by {who[8:-1]}"
        return ballots.get(who, '```json\n{"proposal": 2, "reason": "short"}\n```')

    model = FunctionProvider(answer)
    async with workflows(model) as setup:
        result = await setup.runtime.run(Consensus(PEOPLE), "Name the boat.")
    assert crowd.peak == 3  # three proposers at once, then three voters at once
    assert len(model.requests) == 6
    vote_prompt = prompt_of(model.requests[3])
    assert "Proposal 1:\nplan by Ann\n\nProposal 2:\nplan by Ben" in vote_prompt
    assert '{"proposal": <its number>, "reason": "<one sentence>"}' in vote_prompt
    assert result.reason == "completed"
    assert result.output == "plan by Ben"
    assert result.metadata["winner"] == "Ben"
    assert result.metadata["agreement"] == pytest.approx(2 / 3)
    statuses = [b["status"] for b in result.metadata["ballots"]]  # type: ignore[index,union-attr]
    assert statuses == ["counted", "malformed", "counted"]  # Ben's prose is not a vote
    started = setup.of_type(WorkflowStepStartedEvent)
    assert [e.tags["stage"] for e in started] == ["propose"] * 3 + ["vote"] * 3
    assert setup.peak_steps_in_flight() == 3


async def test_unanimity_takes_more_rounds_and_a_failed_voter_is_recorded() -> None:
    def answer(request: LLMRequest) -> ScriptStep:
        who = system_of(request)
        if not voting(request):
            again = "reached no agreement" in prompt_of(request)
            return f"plan by {who[8:-1]}{' again' if again else ''}"
        if who == "You are Cat." and "again" not in prompt_of(request):
            return Fault.server_error()
        return '{"proposal": 3}'

    model = FunctionProvider(answer)
    config = ConsensusConfig(strategy="unanimous", max_rounds=3)
    async with workflows(model) as setup:
        result = await setup.runtime.run(Consensus(PEOPLE, config=config), "Name the boat.")
    # Round 1: Ann and Ben vote 3, Cat's vote fails: not unanimous. Round 2: all vote 3.
    assert result.metadata["rounds"] == 2
    assert result.iterations == 2
    assert result.output == "plan by Cat again"
    assert len(model.requests) == 12
    (failed,) = setup.of_type(WorkflowStepFailedEvent)
    assert (failed.role, failed.error_kind) == ("Cat", "server_error")
    first_ballots = [b for b in result.metadata["ballots"] if b["round"] == 1]  # type: ignore[index,union-attr]
    assert [b["status"] for b in first_ballots] == ["counted", "counted", "failed"]  # type: ignore[index]


async def test_separate_voters_with_weights() -> None:
    judges = [AgentExecutor(Agent(name=n, system_prompt=n)) for n in ("Vi", "Wu")]

    def answer(request: LLMRequest) -> str:
        if not voting(request):
            return f"plan {system_of(request)}"
        return '{"proposal": 1}' if system_of(request) == "Vi" else '{"proposal": 2}'

    config = ConsensusConfig(strategy="weighted", weights={"Wu": 3.0}, max_rounds=1)
    model = FunctionProvider(answer)
    async with workflows(model) as setup:
        result = await setup.runtime.run(Consensus(PEOPLE[:2], judges, config), "Name it.")
    assert [system_of(r) for r in model.requests[2:]] == ["Vi", "Wu"]
    assert result.output == "plan You are Ben."
    assert result.metadata["consensus"] is True  # 3 of 4 by weight


def test_a_consensus_is_checked_when_built() -> None:
    with pytest.raises(WorkflowConfigError, match="at least two proposers"):
        Consensus(PEOPLE[:1])
    with pytest.raises(WorkflowConfigError, match="weights name no voter: 'Zed'"):
        Consensus(PEOPLE, config=ConsensusConfig(strategy="weighted", weights={"Zed": 2.0}))
    impostor = AgentExecutor(Agent(name="Ann"))
    with pytest.raises(WorkflowConfigError, match="both named 'Ann'"):
        Consensus(PEOPLE, [impostor])
    assert Consensus(PEOPLE, PEOPLE[:1]).voters == ("Ann",)  # the same agent may do both
