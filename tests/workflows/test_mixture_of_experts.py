"""Mixture of experts through the bus: a router agent that is really asked, experts at
once, a combiner."""

from __future__ import annotations

import json

import pytest

from llmgine.llm import LLMRequest
from llmgine.testing import Fault, FunctionProvider, ScriptStep
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    Expert,
    MixtureOfExperts,
    MixtureOfExpertsConfig,
    WorkflowConfigError,
    WorkflowStepFailedEvent,
    WorkflowStepStartedEvent,
)
from tests.workflows.conftest import Crowd, prompt_of, system_of, workflows


def agent(name: str, about: str = "") -> AgentExecutor:
    return AgentExecutor(Agent(name=name, description=about, system_prompt=f"{name}."))


TAX, CODE, FOOD = agent("tax", "tax law"), agent("code", "software"), agent("food", "cooking")
ROUTER, COMBINER = agent("Router"), agent("Combiner")


async def test_semantic_routing_asks_the_router_agent_and_the_experts_at_once() -> None:
    crowd = Crowd(2)

    async def answer(request: LLMRequest) -> str:
        who = system_of(request)
        if who == "Router.":
            return json.dumps({"experts": ["food", "tax"]})
        if who == "Combiner.":
            return "Bread is taxed at 5%."
        await crowd.enter()
        return f"{who} answer"

    model = FunctionProvider(answer)
    moe = MixtureOfExperts([TAX, CODE, FOOD], ROUTER, COMBINER)
    async with workflows(model) as setup:
        result = await setup.runtime.run(moe, "What VAT applies to bread?")
    route = prompt_of(model.requests[0])
    assert "- tax: tax law\n- code: software\n- food: cooking" in route
    assert crowd.peak == 2
    experts = [r for r in model.requests if system_of(r) in ("tax.", "food.")]
    assert all(prompt_of(r) == "What VAT applies to bread?" for r in experts)
    combine = prompt_of(model.requests[-1])
    assert "[food: cooking]\nfood. answer" in combine
    assert "[tax: tax law]\ntax. answer" in combine
    assert "code." not in [system_of(r) for r in model.requests]
    assert result.reason == "completed"
    assert result.output == "Bread is taxed at 5%."
    assert result.metadata["experts"] == ["food", "tax"]
    assert result.iterations == 2
    started = setup.of_type(WorkflowStepStartedEvent)
    assert [e.role for e in started] == ["router", "food", "tax", "combiner"]


async def test_keyword_routing_makes_no_router_call_and_a_failed_expert_is_left_out() -> None:
    def answer(request: LLMRequest) -> ScriptStep:
        return Fault.server_error() if system_of(request) == "code." else f"{system_of(request)} ok"

    experts = [Expert(TAX, ("vat",)), Expert(CODE, ("python",)), Expert(FOOD, ("bread",))]
    config = MixtureOfExpertsConfig(routing="keyword", combine="concatenate", top_k=3)
    model = FunctionProvider(answer)
    async with workflows(model) as setup:
        result = await setup.runtime.run(
            MixtureOfExperts(experts, config=config), "VAT on bread baked by a python script"
        )
    assert sorted(system_of(r) for r in model.requests) == ["code.", "food.", "tax."]
    assert result.reason == "completed"
    assert result.output == "[tax]\ntax. ok\n\n[food]\nfood. ok"
    assert result.metadata["failed_experts"] == ["code"]
    (failed,) = setup.of_type(WorkflowStepFailedEvent)
    assert failed.role == "code"


def test_a_mixture_of_experts_is_checked_when_built() -> None:
    with pytest.raises(WorkflowConfigError, match="give a router"):
        MixtureOfExperts([TAX, CODE], combiner=COMBINER)
    with pytest.raises(WorkflowConfigError, match="never asks a router"):
        MixtureOfExperts([TAX, CODE], ROUTER, COMBINER, MixtureOfExpertsConfig(routing="all"))
    with pytest.raises(WorkflowConfigError, match="give a combiner"):
        MixtureOfExperts([TAX, CODE], ROUTER)
    with pytest.raises(WorkflowConfigError, match="leave the combiner out"):
        MixtureOfExperts(
            [TAX, CODE], ROUTER, COMBINER, MixtureOfExpertsConfig(combine="concatenate")
        )
    keyword = MixtureOfExpertsConfig(routing="keyword", combine="concatenate")
    with pytest.raises(WorkflowConfigError, match="'code' has no keywords"):
        MixtureOfExperts([Expert(TAX, ("vat",)), CODE], config=keyword)
    every = MixtureOfExpertsConfig(routing="all", combine="concatenate")
    with pytest.raises(WorkflowConfigError, match="never reads"):
        MixtureOfExperts([Expert(TAX, ("vat",)), CODE], config=every)
    with pytest.raises(ValueError, match="top_k does not apply"):
        MixtureOfExpertsConfig(routing="all", top_k=3)
    with pytest.raises(WorkflowConfigError, match="at least two"):
        MixtureOfExperts([TAX], ROUTER, COMBINER)
    with pytest.raises(WorkflowConfigError, match="two experts are named 'tax'"):
        MixtureOfExperts([TAX, Expert(CODE, name="tax")], ROUTER, COMBINER)
