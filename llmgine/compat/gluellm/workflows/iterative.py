"""GlueLLM's ``IterativeRefinementWorkflow``: llmgine's ``IterativeRefinement``.

The critics reply with a ``Review`` (a score and feedback), read strictly. Without a
``quality_evaluator`` a draft's quality is the critics' weighted score; with one, it is the
evaluator's verdict on the draft and the critics' feedback, as in GlueLLM, and the
refinement stops at the first draft it scores ``min_quality_score`` or more.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import JsonValue, ValidationError

from llmgine.compat.gluellm._runner import ExecutesWorkflow
from llmgine.compat.gluellm.models.workflow import CriticConfig, IterativeConfig
from llmgine.workflows import (
    AgentStep,
    Decision,
    Executor,
    Finish,
    IterativeRefinement,
    Review,
    RunSteps,
    StepRecord,
)

__all__ = ["CriticConfig", "IterativeConfig", "IterativeRefinementWorkflow"]

PRODUCER = "producer"


class IterativeRefinementWorkflow(ExecutesWorkflow, IterativeRefinement):
    """``producer`` drafts and revises; ``critics`` (one ``CriticConfig`` or a list) review."""

    def __init__(
        self,
        producer: Executor,
        critics: CriticConfig | Sequence[CriticConfig],
        config: IterativeConfig | None = None,
    ) -> None:
        self.gluellm_config = config or IterativeConfig()
        listed = [critics] if isinstance(critics, CriticConfig) else list(critics)
        super().__init__(producer, listed, self.gluellm_config.llmgine())

    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        decision = super().decide(task, steps)
        evaluate = self.gluellm_config.quality_evaluator
        threshold = self.gluellm_config.min_quality_score
        if evaluate is None or threshold is None or not _after_reviews(decision):
            return decision
        drafts = [step for step in steps if step.role == PRODUCER and step.ok]
        if not drafts:
            return decision
        draft = drafts[-1]
        reviews = [
            step
            for step in steps
            if step.role != PRODUCER and step.tags.get("iteration") == draft.tags["iteration"]
        ]
        feedback = {step.role: _feedback(step) for step in reviews if step.ok}
        try:
            score = float(evaluate(draft.output, feedback))
        except Exception:  # GlueLLM ignored a failing evaluator too: the loop goes on
            return decision
        if score < threshold:
            return decision
        metadata: dict[str, JsonValue] = {"stopped": "quality_evaluator", "quality_score": score}
        return Finish(draft.output, metadata, parsed=draft.parsed)


def _after_reviews(decision: Decision) -> bool:
    """Whether ``decision`` comes once a draft's reviews are in: the end, or a revision."""
    if isinstance(decision, Finish):
        return True
    return isinstance(decision, RunSteps) and all(
        isinstance(step, AgentStep) and step.role == PRODUCER for step in decision.steps
    )


def _feedback(step: StepRecord) -> str:
    """A critic's feedback: its ``Review``'s, or its whole reply if it is not one."""
    if isinstance(step.parsed, Review):
        return step.parsed.feedback
    try:
        return Review.model_validate_json(step.output).feedback
    except ValidationError:
        return step.output
