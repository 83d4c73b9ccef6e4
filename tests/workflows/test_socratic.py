"""Socratic dialogue through the bus."""

from __future__ import annotations

from llmgine.llm import LLMRequest
from llmgine.testing import Fault, FunctionProvider, ScriptedProvider, ScriptStep, text
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    Socratic,
    SocraticConfig,
    WorkflowCompletedEvent,
    WorkflowFailedEvent,
    WorkflowStepStartedEvent,
)
from tests.workflows.conftest import prompt_of, system_of, workflows

ASKER = AgentExecutor(Agent(name="socrates", system_prompt="You ask."))
ANSWERER = AgentExecutor(Agent(name="meno", system_prompt="You answer."))
SUMMER = AgentExecutor(Agent(name="plato", system_prompt="You sum up."))


async def test_the_questioner_ends_the_dialogue_and_the_synthesizer_sums_it_up() -> None:
    model = ScriptedProvider(
        [
            text("What is virtue?"),
            text("Knowing the good."),
            text("Can it be taught?"),
            text("Perhaps not."),
            text("We have gone far enough.\nNo more questions."),
            text("Virtue may be knowledge, yet not taught."),
        ]
    )
    socratic = Socratic(ASKER, ANSWERER, SUMMER, SocraticConfig(mode="teacher_student"))
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(socratic, "Virtue")
    systems = [system_of(r) for r in model.requests]
    assert systems == ["You ask.", "You answer."] * 2 + ["You ask.", "You sum up."]
    prompts = [prompt_of(r) for r in model.requests]
    assert prompts[0].startswith("You are a Socratic teacher questioning a student.")
    assert "Topic: Virtue" in prompts[0]
    assert "The question:\nWhat is virtue?" in prompts[1]
    assert "Q1: What is virtue?\nA1: Knowing the good." in prompts[2]
    assert "Q2: Can it be taught?\nA2: Perhaps not." in prompts[4]
    assert "Q2: Can it be taught?\nA2: Perhaps not." in prompts[5]
    assert "No more questions" not in prompts[5]
    assert result.reason == "completed"
    assert result.output == "Virtue may be knowledge, yet not taught."
    assert result.iterations == 3
    assert result.metadata == {
        "exchanges": 2, "stopped": "questioner_ended", "mode": "teacher_student",
        "synthesized": True,
    }  # fmt: skip
    started = setup.of_type(WorkflowStepStartedEvent)
    assert [(e.role, e.executor) for e in started] == [
        ("questioner", "socrates"), ("respondent", "meno"),
        ("questioner", "socrates"), ("respondent", "meno"),
        ("questioner", "socrates"), ("synthesizer", "plato"),
    ]  # fmt: skip
    assert setup.peak_steps_in_flight() == 1


async def test_without_a_synthesizer_the_dialogue_is_the_answer_and_a_repeat_ends_it() -> None:
    questions = iter(["What is a law?", "Who makes it?", "What is a law?"])

    def answer(request: LLMRequest) -> str:
        return next(questions) if system_of(request) == "You ask." else "It depends."

    model = FunctionProvider(answer)
    async with workflows(model) as setup:
        result = await setup.runtime.run(Socratic(ASKER, ANSWERER), "Law")
    assert len(model.requests) == 5
    assert result.output == (
        "Q1: What is a law?\nA1: It depends.\n\nQ2: Who makes it?\nA2: It depends."
    )
    assert result.metadata["stopped"] == "repeated_question"
    (done,) = setup.of_type(WorkflowCompletedEvent)
    assert done.steps == 5


async def test_a_failed_answer_fails_the_run() -> None:
    def answer(request: LLMRequest) -> ScriptStep:
        return "Why?" if system_of(request) == "You ask." else Fault.server_error()

    async with workflows(FunctionProvider(answer)) as setup:
        result = await setup.runtime.run(Socratic(ASKER, ANSWERER), "Law")
    assert result.reason == "failed"
    assert "the respondent step of the dialogue" in (result.error or "")
    assert len(setup.of_type(WorkflowFailedEvent)) == 1
