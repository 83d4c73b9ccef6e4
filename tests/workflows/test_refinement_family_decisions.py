"""The refinement family's control flow as pure functions: iterative refinement, reflection,
chain of density, Socratic dialogue and constitutional revision, with no event loop."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from pydantic import ValidationError

from llmgine.workflows import (
    Agent,
    AgentStep,
    ChainOfDensityConfig,
    Constitutional,
    ConstitutionalConfig,
    Critic,
    Decision,
    Fail,
    Finish,
    IterativeRefinement,
    IterativeRefinementConfig,
    Principle,
    ReflectionConfig,
    RunSteps,
    SimpleExecutor,
    SocraticConfig,
    StepRecord,
    StructuredExecutor,
    WorkflowConfigError,
    decide_chain_of_density,
    decide_constitutional,
    decide_iterative_refinement,
    decide_reflection,
    decide_socratic,
)
from tests.workflows.test_decisions import broken, done

Say = Callable[[AgentStep, int], str | None]
"""What a step replies, given the step and how many steps came before it (None: it fails)."""


def play(decide: Callable[[list[StepRecord]], Decision], say: Say) -> tuple[Any, list[StepRecord]]:
    """Run a decision function to its end, each step answered by ``say``."""
    steps: list[StepRecord] = []
    while True:
        decision = decide(steps)
        if not isinstance(decision, RunSteps):
            return decision, steps
        for step in decision.steps:
            assert isinstance(step, AgentStep)
            reply = say(step, len(steps))
            record = StepRecord(
                index=len(steps) + 1, role=step.role, executor=step.role, kind="agent",
                tags=dict(step.tags), input=step.input, status="completed", output=reply or "",
            )  # fmt: skip
            steps.append(record if reply is not None else broken(record))


def review(score: float, feedback: str = "more detail") -> str:
    return json.dumps({"score": score, "feedback": feedback})


# -- iterative refinement ----------------------------------------------------------------

WRITER = SimpleExecutor(name="writer")


def critics(style: float = 1.0, facts: float = 1.0) -> tuple[Critic, ...]:
    return (
        Critic(executor=SimpleExecutor(name="s"), specialty="style", goal="clear", weight=style),
        Critic(executor=SimpleExecutor(name="f"), specialty="facts", weight=facts),
    )


def refine(
    config: IterativeRefinementConfig, crew: Sequence[Critic], scores: dict[str, list[float]]
) -> tuple[Any, list[StepRecord]]:
    """Drafts are "draft N"; each critic scores draft N with ``scores[critic][N - 1]``."""

    def say(step: AgentStep, _: int) -> str | None:
        number = int(step.tags["iteration"])
        if step.role == "producer":
            return f"draft {number}"
        return review(scores[step.role][number - 1], f"{step.role} feedback {number}")

    return play(lambda steps: decide_iterative_refinement(config, crew, "Write", steps), say)


def test_the_critics_review_each_draft_at_once_and_the_producer_revises_from_them() -> None:
    config = IterativeRefinementConfig(max_iterations=2, max_parallel=1)
    first = decide_iterative_refinement(config, critics(), "Write a haiku", [])
    assert isinstance(first, RunSteps)
    assert [s.role for s in first.steps if isinstance(s, AgentStep)] == ["producer"]
    end, steps = refine(config, critics(style=1, facts=3), {"style": [1, 1], "facts": [0, 0]})
    assert [s.role for s in steps] == ["producer", "style", "facts"] * 2
    review_prompt = steps[1].input
    assert "You are a style critic" in review_prompt
    assert "Your goal: clear" in review_prompt
    assert "draft 1" in review_prompt
    assert '"score"' in review_prompt
    revision = steps[3].input
    assert "draft 1" in revision
    # The weightiest critic's feedback comes first, with its weight and score.
    assert revision.index("[facts critic, weight 3, score 0.00]") < revision.index("[style")
    assert "facts feedback 1" in revision
    assert isinstance(end, Finish)
    assert end.metadata["stopped"] == "max_iterations"
    assert end.metadata["quality"] == [0.25, 0.25]


def test_the_weights_decide_the_quality_and_so_when_it_is_good_enough() -> None:
    config = IterativeRefinementConfig(max_iterations=3, min_quality=0.7)
    scores = {"style": [1.0, 1.0, 1.0], "facts": [0.0, 1.0, 1.0]}
    heavy_style, steps = refine(config, critics(style=3, facts=1), scores)
    assert heavy_style.metadata["quality"] == [0.75]  # (3 * 1 + 1 * 0) / 4
    assert heavy_style.metadata["stopped"] == "min_quality"
    assert len(steps) == 3
    heavy_facts, steps = refine(config, critics(style=1, facts=3), scores)
    assert heavy_facts.metadata["quality"] == [0.25, 1.0]
    assert heavy_facts.output == "draft 2"


def test_the_convergence_threshold_stops_a_refinement_that_no_longer_gains() -> None:
    scores = {"style": [0.5, 0.55, 0.9, 1.0], "facts": [0.5, 0.55, 0.9, 1.0]}
    converged = IterativeRefinementConfig(max_iterations=4, convergence_threshold=0.1)
    end, steps = refine(converged, critics(), scores)
    assert end.metadata["stopped"] == "converged"
    assert end.metadata["quality"] == pytest.approx([0.5, 0.55])
    assert len(steps) == 6
    end, _ = refine(IterativeRefinementConfig(max_iterations=4), critics(), scores)
    assert end.metadata["stopped"] == "max_iterations"
    assert end.output == "draft 4"


def test_the_best_draft_is_the_answer_when_a_revision_made_it_worse() -> None:
    scores = {"style": [0.6, 0.9, 0.4], "facts": [0.6, 0.9, 0.4]}
    end, _ = refine(IterativeRefinementConfig(max_iterations=3), critics(), scores)
    assert end.output == "draft 2"
    assert end.metadata["best_iteration"] == 2


def test_a_failed_or_unreadable_review_is_left_out_by_name_or_fails_the_run() -> None:
    def say(step: AgentStep, _: int) -> str | None:
        if step.role == "producer":
            return f"draft {step.tags['iteration']}"
        if step.role == "style":
            return None if step.tags["iteration"] == 1 else "PASS, I would give it 0.9"
        return review(0.5)

    skip = IterativeRefinementConfig(max_iterations=2)
    end, steps = play(lambda s: decide_iterative_refinement(skip, critics(3, 1), "W", s), say)
    assert isinstance(end, Finish)
    assert end.metadata["quality"] == [0.5, 0.5]  # the facts critic alone
    assert "[style critic, weight 3] gave no review." in steps[3].input
    missing: Any = end.metadata["missing_reviews"]
    assert [(m["iteration"], m["critic"]) for m in missing] == [(1, "style"), (2, "style")]
    assert "failed: boom" in missing[0]["error"]
    assert "is not a Review object" in missing[1]["error"]
    strict = IterativeRefinementConfig(on_critic_failure="fail")
    end, _ = play(lambda s: decide_iterative_refinement(strict, critics(), "W", s), say)
    assert isinstance(end, Fail)
    assert "the style critic gave no review of draft 1" in end.error


def test_a_draft_no_critic_could_review_fails_the_run() -> None:
    end, _ = play(
        lambda s: decide_iterative_refinement(IterativeRefinementConfig(), critics(), "W", s),
        lambda step, n: "draft" if step.role == "producer" else None,
    )
    assert isinstance(end, Fail)
    assert "no critic could review draft 1" in end.error


def test_a_bad_refinement_is_refused_when_built() -> None:
    with pytest.raises(ValidationError, match="needs max_iterations of at least 2"):
        IterativeRefinementConfig(max_iterations=1, convergence_threshold=0.1)
    with pytest.raises(ValidationError, match="greater than 0"):
        Critic(executor=WRITER, specialty="style", weight=0)
    with pytest.raises(ValidationError, match="finite number"):
        Critic(executor=WRITER, specialty="style", weight=float("inf"))
    with pytest.raises(WorkflowConfigError, match="at least one critic"):
        IterativeRefinement(WRITER, [])
    with pytest.raises(WorkflowConfigError, match="two critics are named 'style'"):
        IterativeRefinement(WRITER, [*critics(), critics()[0]])
    with pytest.raises(WorkflowConfigError, match="'producer' is the name of another role"):
        IterativeRefinement(WRITER, [Critic(executor=WRITER, specialty="producer")])
    other = Critic(executor=StructuredExecutor(Agent(name="judge"), Principle), specialty="x")
    with pytest.raises(WorkflowConfigError, match=r"Principle.*must reply with Review"):
        IterativeRefinement(WRITER, [other])


# -- reflection --------------------------------------------------------------------------


def reflect(config: ReflectionConfig, scores: list[float]) -> tuple[Any, list[StepRecord]]:
    """Version N is "version N" (its length grows); the reflector scores it ``scores[N-1]``."""

    def say(step: AgentStep, _: int) -> str:
        number = int(step.tags["iteration"])
        if step.role == "generator":
            return f"version {number}" + " and more" * number
        return review(scores[number - 1], f"critique {number}")

    return play(lambda steps: decide_reflection(config, "Explain tides", steps), say)


def test_the_reflector_sees_the_real_previous_version_and_its_score() -> None:
    end, steps = reflect(ReflectionConfig(max_reflections=3), [0.4, 0.6, 0.8])
    assert [(s.role, s.tags["iteration"]) for s in steps] == [
        ("generator", 1), ("reflector", 1), ("generator", 2), ("reflector", 2),
        ("generator", 3), ("reflector", 3),
    ]  # fmt: skip
    first, second = steps[1].input, steps[3].input
    assert "Version 1 of the answer:\nversion 1" in first
    assert "version before it" not in first
    assert "Version 2 of the answer:\nversion 2" in second
    assert "(version 1), which you scored 0.40:\nversion 1 and more\n" in second
    revision = steps[2].input
    assert "Explain tides" in revision
    assert "version 1 and more" in revision
    assert "(score 0.40 of 1):\ncritique 1" in revision
    assert end.metadata == {"stopped": "max_reflections", "scores": [0.4, 0.6, 0.8],
                            "best_version": 3}  # fmt: skip


def test_reflection_stops_when_a_revision_does_not_improve_the_score_whatever_its_length() -> None:
    end, steps = reflect(ReflectionConfig(max_reflections=5), [0.5, 0.7, 0.7, 0.9])
    assert end.metadata["stopped"] == "no_improvement"
    assert len(steps) == 6
    assert end.output == steps[4].output  # the later of equals
    worse, _ = reflect(ReflectionConfig(max_reflections=5), [0.5, 0.7, 0.6])
    assert worse.output == "version 2 and more and more"
    assert worse.metadata["best_version"] == 2
    small, _ = reflect(ReflectionConfig(max_reflections=5, min_improvement=0.1), [0.5, 0.55, 1])
    assert small.metadata["stopped"] == "no_improvement"
    assert small.metadata["scores"] == [0.5, 0.55]


def test_reflection_stops_at_its_target_score() -> None:
    end, steps = reflect(ReflectionConfig(max_reflections=5, target_score=0.8), [0.5, 0.85, 1])
    assert end.metadata["stopped"] == "target_score"
    assert len(steps) == 4


def test_an_unreadable_or_failed_reflection_fails_the_run() -> None:
    def say(step: AgentStep, _: int) -> str:
        return "text" if step.role == "generator" else "Much improved, score: 0.9"

    end, _ = play(lambda steps: decide_reflection(ReflectionConfig(), "t", steps), say)
    assert isinstance(end, Fail)
    assert "is not a Review object" in end.error
    end, _ = play(
        lambda steps: decide_reflection(ReflectionConfig(), "t", steps),
        lambda step, n: "text" if step.role == "generator" else None,
    )
    assert isinstance(end, Fail)
    assert "the reflection on version 1" in end.error


# -- chain of density --------------------------------------------------------------------

ARTICLE = "Ada Lovelace worked with Charles Babbage on the Analytical Engine in London."


def dense(entities: list[str], summary: str) -> str:
    return json.dumps({"new_entities": entities, "summary": summary})


def densify(config: ChainOfDensityConfig, replies: list[str]) -> tuple[Any, list[StepRecord]]:
    answers = iter(replies)
    return play(
        lambda steps: decide_chain_of_density(config, ARTICLE, steps), lambda s, n: next(answers)
    )


ROUNDS = [
    dense(["Ada Lovelace"], "Ada Lovelace did early computing work in the century."),
    dense(["Charles Babbage"], "Ada Lovelace worked with Charles Babbage on computing."),
    dense(["Analytical Engine", "London"],
          "Ada Lovelace and Charles Babbage built the Analytical Engine in London."),
]  # fmt: skip


def test_each_round_sees_the_previous_summary_and_the_ledger() -> None:
    end, steps = densify(ChainOfDensityConfig(rounds=3), ROUNDS)
    assert ARTICLE in steps[0].input
    assert "1 to 3 of its most important entities" in steps[0].input
    second, third = steps[1].input, steps[2].input
    assert "The current summary (round 1):\nAda Lovelace did early computing" in second
    assert "Entities it covers: Ada Lovelace\n" in second
    assert "in about 9 words" in second  # the first summary's length
    assert "Entities it covers: Ada Lovelace; Charles Babbage\n" in third
    assert isinstance(end, Finish)
    assert end.output == "Ada Lovelace and Charles Babbage built the Analytical Engine in London."
    assert end.metadata == {
        "stopped": "rounds", "problem": None, "rounds": 3,
        "entities": [["Ada Lovelace"], ["Charles Babbage"], ["Analytical Engine", "London"]],
        "words": [9, 8, 11],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("third", "problem"),
    [
        (dense(["ada lovelace"], "Ada Lovelace, Charles Babbage."), "names 'ada lovelace' as new"),
        (dense(["London"], "Charles Babbage in London."), "leaves out 'Ada Lovelace'"),
        (dense(["London"], "Ada Lovelace and Charles Babbage."), "leaves out 'London'"),
        (dense(["A", "B", "C", "D"], "Ada Lovelace, Charles Babbage, A B C D"), "adds 4 entities"),
        ("New entities: London. Summary: Ada Lovelace ...", "is not a DenseSummary object"),
        (dense([" "], "Ada Lovelace"), "is not a DenseSummary object"),
    ],
)
def test_a_round_whose_bookkeeping_does_not_hold_is_not_taken(third: str, problem: str) -> None:
    end, steps = densify(ChainOfDensityConfig(rounds=4), [*ROUNDS[:2], third])
    assert len(steps) == 3
    assert isinstance(end, Finish)
    assert end.output == "Ada Lovelace worked with Charles Babbage on computing."
    assert end.metadata["stopped"] == "invalid_round"
    assert end.metadata["rounds"] == 2
    said: Any = end.metadata["problem"]
    assert problem in said
    assert said.startswith("round 3")


def test_a_round_with_nothing_new_ends_the_chain_as_saturated() -> None:
    end, _ = densify(ChainOfDensityConfig(), [ROUNDS[0], dense([], "Ada Lovelace, again.")])
    assert end.metadata["stopped"] == "saturated"
    assert end.output == "Ada Lovelace did early computing work in the century."


def test_without_check_entities_a_summary_may_leave_an_entity_out() -> None:
    config = ChainOfDensityConfig(rounds=2, check_entities=False, words=12)
    end, steps = densify(config, [ROUNDS[0], dense(["London"], "Computing in London.")])
    assert end.metadata["stopped"] == "rounds"
    assert "about 12 words" in steps[0].input
    assert "in about 12 words" in steps[1].input


def test_a_first_round_that_does_not_count_or_a_failed_round_fails_the_run() -> None:
    end, _ = densify(ChainOfDensityConfig(), [dense([], "Nothing.")])
    assert isinstance(end, Fail)
    assert "the first summary does not count: round 1 names no new entity" in end.error
    end, _ = play(
        lambda steps: decide_chain_of_density(ChainOfDensityConfig(), ARTICLE, steps),
        lambda step, n: ROUNDS[0] if n == 0 else None,
    )
    assert isinstance(end, Fail)
    assert "round 2" in end.error


# -- Socratic ----------------------------------------------------------------------------


def dialogue(
    config: SocraticConfig, questions: list[str], synthesized: bool = False
) -> tuple[Any, list[StepRecord]]:
    asked = iter(questions)

    def say(step: AgentStep, n: int) -> str:
        if step.role == "questioner":
            return next(asked)
        return "the synthesis" if step.role == "synthesizer" else f"answer {n}"

    return play(lambda steps: decide_socratic(config, synthesized, "Justice", steps), say)


def test_questions_and_answers_alternate_each_seeing_the_dialogue_so_far() -> None:
    end, steps = dialogue(SocraticConfig(max_exchanges=2), ["What is it?", "Is it fair?"])
    assert [s.role for s in steps] == ["questioner", "respondent"] * 2
    assert "Topic: Justice" in steps[0].input
    assert "No more questions" not in steps[0].input  # not offered before an answer
    assert "The question:\nWhat is it?" in steps[1].input
    assert "Q1: What is it?\nA1: answer 1" in steps[2].input
    assert "`No more questions`" in steps[2].input
    assert "Q1: What is it?\nA1: answer 1" in steps[3].input
    assert isinstance(end, Finish)
    assert end.output == "Q1: What is it?\nA1: answer 1\n\nQ2: Is it fair?\nA2: answer 3"
    assert end.metadata == {"exchanges": 2, "stopped": "max_exchanges", "mode": "peer",
                            "synthesized": False}  # fmt: skip


def test_the_questioner_ends_the_dialogue_only_with_the_end_line() -> None:
    questions = ["First?", "Are there no more questions to ask?", "Well.\nNo more questions."]
    end, steps = dialogue(SocraticConfig(), questions)
    assert [s.role for s in steps] == ["questioner", "respondent"] * 2 + ["questioner"]
    assert end.metadata["stopped"] == "questioner_ended"
    assert end.metadata["exchanges"] == 2
    assert "No more questions" not in end.output
    # Not in the first turn, and not when the config does not allow it.
    end, steps = dialogue(SocraticConfig(max_exchanges=1), ["No more questions"])
    assert len(steps) == 2
    config = SocraticConfig(max_exchanges=2, questioner_may_end=False)
    end, steps = dialogue(config, ["First?", "No more questions"])
    assert "No more questions" not in steps[2].input
    assert end.metadata["stopped"] == "max_exchanges"


def test_a_repeated_question_ends_the_dialogue_unless_asked_not_to() -> None:
    questions = ["What is justice?", "Who decides?", "what is JUSTICE ?!"]
    end, steps = dialogue(SocraticConfig(), questions)
    assert len(steps) == 5
    assert end.metadata["stopped"] == "repeated_question"
    end, steps = dialogue(SocraticConfig(max_exchanges=3, stop_on_repeat=False), questions)
    assert len(steps) == 6


def test_the_synthesizer_sums_up_the_whole_dialogue() -> None:
    end, steps = dialogue(SocraticConfig(max_exchanges=1, mode="teacher_student"), ["Why?"], True)
    assert "a Socratic teacher" in steps[0].input
    assert "a student questioned" in steps[1].input
    assert steps[2].role == "synthesizer"
    assert "Q1: Why?\nA1: answer 1" in steps[2].input
    assert end.output == "the synthesis"
    assert end.metadata["synthesized"] is True


def test_a_failed_answer_fails_the_dialogue() -> None:
    end, _ = play(
        lambda steps: decide_socratic(SocraticConfig(), False, "t", steps),
        lambda step, n: "Why?" if step.role == "questioner" else None,
    )
    assert isinstance(end, Fail)
    assert "the respondent step of the dialogue" in end.error


# -- constitutional ----------------------------------------------------------------------

PRINCIPLES = (
    Principle(name="harmless", description="No harm."),
    Principle(name="honest", description="No lies.", severity="critical"),
    Principle(name="brief", description="Short.", severity="warning"),
)


def critique(**verdicts: str) -> str:
    return json.dumps(
        {
            "verdicts": [
                {"principle": name, "verdict": verdict, "feedback": f"{name} is {verdict}"}
                for name, verdict in verdicts.items()
            ]
        }
    )


def constitute(config: ConstitutionalConfig, critiques: list[str]) -> tuple[Any, list[StepRecord]]:
    judged = iter(critiques)

    def say(step: AgentStep, n: int) -> str:
        return f"draft {step.tags['iteration']}" if step.role == "generator" else next(judged)

    return play(lambda steps: decide_constitutional(config, "Answer me", steps), say)


def test_each_principle_is_judged_by_its_own_verdict_not_by_a_pass_anywhere() -> None:
    config = ConstitutionalConfig(principles=PRINCIPLES)
    prose_pass = json.dumps(
        {
            "verdicts": [
                {"principle": "harmless", "verdict": "fail", "feedback": "Would PASS if no insult"},
                {"principle": "honest", "verdict": "PASS", "feedback": "ok"},
                {"principle": "brief", "verdict": "pass"},
            ]
        }
    )
    end, steps = constitute(config, [prose_pass, critique(harmless="pass", honest="pass")])
    assert [s.role for s in steps] == ["generator", "critic", "generator", "critic"]
    assert "- harmless (error): No harm." in steps[1].input
    assert "- honest (critical): No lies." in steps[1].input
    revision = steps[2].input
    assert "draft 1" in revision
    assert "- harmless (error): No harm.\n  It fails: Would PASS if no insult" in revision
    assert "Keep satisfying: honest, brief." in revision
    assert isinstance(end, Finish)
    assert end.output == "draft 2"
    assert end.metadata["revisions"] == 1
    assert end.metadata["passed"] == ["harmless", "honest"]
    assert end.metadata["unjudged"] == ["brief"]  # the second critique did not judge it
    assert end.metadata["all_passed"] is False
    principles: Any = end.metadata["principles"]
    assert principles["brief"] == {
        "status": "unjudged", "severity": "warning", "feedback": "the critique gave it no verdict"
    }  # fmt: skip


def test_a_prose_critique_judges_nothing_and_fails_the_run() -> None:
    config = ConstitutionalConfig(principles=PRINCIPLES)
    end, _ = constitute(config, ["PASS: harmless\nPASS: honest\nPASS: brief"])
    assert isinstance(end, Fail)
    assert "no principle could be judged on draft 1" in end.error
    assert "is not a Critique object" in end.error
    assert end.metadata["passed"] == []


def test_an_unjudged_principle_is_not_passed_and_a_failing_warning_causes_no_revision() -> None:
    config = ConstitutionalConfig(principles=PRINCIPLES)
    end, steps = constitute(
        config,
        [
            critique(honest="pass", brief="fail"),
            critique(harmless="pass", honest="pass", brief="fail"),
        ],
    )
    assert "harmless (error): No harm.\n  It could not be judged" in steps[2].input
    assert "brief (warning): Short.\n  It fails: brief is fail" in steps[2].input
    assert len(steps) == 4  # the failing warning alone did not ask for a third draft
    assert end.metadata["failed"] == ["brief"]
    assert end.output == "draft 2"


def test_at_the_revision_limit_an_error_stands_reported_and_a_critical_fails_the_run() -> None:
    errors = ConstitutionalConfig(principles=PRINCIPLES, max_revisions=1)
    end, steps = constitute(errors, [critique(harmless="fail", honest="pass")] * 2)
    assert len(steps) == 4
    assert isinstance(end, Finish)
    assert end.metadata["failed"] == ["harmless"]
    assert end.metadata["revisions"] == 1
    end, _ = constitute(errors, [critique(harmless="pass", honest="fail")] * 2)
    assert isinstance(end, Fail)
    assert "critical principle(s) 'honest' still not passed after 1 revision(s)" in end.error
    assert end.metadata["failed"] == ["honest"]
    none = ConstitutionalConfig(principles=PRINCIPLES, max_revisions=0)
    end, steps = constitute(none, [critique(harmless="fail", honest="pass")])
    assert len(steps) == 2
    assert end.output == "draft 1"


def test_per_principle_critiques_run_at_once_and_a_failed_one_leaves_its_own_unjudged() -> None:
    config = ConstitutionalConfig(principles=PRINCIPLES, critique="per_principle", max_parallel=2)
    draft = decide_constitutional(config, "Q", [])
    assert isinstance(draft, RunSteps)
    judges = decide_constitutional(config, "Q", done(draft, ["draft 1"]))
    assert isinstance(judges, RunSteps)
    assert judges.max_parallel == 2
    assert [dict(s.tags) for s in judges.steps] == [
        {"iteration": 1, "principle": p.name} for p in PRINCIPLES
    ]
    honest = judges.steps[1]
    assert isinstance(honest, AgentStep)
    assert "against this principle:\n\n- honest (critical)" in honest.input
    assert "harmless" not in honest.input

    def say(step: AgentStep, n: int) -> str | None:
        if step.role == "generator":
            return f"draft {step.tags['iteration']}"
        if step.tags == {"iteration": 1, "principle": "harmless"}:
            return None
        # Each judge passes its own principle and fails the others: only its own counts.
        verdicts = {p.name: "fail" for p in PRINCIPLES} | {str(step.tags["principle"]): "pass"}
        return critique(**verdicts)

    end, steps = play(lambda s: decide_constitutional(config, "Q", s), say)
    assert (
        "- harmless (error): No harm.\n  It could not be judged: 'critic' (step 2) failed: boom"
        in (steps[4].input)
    )
    assert isinstance(end, Finish)
    assert [s.role for s in steps] == ["generator", *["critic"] * 3] * 2
    assert end.metadata["passed"] == ["harmless", "honest", "brief"]


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"principles": []}, "at least 1 item"),
        ({"principles": [PRINCIPLES[0], Principle(name="Harmless", description="x")]},
         "two principles are named 'Harmless', 'harmless'"),
        ({"principles": PRINCIPLES, "max_parallel": 2}, "per_principle' only"),
        ({"principles": PRINCIPLES, "max_revisions": -1}, "greater than or equal to 0"),
    ],
)  # fmt: skip
def test_a_bad_constitution_is_refused_when_built(fields: dict[str, Any], says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        ConstitutionalConfig(**fields)


def test_a_constitutional_critic_must_reply_with_critiques() -> None:
    config = ConstitutionalConfig(principles=PRINCIPLES)
    judge = StructuredExecutor(Agent(name="judge"), Principle)
    with pytest.raises(WorkflowConfigError, match="must reply with Critique"):
        Constitutional(WRITER, judge, config=config)
