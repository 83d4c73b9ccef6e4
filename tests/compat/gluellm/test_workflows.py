"""GlueLLM's workflow arguments and configs, translated to llmgine's patterns: what each
GlueLLM option becomes, the ones refused (with what to use instead), the quality evaluator
of the iterative refinement, and a run that fails."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest
from pydantic import ValidationError

from llmgine.compat.gluellm.executors import SimpleExecutor
from llmgine.compat.gluellm.models.workflow import (
    ConsensusConfig,
    ConstitutionalConfig,
    CriticConfig,
    DebateConfig,
    ExpertConfig,
    IterativeConfig,
    MoEConfig,
    Principle,
    RAGConfig,
    ReflectionConfig,
    RoundRobinConfig,
    SocraticConfig,
    TreeOfThoughtsConfig,
)
from llmgine.compat.gluellm.workflows import WorkflowFailedError
from llmgine.compat.gluellm.workflows.constitutional import ConstitutionalWorkflow
from llmgine.compat.gluellm.workflows.debate import DebateWorkflow
from llmgine.compat.gluellm.workflows.iterative import IterativeRefinementWorkflow
from llmgine.compat.gluellm.workflows.map_reduce import MapReduceConfig, MapReduceWorkflow
from llmgine.compat.gluellm.workflows.mixture_of_experts import MixtureOfExpertsWorkflow
from llmgine.compat.gluellm.workflows.pipeline import PipelineWorkflow
from llmgine.compat.gluellm.workflows.rag import RAGWorkflow
from llmgine.compat.gluellm.workflows.round_robin import RoundRobinWorkflow
from llmgine.compat.gluellm.workflows.socratic import SocraticWorkflow
from llmgine.testing import Fault, json_reply, text
from llmgine.workflows import WorkflowConfigError
from tests.compat.gluellm.conftest import Example


def agent(name: str) -> SimpleExecutor:
    return SimpleExecutor(system_prompt=name, name=name)


# -- configs ------------------------------------------------------------------------------------


def test_consensus_keeps_gluellm_s_meaning_of_its_strategies() -> None:
    majority = ConsensusConfig(voting_strategy="weighted", min_agreement_ratio=0.6).llmgine()
    assert (majority.strategy, majority.min_agreement, majority.weights) == ("majority", 0.6, {})
    assert ConsensusConfig(min_agreement_ratio=1.0).llmgine().strategy == "unanimous"
    assert ConsensusConfig(voting_strategy="unanimous").llmgine().strategy == "unanimous"
    assert ConsensusConfig().llmgine().max_rounds == 5


def test_options_without_a_counterpart_are_refused_saying_what_to_use() -> None:
    with pytest.raises(ValidationError, match="use 'semantic'"):
        MoEConfig(routing_strategy="top_k")
    with pytest.raises(ValidationError, match="give the reflector agent a system prompt"):
        ReflectionConfig(reflection_prompt_template="Critique: {current_output}")
    with pytest.raises(WorkflowConfigError, match="needs its principles"):
        ConstitutionalWorkflow(agent("writer"))


def test_each_config_says_which_of_ours_it_means() -> None:
    assert DebateConfig(require_consensus=True).llmgine().detect_consensus is True
    reflection = ReflectionConfig(max_reflections=2, min_improvement_threshold=0.1).llmgine()
    assert (reflection.max_reflections, reflection.min_improvement) == (2, 0.1)
    assert SocraticConfig(mode="teacher_student").llmgine().mode == "teacher_student"
    rag = RAGConfig(max_retrieved_chunks=2, fallback_on_no_context=False).llmgine(True)
    assert (rag.max_passages, rag.without_passages, rag.on_unsupported) == (2, "fail", "flag")
    assert RoundRobinConfig(max_rounds=2).llmgine().max_rounds == 2
    principles = [Principle(name="kind", description="Be kind.")]
    constitution = ConstitutionalConfig(principles=principles, require_all_pass=False)
    assert constitution.llmgine().max_revisions == 0
    tree = TreeOfThoughtsConfig(branching_factor=2, prune_threshold=0.5).llmgine()
    assert (tree.branching, tree.beam_width, tree.min_score) == (2, 2, 0.5)
    moe = MoEConfig(routing_strategy="all", combine_strategy="vote").llmgine()
    assert (moe.routing, moe.combine) == ("all", "synthesize")


def test_workflows_take_gluellm_s_roles_as_gluellm_used_them() -> None:
    pro, con, judge = agent("pro"), agent("con"), agent("judge")
    debate = DebateWorkflow([("Pro", pro), ("Con", con)], judge, DebateConfig(judge_decides=False))
    assert set(debate.roles) == {"Pro", "Con"}  # a judge that does not decide is not asked
    assert debate.validate_config()
    socratic = SocraticWorkflow(agent("q"), agent("a"), SocraticConfig(synthesis_at_end=False))
    assert "synthesizer" not in socratic.roles
    responder, first = agent("a"), agent("a")
    assert SocraticWorkflow(agent("q"), responder).roles["synthesizer"] is responder
    talk = RoundRobinWorkflow([("A", first), ("B", agent("b"))])
    assert talk.roles["synthesizer"] is first
    joined = MapReduceWorkflow(
        agent("m"), agent("r"), MapReduceConfig(reduce_strategy="concatenate")
    )
    assert joined.roles["reducer"] is joined.roles["mapper"]  # never called: no reduce call
    rag = RAGWorkflow(lambda query: [], agent("g"), agent("v"), RAGConfig(verify_facts=False))
    assert "verifier" not in rag.roles
    math = agent("math")
    experts = [
        ExpertConfig(executor=math, specialty="maths", activation_keywords=["sum"]),
        ExpertConfig(executor=agent("code"), specialty="code", activation_keywords=["code"]),
    ]
    routed = MixtureOfExpertsWorkflow(experts, config=MoEConfig())
    assert routed.roles["router"] is math  # GlueLLM's default router: the first expert
    assert routed.roles["combiner"] is math  # and its default combiner: the router
    assert routed.keywords == {"maths": ("sum",), "code": ("code",)}
    everyone = MixtureOfExpertsWorkflow(experts, config=MoEConfig(routing_strategy="all"))
    assert "router" not in everyone.roles
    assert everyone.keywords == {"maths": (), "code": ()}


# -- runs ---------------------------------------------------------------------------------------


def _writer_and_critic(example: Example, scores: list[float]) -> list[Mapping[str, str]]:
    """A writer drafting "Draft n" and a critic scoring; what the evaluator was given."""
    drafts = iter(range(1, 10))
    example.answer_with(
        lambda request: (
            text(f"Draft {next(drafts)}")
            if request.messages[0]["content"] == "writer"
            else json_reply({"score": scores.pop(0), "feedback": "Add a date."})
        )
    )
    return []


def test_a_quality_evaluator_stops_the_refinement_as_in_gluellm(example: Example) -> None:
    seen = _writer_and_critic(example, [0.1, 0.1, 0.1])

    def evaluate(content: str, feedback: Mapping[str, str]) -> float:
        seen.append({"content": content, **feedback})
        return 0.9 if content == "Draft 2" else 0.2

    refinement = IterativeRefinementWorkflow(
        agent("writer"),
        CriticConfig(executor=agent("critic"), specialty="dates"),
        IterativeConfig(max_iterations=3, min_quality_score=0.8, quality_evaluator=evaluate),
    )
    result = asyncio.run(refinement.execute("Write about the Moon."))
    assert (result.final_output, result.iterations) == ("Draft 2", 2)
    assert result.metadata == {"stopped": "quality_evaluator", "quality_score": 0.9}
    assert seen == [
        {"content": "Draft 1", "dates": "Add a date."},
        {"content": "Draft 2", "dates": "Add a date."},
    ]


def test_a_failing_quality_evaluator_is_passed_over_as_in_gluellm(example: Example) -> None:
    _writer_and_critic(example, [0.5, 0.5])

    def evaluate(content: str, feedback: Mapping[str, str]) -> float:
        raise ValueError("cannot score")

    refinement = IterativeRefinementWorkflow(
        agent("writer"),
        [CriticConfig(executor=agent("critic"), specialty="dates")],
        IterativeConfig(max_iterations=2, min_quality_score=0.1, quality_evaluator=evaluate),
    )
    result = asyncio.run(refinement.execute("Write about the Moon."))
    assert (result.final_output, result.metadata["stopped"]) == ("Draft 2", "max_iterations")


def test_a_run_that_fails_raises_with_every_step_it_made(example: Example) -> None:
    example.server.add(text("Notes."), Fault.unauthorized())
    pipeline = PipelineWorkflow([("research", agent("r")), ("write", agent("w"))])
    with pytest.raises(WorkflowFailedError, match="the pipeline run failed: ") as raised:
        asyncio.run(pipeline.execute("Tides"))
    steps = raised.value.result.steps
    assert [(s.role, s.status) for s in steps] == [("research", "completed"), ("write", "failed")]
