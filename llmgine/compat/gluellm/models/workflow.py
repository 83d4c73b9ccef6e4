"""GlueLLM's workflow configs, with GlueLLM's field names, each translated to llmgine's.

Every config keeps GlueLLM's fields and defaults and says, in ``llmgine()``, which
llmgine config it means. Fields that GlueLLM read by nothing, or that only changed the
wording of a prompt, are accepted and change nothing; ``docs/migrating.md`` lists them.
``CriticConfig`` and ``Principle`` are llmgine's ``Critic`` and ``Principle``, whose fields
are GlueLLM's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

import llmgine.workflows as ours
from llmgine.workflows import Critic, Executor, Principle

__all__ = [
    "ChainOfDensityConfig",
    "ConsensusConfig",
    "ConstitutionalConfig",
    "CriticConfig",
    "DebateConfig",
    "ExpertConfig",
    "HierarchicalConfig",
    "IterativeConfig",
    "MapReduceConfig",
    "MoEConfig",
    "Principle",
    "RAGConfig",
    "ReActConfig",
    "ReflectionConfig",
    "RoundRobinConfig",
    "SocraticConfig",
    "TreeOfThoughtsConfig",
]

CriticConfig = Critic
"""A critic of the iterative refinement: ``executor``, ``specialty``, ``goal``, ``weight``."""

QualityEvaluator = Callable[[str, Mapping[str, str]], float]
"""GlueLLM's quality function: the draft and each critic's feedback, by specialty -> 0..1."""


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class IterativeConfig(_Config):
    """Iterative refinement. With ``quality_evaluator`` the drafts are scored by it, as in
    GlueLLM; without, by the critics' weighted ``Review`` scores (``min_quality_score``
    stops either way)."""

    max_iterations: int = Field(default=3, gt=0)
    min_quality_score: float | None = Field(default=None, ge=0, le=1)
    convergence_threshold: float | None = Field(default=None, ge=0, le=1)
    quality_evaluator: QualityEvaluator | None = None

    def llmgine(self) -> ours.IterativeRefinementConfig:
        by_critics = self.quality_evaluator is None
        return ours.IterativeRefinementConfig(
            max_iterations=self.max_iterations,
            min_quality=self.min_quality_score if by_critics else None,
            convergence_threshold=self.convergence_threshold if by_critics else None,
        )


class DebateConfig(_Config):
    """Debate: ``require_consensus`` ends the debate at the first round where every
    participant agrees (GlueLLM read it by nothing); ``judge_decides=False`` leaves the
    judge out."""

    max_rounds: int = Field(default=3, gt=0)
    require_consensus: bool = False
    judge_decides: bool = True

    def llmgine(self) -> ours.DebateConfig:
        return ours.DebateConfig(
            max_rounds=self.max_rounds, detect_consensus=self.require_consensus
        )


class ReflectionConfig(_Config):
    """Reflection: ``min_improvement_threshold`` is a rise of the reflector's score (GlueLLM
    measured a change of length)."""

    max_reflections: int = Field(default=3, gt=0)
    min_improvement_threshold: float | None = Field(default=None, ge=0, le=1)
    reflection_prompt_template: str | None = None
    """No counterpart: llmgine's reflector replies with a structured ``Review``."""

    @field_validator("reflection_prompt_template")
    @classmethod
    def _no_template(cls, value: str | None) -> None:
        if value is not None:
            raise ValueError(
                "llmgine's reflector is asked for a structured Review (a score and feedback), "
                "so a prompt template has no counterpart; give the reflector agent a "
                "system prompt instead"
            )

    def llmgine(self) -> ours.ReflectionConfig:
        return ours.ReflectionConfig(
            max_reflections=self.max_reflections,
            min_improvement=self.min_improvement_threshold or 0.0,
        )


