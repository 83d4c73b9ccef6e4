"""Iterative refinement: a producer drafts, critics review in parallel, the producer revises.

Each iteration the producer writes a draft (from the task, then from its previous draft and
the critics' feedback), and every critic reviews it at once, replying with a ``Review``: a
score from 0 to 1 and feedback. The draft's **quality** is the mean of the scores weighted
by the critics' weights. The refinement stops when the quality reaches ``min_quality``,
when it rose by less than ``convergence_threshold`` since the previous draft, or after
``max_iterations`` drafts; the answer is the best draft (the latest of equals), which is
the last one unless a revision made things worse.

A critic whose step fails, or whose reply is not a ``Review``, gives no review of that
draft: with ``on_critic_failure="skip"`` (the default) the quality is the weighted mean of
the reviews there are, the producer is told which critic is missing, and the metadata
lists it; with ``"fail"`` the run fails. A draft no critic could review, or a failed
draft, fails the run. ``iterations`` counts the drafts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from llmgine.workflows._executors import Executor
from llmgine.workflows._plan import (
    AgentStep,
    Decision,
    Fail,
    Finish,
    RunSteps,
    failed,
    of_role,
    one,
    tagged,
)
from llmgine.workflows._replies import (
    REVIEW_FORM,
    Malformed,
    Review,
    check_reply_format,
    read_reply,
)
from llmgine.workflows._results import StepRecord
from llmgine.workflows._workflow import Workflow, WorkflowConfigError, unique_roles

PRODUCER = "producer"


class Critic(BaseModel):
    """A critic of ``IterativeRefinement``: who reviews, on what, and how much it counts.

    Its role in the run is its ``specialty``; its ``weight`` is its share of a draft's
    quality (relative to the other critics' weights).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    executor: Executor
    specialty: str = Field(min_length=1)
    goal: str = ""
    weight: float = Field(default=1.0, gt=0, allow_inf_nan=False)


class IterativeRefinementConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_iterations: int = Field(default=3, ge=1)
    """Drafts at most."""
    min_quality: float | None = Field(default=None, ge=0, le=1)
    """Stop at the first draft whose quality is at least this."""
    convergence_threshold: float | None = Field(default=None, ge=0, le=1)
    """Stop when a draft's quality rose by less than this over the previous draft's."""
    max_parallel: int | None = Field(default=None, gt=0)
    """Critics reviewing at once (None: all, within the runtime's limit)."""
    on_critic_failure: Literal["skip", "fail"] = "skip"

    @model_validator(mode="after")
    def _consistent(self) -> IterativeRefinementConfig:
        if self.convergence_threshold is not None and self.max_iterations < 2:
            raise ValueError(
                "convergence_threshold compares a draft with the one before it, so it needs "
                f"max_iterations of at least 2, not {self.max_iterations}"
            )
        return self


@dataclass(frozen=True)
class _Iteration:
    """One draft and what the critics made of it."""

    draft: StepRecord
    reviews: dict[str, Review] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    """Critics without a review of this draft, with why."""
    quality: float | None = None


def decide_iterative_refinement(
    config: IterativeRefinementConfig,
    critics: Sequence[Critic],
    task: str,
    steps: Sequence[StepRecord],
) -> Decision:
    """The next draft, its reviews, or the end."""
    drafts = of_role(steps, PRODUCER)
    if not drafts:
        return one(AgentStep(PRODUCER, task, {"iteration": 1}))
    last = drafts[-1]
    number = int(last.tags["iteration"])
    if not last.ok:
        return failed(last, f"draft {number}")
    if len(tagged(steps, "iteration", number)) == 1:
        reviews = tuple(_review_step(critic, task, last.output, number) for critic in critics)
        return RunSteps(reviews, config.max_parallel)
    history = [
        _assess(critics, draft, tagged(steps, "iteration", n)) for n, draft in enumerate(drafts, 1)
    ]
    now = history[-1]
    if now.missing and config.on_critic_failure == "fail":
        critic, why = next(iter(now.missing.items()))
        return Fail(f"the {critic} critic gave no review of draft {number}: {why}")
    if now.quality is None:
        return Fail(f"no critic could review draft {number}", _metadata(history, "failed"))
    before = history[-2].quality if len(history) > 1 else None
    if config.min_quality is not None and now.quality >= config.min_quality:
        stopped = "min_quality"
    elif (
        config.convergence_threshold is not None
        and before is not None
        and now.quality - before < config.convergence_threshold
    ):
        stopped = "converged"
    elif number >= config.max_iterations:
        stopped = "max_iterations"
    else:
        return one(AgentStep(PRODUCER, _revise(critics, task, now), {"iteration": number + 1}))
    best = max(history, key=lambda it: (it.quality or 0.0, int(it.draft.tags["iteration"])))
    return Finish(best.draft.output, _metadata(history, stopped, best), parsed=best.draft.parsed)


def _assess(critics: Sequence[Critic], draft: StepRecord, steps: list[StepRecord]) -> _Iteration:
    reviews: dict[str, Review] = {}
    missing: dict[str, str] = {}
    for step in steps:
        if step.role == PRODUCER:
            continue
        reply = read_reply(step, Review)
        if isinstance(reply, Malformed):
            missing[step.role] = reply.reason
        else:
            reviews[step.role] = reply
    weights = {critic.specialty: critic.weight for critic in critics}
    total = sum(weights[name] for name in reviews)
    quality = (
        sum(weights[name] * review.score for name, review in reviews.items()) / total
        if reviews
        else None
    )
    return _Iteration(draft, reviews, missing, quality)


def _review_step(critic: Critic, task: str, draft: str, number: int) -> AgentStep:
    goal = f"Your goal: {critic.goal}\n\n" if critic.goal else ""
    prompt = (
        f"You are a {critic.specialty} critic.\n\n{goal}The task was:\n{task}\n\n"
        f"Draft {number}:\n{draft}\n\n"
        f"Review the draft for {critic.specialty} only: score it, and say specifically what "
        f"would improve it.\n\n{REVIEW_FORM}"
    )
    return AgentStep(critic.specialty, prompt, {"iteration": number})


def _revise(critics: Sequence[Critic], task: str, now: _Iteration) -> str:
    """The producer's next prompt: the task, its draft, the feedback weightiest first."""
    by_weight = sorted(critics, key=lambda critic: -critic.weight)
    notes = []
    for critic in by_weight:
        name = critic.specialty
        review = now.reviews.get(name)
        if review is None:
            notes.append(f"[{name} critic, weight {critic.weight:g}] gave no review.")
        else:
            notes.append(
                f"[{name} critic, weight {critic.weight:g}, score {review.score:.2f}]\n"
                f"{review.feedback}"
            )
    feedback = "\n\n".join(notes)
    return (
        f"{task}\n\nYour previous draft (quality {now.quality:.2f} of 1):\n{now.draft.output}"
        f"\n\nFeedback from the critics, the weightiest first:\n\n{feedback}\n\n"
        "Revise the draft to address the feedback. Reply with the revised draft only."
    )


def _metadata(
    history: Sequence[_Iteration], stopped: str, best: _Iteration | None = None
) -> dict[str, JsonValue]:
    missing: list[JsonValue] = [
        {"iteration": n, "critic": critic, "error": why}
        for n, it in enumerate(history, 1)
        for critic, why in it.missing.items()
    ]
    return {
        "stopped": stopped,
        "quality": [it.quality for it in history],
        "best_iteration": None if best is None else int(best.draft.tags["iteration"]),
        "missing_reviews": missing,
    }


class IterativeRefinement(Workflow[IterativeRefinementConfig]):
    """``producer`` drafts and revises; ``critics`` (at least one) review each draft."""

    pattern = "iterative_refinement"

    def __init__(
        self,
        producer: Executor,
        critics: Sequence[Critic],
        config: IterativeRefinementConfig | None = None,
        *,
        name: str | None = None,
        description: str = "",
    ) -> None:
        if not critics:
            raise WorkflowConfigError("an iterative refinement needs at least one critic")
        for critic in critics:
            if not isinstance(critic, Critic):
                raise WorkflowConfigError(
                    f"critics are Critic(executor=..., specialty=..., weight=...), not {critic!r}"
                )
            check_reply_format(f"{critic.specialty} critic", critic.executor, Review)
        unique_roles("critic", [c.specialty for c in critics], reserved=(PRODUCER,))
        roles = {PRODUCER: producer} | {c.specialty: c.executor for c in critics}
        super().__init__(
            config or IterativeRefinementConfig(), roles, name=name, description=description
        )
        self.critics = tuple(critics)

    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        return decide_iterative_refinement(self.config, self.critics, task, steps)
