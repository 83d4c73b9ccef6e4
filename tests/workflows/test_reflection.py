"""Reflection through the bus."""

from __future__ import annotations

from llmgine.testing import ScriptedProvider, text
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    Reflection,
    ReflectionConfig,
    WorkflowFailedEvent,
    WorkflowStepCompletedEvent,
)
from tests.workflows.conftest import prompt_of, system_of, workflows
from tests.workflows.test_refinement_family_decisions import review

AUTHOR = AgentExecutor(Agent(name="author", system_prompt="You write."))
EDITOR = AgentExecutor(Agent(name="editor", system_prompt="You reflect."))


async def test_the_reflector_compares_real_versions_and_the_best_one_is_the_answer() -> None:
    model = ScriptedProvider(
        [
            text("Tides come from the Moon."),
            text(review(0.5, "Say how.")),
            text("The Moon's pull raises two bulges of water."),
            text(review(0.8, "Mention the Sun.")),
            text("Tides come from the Moon and the Sun, and are very, very long to explain."),
            text(review(0.7, "Worse: rambles.")),
        ]
    )
    reflection = Reflection(AUTHOR, EDITOR, ReflectionConfig(max_reflections=5))
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(reflection, "Why are there tides?")
    systems = [system_of(r) for r in model.requests]
    assert systems == ["You write.", "You reflect."] * 3
    prompts = [prompt_of(r) for r in model.requests]
    assert prompts[0] == "Why are there tides?"
    assert "Version 1 of the answer:\nTides come from the Moon." in prompts[1]
    assert "Why are there tides?" in prompts[2]
    assert "Tides come from the Moon." in prompts[2]
    assert "(score 0.50 of 1):\nSay how." in prompts[2]
    # The second reflection sees version 2, and version 1 as the version before it.
    assert "Version 2 of the answer:\nThe Moon's pull" in prompts[3]
    assert "which you scored 0.50:\nTides come from the Moon.\n" in prompts[3]
    assert "which you scored 0.80:\nThe Moon's pull raises two bulges of water." in prompts[5]
    assert result.reason == "completed"
    assert result.output == "The Moon's pull raises two bulges of water."
    assert result.iterations == 3
    assert result.metadata == {
        "stopped": "no_improvement", "scores": [0.5, 0.8, 0.7], "best_version": 2,
    }  # fmt: skip
    assert [e.role for e in setup.of_type(WorkflowStepCompletedEvent)] == [
        "generator", "reflector",
    ] * 3  # fmt: skip
    assert setup.peak_steps_in_flight() == 1


async def test_the_generator_reflects_on_itself_and_stops_at_the_target() -> None:
    model = ScriptedProvider([text("A fine answer."), text(review(0.9))])
    reflection = Reflection(AUTHOR, config=ReflectionConfig(target_score=0.85))
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(reflection, "Why?")
    assert [system_of(r) for r in model.requests] == ["You write.", "You write."]
    assert [(s.role, s.executor) for s in result.steps] == [
        ("generator", "author"), ("reflector", "author"),
    ]  # fmt: skip
    assert result.output == "A fine answer."
    assert result.metadata["stopped"] == "target_score"


async def test_a_reflection_without_a_score_fails_the_run() -> None:
    model = ScriptedProvider([text("An answer."), text("Looks great to me, 9/10!")])
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(Reflection(AUTHOR, EDITOR), "Why?")
    assert result.reason == "failed"
    assert "is not a Review object" in (result.error or "")
    assert [s.status for s in result.steps] == ["completed", "completed"]
    assert len(setup.of_type(WorkflowFailedEvent)) == 1