class ChainOfDensityConfig(_Config):
    """Chain of density: ``num_iterations`` rounds; density is counted in entities
    (``density_increment`` only changed GlueLLM's wording), and every summary keeps the
    first one's length (``preserve_length`` changes nothing)."""

    num_iterations: int = Field(default=5, gt=0)
    density_increment: Literal["entities", "details", "examples"] = "entities"
    preserve_length: bool = True

    def llmgine(self) -> ours.ChainOfDensityConfig:
        return ours.ChainOfDensityConfig(rounds=self.num_iterations)


class SocraticConfig(_Config):
    """Socratic dialogue: with ``synthesis_at_end`` the responder sums it up, as in GlueLLM."""

    max_exchanges: int = Field(default=5, gt=0)
    mode: Literal["peer", "teacher_student"] = "peer"
    synthesis_at_end: bool = True

    def llmgine(self) -> ours.SocraticConfig:
        return ours.SocraticConfig(max_exchanges=self.max_exchanges, mode=self.mode)


class RAGConfig(_Config):
    """RAG: a verifier is asked only with ``verify_facts``, and an answer it does not
    support is flagged in the metadata, not failed (GlueLLM appended its report)."""

    max_retrieved_chunks: int = Field(default=5, gt=0)
    include_sources: bool = True
    verify_facts: bool = False
    fallback_on_no_context: bool = True

    def llmgine(self, verified: bool) -> ours.RAGConfig:
        return ours.RAGConfig(
            max_passages=self.max_retrieved_chunks,
            cite_sources=self.include_sources,
            without_passages="answer" if self.fallback_on_no_context else "fail",
            **({"on_unsupported": "flag"} if verified else {}),
        )


class RoundRobinConfig(_Config):
    """Round-robin: with ``final_synthesis`` the first agent sums up, as in GlueLLM; every
    speaker sees the whole talk (``contribution_style`` only changed GlueLLM's wording and
    how it kept a running text)."""

    max_rounds: int = Field(default=3, gt=0)
    contribution_style: Literal["extend", "refine", "challenge"] = "extend"
    final_synthesis: bool = True

    def llmgine(self) -> ours.RoundRobinConfig:
        return ours.RoundRobinConfig(max_rounds=self.max_rounds)


class ConsensusConfig(_Config):
    """Consensus: a proposal wins with more than ``min_agreement_ratio`` of the ballots
    (1.0: every ballot, the unanimous strategy). GlueLLM read ``voting_strategy`` by
    nothing and had no weights, so ``weighted`` counts as ``majority`` here too."""

    min_agreement_ratio: float = Field(default=0.7, ge=0, le=1)
    max_rounds: int = Field(default=5, gt=0)
    voting_strategy: Literal["majority", "unanimous", "weighted"] = "majority"
    allow_abstention: bool = False

    def llmgine(self) -> ours.ConsensusConfig:
        unanimous = self.voting_strategy == "unanimous" or self.min_agreement_ratio >= 1
        share = {} if unanimous else {"min_agreement": self.min_agreement_ratio}
        return ours.ConsensusConfig(
            strategy="unanimous" if unanimous else "majority",
            max_rounds=self.max_rounds,
            allow_abstention=self.allow_abstention,
            **share,
        )


class HierarchicalConfig(_Config):
    """Hierarchical: ``parallel_workers=False`` runs the subtasks one at a time; the
    manager synthesizes (``synthesis_strategy`` only changed GlueLLM's wording)."""

    max_subtasks: int = Field(default=5, gt=0)
    parallel_workers: bool = True
    synthesis_strategy: Literal["summarize", "concatenate", "merge"] = "summarize"

    def llmgine(self) -> ours.HierarchicalConfig:
        return ours.HierarchicalConfig(
            max_subtasks=self.max_subtasks, max_parallel=None if self.parallel_workers else 1
        )


