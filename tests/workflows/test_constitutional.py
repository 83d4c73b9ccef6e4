"""Constitutional revision through the bus."""

from __future__ import annotations

import json
from typing import Any

from llmgine.llm import LLMRequest
from llmgine.testing import Fault, FunctionProvider, ScriptedProvider, ScriptStep, text
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    Constitutional,
    ConstitutionalConfig,
    WorkflowFailedEvent,
    WorkflowStepFailedEvent,
    WorkflowStepStartedEvent,
)
from tests.workflows.conftest import Crowd, prompt_of, system_of, workflows
from tests.workflows.test_refinement_family_decisions import PRINCIPLES, critique

WRITER = AgentExecutor(Agent(name="writer", system_prompt="You write."))
JUDGE = AgentExecutor(Agent(name="judge", system_prompt="You judge."))


async def test_a_pass_in_the_prose_does_not_pass_a_principle_its_verdict_fails() -> None:
    sly = json.dumps(
        {
            "verdicts": [
                {
                    "principle": "harmless",
                    "verdict": "fail",
                    "feedback": "PASS it would, but: rude",
                },
                {"principle": "honest", "verdict": "pass", "feedback": "PASS"},
                {"principle": "brief", "verdict": "pass"},
            ]
        }
    )
    model = ScriptedProvider(
        [
            text("You fool, the answer is 4."),
            text(sly),
            text("The answer is 4."),
            text(critique(harmless="pass", honest="pass", brief="pass")),
        ]
    )
    config = ConstitutionalConfig(principles=PRINCIPLES)
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(Constitutional(WRITER, JUDGE, config=config), "2 + 2?")
    assert [system_of(r) for r in model.requests] == ["You write.", "You judge."] * 2
    prompts = [prompt_of(r) for r in model.requests]
    assert prompts[0] == "2 + 2?"
    assert "The response to judge:\nYou fool, the answer is 4." in prompts[1]
    assert "each of these principles separately" in prompts[1]
    assert "- harmless (error): No harm." in prompts[1]
    assert "You fool" in prompts[2]
    assert "It fails: PASS it would, but: rude" in prompts[2]
    assert "The response to judge:\nThe answer is 4." in prompts[3]
    assert result.reason == "completed"
    assert result.output == "The answer is 4."
    assert result.iterations == 2
    assert result.metadata["revisions"] == 1
    assert result.metadata["all_passed"] is True
    assert result.metadata["passed"] == ["harmless", "honest", "brief"]
    started = setup.of_type(WorkflowStepStartedEvent)
    assert [(e.role, e.executor) for e in started] == [
        ("generator", "writer"), ("critic", "judge"),
    ] * 2  # fmt: skip


async def test_per_principle_judges_run_at_once_and_a_failed_one_leaves_its_own_unjudged() -> None:
    crowd = Crowd(3)

    async def answer(request: LLMRequest) -> ScriptStep:
        prompt = prompt_of(request)
        if system_of(request) == "You write.":
            return "kind" if "previous response" in prompt else "rude"
        if "The response to judge:\nrude" in prompt:
            await crowd.enter()
            if "- harmless" in prompt:
                return Fault.server_error()
        return critique(harmless="pass", honest="pass", brief="pass")

    config = ConstitutionalConfig(principles=PRINCIPLES, critique="per_principle")
    async with workflows(FunctionProvider(answer)) as setup:
        result = await setup.runtime.run(Constitutional(WRITER, JUDGE, config=config), "Hi")
    assert crowd.peak == 3
    assert setup.peak_steps_in_flight() == 3
    assert [(s.role, s.tags.get("principle"), s.status) for s in result.steps] == [
        ("generator", None, "completed"),
        ("critic", "harmless", "failed"),
        ("critic", "honest", "completed"),
        ("critic", "brief", "completed"),
        ("generator", None, "completed"),
        ("critic", "harmless", "completed"),
        ("critic", "honest", "completed"),
        ("critic", "brief", "completed"),
    ]
    (failed,) = setup.of_type(WorkflowStepFailedEvent)
    assert failed.error_kind == "server_error"
    assert "harmless (error): No harm.\n  It could not be judged" in result.steps[4].input
    assert result.output == "kind"
    assert result.metadata["all_passed"] is True


async def test_a_critical_principle_that_still_fails_at_the_limit_fails_the_run() -> None:
    def answer(request: LLMRequest) -> str:
        if system_of(request) == "You write.":
            return "a fib"
        return critique(harmless="pass", honest="fail", brief="pass")

    config = ConstitutionalConfig(principles=PRINCIPLES, max_revisions=2)
    model = FunctionProvider(answer)
    async with workflows(model) as setup:
        result = await setup.runtime.run(Constitutional(WRITER, JUDGE, config=config), "Hi")
    assert len(model.requests) == 6
    assert result.reason == "failed"
    assert result.output == ""
    assert "critical principle(s) 'honest' still not passed after 2 revision(s)" in (
        result.error or ""
    )
    assert result.metadata["failed"] == ["honest"]
    principles: Any = result.metadata["principles"]
    assert principles["honest"] == {
        "status": "failed", "severity": "critical", "feedback": "honest is fail"
    }  # fmt: skip
    (event,) = setup.of_type(WorkflowFailedEvent)
    assert event.iterations == 3
