"""Pipeline: stages one after the other, each given the previous stage's output.

A stage that fails ends the run as failed: the next stage would have nothing to work on.
With ``include_original`` every stage after the first also sees the run's input.
``iterations`` counts the stages that ran.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from llmgine.workflows._executors import Executor
from llmgine.workflows._plan import AgentStep, Decision, Finish, failed, one
from llmgine.workflows._results import StepRecord
from llmgine.workflows._workflow import Workflow, WorkflowConfigError, unique_roles


class PipelineConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    include_original: bool = False
    """Give each stage after the first the run's input as well as the previous output."""


def decide_pipeline(
    config: PipelineConfig, stages: Sequence[str], task: str, steps: Sequence[StepRecord]
) -> Decision:
    """The next stage, or the end: the last stage's output."""
    if steps and not steps[-1].ok:
        return failed(steps[-1], f"stage {steps[-1].role!r}")
    done = len(steps)
    if done == len(stages):
        last = steps[-1]
        return Finish(last.output, {"stages": list(stages)}, parsed=last.parsed)
    if not steps:
        text = task
    elif config.include_original:
        text = (
            f"Original input:\n{task}\n\n"
            f"Output of the previous stage ({steps[-1].role}):\n{steps[-1].output}"
        )
    else:
        text = steps[-1].output
    return one(AgentStep(stages[done], text, {"iteration": done + 1}))


class Pipeline(Workflow[PipelineConfig]):
    """Runs ``stages`` in order: executors, or ``(name, executor)`` pairs."""

    pattern = "pipeline"

    def __init__(
        self,
        stages: Sequence[Executor | tuple[str, Executor]],
        config: PipelineConfig | None = None,
        *,
        name: str | None = None,
        description: str = "",
    ) -> None:
        if not stages:
            raise WorkflowConfigError("a pipeline needs at least one stage")
        named = [stage if isinstance(stage, tuple) else (stage.name, stage) for stage in stages]
        unique_roles("stage", [stage for stage, _ in named])
        super().__init__(
            config or PipelineConfig(), dict(named), name=name, description=description
        )
        self.stages = tuple(stage for stage, _ in named)

    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        return decide_pipeline(self.config, self.stages, task, steps)