class MapReduceConfig(_Config):
    """Map-reduce, strategy for strategy (``concatenate`` joins with no model call,
    ``hierarchical`` reduces in levels)."""

    chunk_size: int | None = Field(default=None, gt=0)
    chunk_overlap: int = Field(default=0, ge=0)
    max_parallel_chunks: int | None = Field(default=None, gt=0)
    reduce_strategy: Literal["summarize", "concatenate", "hierarchical"] = "summarize"

    def llmgine(self) -> ours.MapReduceConfig:
        return ours.MapReduceConfig(
            chunk_size=self.chunk_size,
            chunk_overlap=self.chunk_overlap,
            max_parallel=self.max_parallel_chunks,
            reduce=self.reduce_strategy,
        )


class ReActConfig(_Config):
    """ReAct: actions are the reasoner's tool calls, run for real; the prefixes are not
    parsed, and the run always stops at the answer."""

    max_steps: int = Field(default=10, gt=0)
    thought_prefix: str = "Thought:"
    action_prefix: str = "Action:"
    observation_prefix: str = "Observation:"
    stop_on_final_answer: bool = True

    def llmgine(self) -> ours.ReActConfig:
        return ours.ReActConfig(max_steps=self.max_steps)


class ExpertConfig(_Config):
    """An expert: routed to by its ``activation_keywords`` and named by its ``specialty``;
    the router is shown its agent's description."""

    executor: Executor
    specialty: str = Field(min_length=1)
    description: str = ""
    activation_keywords: list[str] = Field(default_factory=list)


class MoEConfig(_Config):
    """Mixture of experts: ``semantic`` routing asks the router agent, ``keyword`` and
    ``all`` ask none; ``top_k`` (GlueLLM's first k experts, whatever the question) has no
    counterpart and is refused. ``vote`` asks the combiner to synthesize, as GlueLLM's
    wording did."""

    routing_strategy: Literal["semantic", "keyword", "all", "top_k"] = "semantic"
    top_k: int = Field(default=2, gt=0)
    combine_strategy: Literal["synthesize", "concatenate", "vote"] = "synthesize"

    @field_validator("routing_strategy")
    @classmethod
    def _no_first_k(cls, value: str) -> str:
        if value == "top_k":
            raise ValueError(
                "routing_strategy='top_k' asked the first top_k experts whatever the question; "
                "use 'semantic' (a router chooses up to top_k), 'keyword' or 'all'"
            )
        return value

    def llmgine(self) -> ours.MixtureOfExpertsConfig:
        routing: Literal["semantic", "keyword", "all"] = (
            "all" if self.routing_strategy == "all" else
            "keyword" if self.routing_strategy == "keyword" else "semantic"
        )  # fmt: skip
        count = {} if routing == "all" else {"top_k": self.top_k}
        return ours.MixtureOfExpertsConfig(
            routing=routing,
            combine="concatenate" if self.combine_strategy == "concatenate" else "synthesize",
            **count,
        )


class ConstitutionalConfig(_Config):
    """Constitutional: ``require_all_pass=False`` judges the first draft once and revises
    nothing (GlueLLM returned after the first critique whatever it said)."""

    principles: list[Principle] = Field(min_length=1)
    max_revisions: int = Field(default=3, ge=0)
    require_all_pass: bool = True

    def llmgine(self) -> ours.ConstitutionalConfig:
        return ours.ConstitutionalConfig(
            principles=tuple(self.principles),
            max_revisions=self.max_revisions if self.require_all_pass else 0,
        )


class TreeOfThoughtsConfig(_Config):
    """Tree of thoughts: ``branching_factor`` thoughts per node and kept per level,
    ``prune_threshold`` the lowest score kept (``evaluation_strategy`` only changed
    GlueLLM's wording)."""

    branching_factor: int = Field(default=3, gt=0)
    max_depth: int = Field(default=3, gt=0)
    evaluation_strategy: Literal["score", "vote", "best_first"] = "score"
    prune_threshold: float = Field(default=0.3, ge=0, le=1)

    def llmgine(self) -> ours.TreeOfThoughtsConfig:
        return ours.TreeOfThoughtsConfig(
            branching=self.branching_factor,
            beam_width=self.branching_factor,
            max_depth=self.max_depth,
            min_score=self.prune_threshold,
        )
