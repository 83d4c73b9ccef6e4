"""Iterative refinement through the bus."""

from __future__ import annotations

import re
from typing import Any

from llmgine.llm import LLMRequest
from llmgine.testing import Fault, FunctionProvider, ScriptStep
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    Critic,
    IterativeRefinement,
    IterativeRefinementConfig,
    MaxModelCalls,
    Review,
    StructuredExecutor,
    WorkflowBudgetExceededEvent,
    WorkflowCompletedEvent,
    WorkflowFailedEvent,
    WorkflowStepFailedEvent,
    WorkflowStepStartedEvent,
)
from tests.workflows.conftest import Crowd, prompt_of, system_of, workflows
from tests.workflows.test_refinement_family_decisions import review

WRITER = AgentExecutor(Agent(name="writer", system_prompt="You write."))
STYLIST = AgentExecutor(Agent(name="stylist", system_prompt="You judge style."))
CHECKER = AgentExecutor(Agent(name="checker", system_prompt="You check facts."))
CRITICS = [
    Critic(executor=STYLIST, specialty="style", goal="plain words", weight=1),
    Critic(executor=CHECKER, specialty="facts", weight=3),
]


def drafts(request: LLMRequest) -> str:
    """The writer's answer: draft 1, then the next number for each revision of a draft."""
    before = re.findall(r"^draft (\d+)$", prompt_of(request), flags=re.MULTILINE)
    return f"draft {int(before[0]) + 1}" if before else "draft 1"


async def test_critics_review_each_draft_at_once_until_the_weighted_quality_is_enough() -> None:
    crowd = Crowd(2)

    async def answer(request: LLMRequest) -> str:
        if system_of(request) == "You write.":
            return drafts(request)
        await crowd.enter()
        if system_of(request) == "You judge style.":
            return review(1.0, "fine")
        return review(0.9 if "draft 2" in prompt_of(request) else 0.2, "cite the source")

    config = IterativeRefinementConfig(max_iterations=4, min_quality=0.9)
    model = FunctionProvider(answer)
    async with workflows(model) as setup:
        result = await setup.runtime.run(IterativeRefinement(WRITER, CRITICS, config), "Tides?")
    assert [(s.role, s.executor, s.tags["iteration"]) for s in result.steps] == [
        ("producer", "writer", 1), ("style", "stylist", 1), ("facts", "checker", 1),
        ("producer", "writer", 2), ("style", "stylist", 2), ("facts", "checker", 2),
    ]  # fmt: skip
    assert crowd.peak == 2
    assert setup.peak_steps_in_flight() == 2
    prompts = [(system_of(r), prompt_of(r)) for r in model.requests]
    assert prompts[0] == ("You write.", "Tides?")
    assert all("Tides?" in p and "draft 1" in p for s, p in prompts[1:3])
    assert "Your goal: plain words" in result.steps[1].input
    revision = prompts[3][1]
    assert "quality 0.40 of 1" in revision  # (1 * 1.0 + 3 * 0.2) / 4
    assert revision.index("[facts critic, weight 3, score 0.20]\ncite the source") < (
        revision.index("[style critic, weight 1, score 1.00]\nfine")
    )
    assert result.reason == "completed"
    assert result.output == "draft 2"
    assert result.iterations == 2
    assert result.metadata == {
        "stopped": "min_quality", "quality": [0.4, 0.925], "best_iteration": 2,
        "missing_reviews": [],
    }  # fmt: skip
    assert result.usage.model_calls == 6
    (done,) = setup.of_type(WorkflowCompletedEvent)
    assert done.output.text == "draft 2"
    assert done.iterations == 2


async def test_a_failed_critic_is_a_failed_step_and_the_refinement_goes_on_without_it() -> None:
    def answer(request: LLMRequest) -> ScriptStep:
        if system_of(request) == "You write.":
            return drafts(request)
        if system_of(request) == "You judge style.":
            return Fault.server_error()
        return review(0.5)

    model = FunctionProvider(answer)
    refinement = IterativeRefinement(WRITER, CRITICS, IterativeRefinementConfig(max_iterations=2))
    async with workflows(model) as setup:
        result = await setup.runtime.run(refinement, "Tides?")
    assert result.reason == "completed"
    assert [s.status for s in result.steps if s.role == "style"] == ["failed", "failed"]
    assert all(s.output == "" for s in result.steps if s.role == "style")
    failed = setup.of_type(WorkflowStepFailedEvent)
    assert [(e.role, e.error_kind) for e in failed] == [("style", "server_error")] * 2
    assert "[style critic, weight 1] gave no review." in result.steps[3].input
    assert result.metadata["quality"] == [0.5, 0.5]
    missing: Any = result.metadata["missing_reviews"]
    assert [m["critic"] for m in missing] == ["style", "style"]

    strict = IterativeRefinement(
        WRITER, CRITICS, IterativeRefinementConfig(on_critic_failure="fail")
    )
    async with workflows(FunctionProvider(answer)) as setup:
        result = await setup.runtime.run(strict, "Tides?")
    assert result.reason == "failed"
    assert result.output == ""
    assert "the style critic gave no review of draft 1" in (result.error or "")
    assert len(setup.of_type(WorkflowFailedEvent)) == 1
    assert len(setup.of_type(WorkflowStepStartedEvent)) == 3  # no revision


async def test_a_structured_critic_and_a_convergence_that_stops_the_refinement() -> None:
    judge = StructuredExecutor(Agent(name="judge", system_prompt="You judge."), Review)
    scores = iter([0.6, 0.65, 0.9])

    def answer(request: LLMRequest) -> str:
        if system_of(request) == "You write.":
            return drafts(request)
        assert request.response_format is Review
        return review(next(scores))

    config = IterativeRefinementConfig(max_iterations=3, convergence_threshold=0.1)
    refinement = IterativeRefinement(WRITER, [Critic(executor=judge, specialty="overall")], config)
    async with workflows(FunctionProvider(answer)) as setup:
        result = await setup.runtime.run(refinement, "Tides?")
    assert result.reason == "completed"
    assert result.steps[1].parsed == Review(score=0.6, feedback="more detail")
    assert result.metadata["stopped"] == "converged"
    assert result.output == "draft 2"
    assert len(result.steps) == 4


async def test_a_call_budget_stops_the_refinement_between_its_steps_and_names_the_limit() -> None:
    def answer(request: LLMRequest) -> str:
        return drafts(request) if system_of(request) == "You write." else review(0.1)

    refinement = IterativeRefinement(WRITER, CRITICS, IterativeRefinementConfig(max_iterations=3))
    async with workflows(FunctionProvider(answer)) as setup:
        result = await setup.runtime.run(refinement, "Tides?", limits=MaxModelCalls(4))
    assert result.reason == "budget_exceeded"
    assert result.limit == "max_model_calls"
    assert result.output == ""
    assert [(s.role, s.tags["iteration"]) for s in result.steps] == [
        ("producer", 1), ("style", 1), ("facts", 1), ("producer", 2),
    ]  # fmt: skip
    assert result.usage.model_calls == 4
    assert len(setup.of_type(WorkflowBudgetExceededEvent)) == 1
