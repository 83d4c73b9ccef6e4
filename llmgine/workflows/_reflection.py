"""Reflection: a generator writes, a reflector critiques and scores, the generator revises.

The generator writes version 1 from the task. The reflector then critiques each version,
seeing the one before it (the real previous version, with the score it gave it), and
replies with a ``Review``: a score from 0 to 1 and its critique. The generator revises
from the critique, and the new version is reflected on in turn. Improvement is the change
in the reflector's score, not in length. It stops when a version scores ``target_score``
or more, when a revision raised the score by ``min_improvement`` or less (no improvement),
or after ``max_reflections`` reflections; the answer is the best-scored version (the
latest of equals), so a revision that made things worse is not the answer.

Every version is reflected on, the last one included (that is how it is measured). The
steps run one after the other; a failed step, or a reflection that is not a ``Review``,
fails the run: without a score there is nothing to compare. ``iterations`` counts the
versions.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from llmgine.workflows._executors import Executor
from llmgine.workflows._plan import AgentStep, Decision, Fail, Finish, failed, of_role, one
from llmgine.workflows._replies import (
    REVIEW_FORM,
    Malformed,
    Review,
    check_reply_format,
    read_reply,
)
from llmgine.workflows._results import StepRecord
from llmgine.workflows._workflow import Workflow

GENERATOR = "generator"
REFLECTOR = "reflector"


class ReflectionConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_reflections: int = Field(default=3, ge=1)
    """Reflections at most (and so versions at most)."""
    min_improvement: float = Field(default=0.0, ge=0, le=1)
    """Go on only while each revision raises the score by more than this."""
    target_score: float | None = Field(default=None, ge=0, le=1)
    """Stop at the first version scored this or higher."""


def decide_reflection(config: ReflectionConfig, task: str, steps: Sequence[StepRecord]) -> Decision:
    """The next version, the reflection on the latest, or the end."""
    versions = of_role(steps, GENERATOR)
    if not versions:
        return one(AgentStep(GENERATOR, task, {"iteration": 1}))
    current = versions[-1]
    number = len(versions)
    if not current.ok:
        return failed(current, f"version {number}")
    reflections = of_role(steps, REFLECTOR)
    scores: list[float] = []
    for reflection in reflections:
        if not reflection.ok:
            return failed(reflection, f"the reflection on version {reflection.tags['iteration']}")
        review = read_reply(reflection, Review)
        if isinstance(review, Malformed):
            return Fail(review.reason)
        scores.append(review.score)
    if len(reflections) < number:
        return one(_reflect(task, versions, scores))
    if config.target_score is not None and scores[-1] >= config.target_score:
        stopped = "target_score"
    elif number > 1 and scores[-1] - scores[-2] <= config.min_improvement:
        stopped = "no_improvement"
    elif number >= config.max_reflections:
        stopped = "max_reflections"
    else:
        feedback = read_reply(reflections[-1], Review)
        assert isinstance(feedback, Review)
        prompt = (
            f"{task}\n\nYour previous version (version {number}):\n{current.output}\n\n"
            f"A reflection on it (score {feedback.score:.2f} of 1):\n{feedback.feedback}\n\n"
            "Revise it to address the reflection. Reply with the revised version only."
        )
        return one(AgentStep(GENERATOR, prompt, {"iteration": number + 1}))
    best = max(range(number), key=lambda n: (scores[n], n))
    metadata: dict[str, JsonValue] = {
        "stopped": stopped,
        "scores": [*scores],
        "best_version": best + 1,
    }
    return Finish(versions[best].output, metadata, parsed=versions[best].parsed)


def _reflect(task: str, versions: Sequence[StepRecord], scores: Sequence[float]) -> AgentStep:
    number = len(versions)
    current = versions[-1].output
    if number > 1:
        compare = (
            f"The version before it (version {number - 1}), which you scored "
            f"{scores[-1]:.2f}:\n{versions[-2].output}\n\n"
            f"Say whether version {number} is better or worse than version {number - 1}, and "
            "score it on the same scale.\n\n"
        )
    else:
        compare = ""
    prompt = (
        f"The task:\n{task}\n\nVersion {number} of the answer:\n{current}\n\n{compare}"
        f"Critique version {number}: its strengths, its weaknesses, and what to change.\n\n"
        f"{REVIEW_FORM}"
    )
    return AgentStep(REFLECTOR, prompt, {"iteration": number})


class Reflection(Workflow[ReflectionConfig]):
    """``generator`` writes and revises; ``reflector`` (default: the generator) critiques
    and scores each version."""

    pattern = "reflection"

    def __init__(
        self,
        generator: Executor,
        reflector: Executor | None = None,
        config: ReflectionConfig | None = None,
        *,
        name: str | None = None,
        description: str = "",
    ) -> None:
        reflector = reflector or generator
        check_reply_format(REFLECTOR, reflector, Review)
        roles = {GENERATOR: generator, REFLECTOR: reflector}
        super().__init__(config or ReflectionConfig(), roles, name=name, description=description)

    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        return decide_reflection(self.config, task, steps)
