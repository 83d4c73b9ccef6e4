"""Hierarchical: a manager plans subtasks, workers do them in parallel, the results are
combined.

The manager is shown the task and the workers (their names and descriptions) and replies
with a structured plan, ``{"subtasks": [{"task": ..., "worker": ...}]}``, read strictly:
between one and ``max_subtasks`` subtasks, each naming a worker that exists (or none: then
the subtasks without one go to the workers in turn). A plan that does not fit is shown to
the manager with what is wrong, up to ``plan_attempts`` asks in all; then the run fails.

The workers (agents or whole workflows) do their subtasks concurrently, ``max_parallel``
at a time. A failed subtask fails the run, or with ``on_subtask_failure="skip"`` is left
out and named to the synthesizer; if every subtask failed the run fails. The synthesizer
(default: the manager) combines the results into the answer; the result of a plan of one
subtask is the answer as it is. ``iterations`` counts the subtasks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

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
)
from llmgine.workflows._replies import Malformed, StrictReply, ask_for, parse_reply, roster
from llmgine.workflows._results import StepRecord
from llmgine.workflows._workflow import Workflow, WorkflowConfigError, named, unique_roles

MANAGER = "manager"
SYNTHESIZER = "synthesizer"


class HierarchicalConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_subtasks: int = Field(default=5, ge=1)
    """The most subtasks a plan may have (a longer plan is malformed, not cut)."""
    plan_attempts: int = Field(default=2, ge=1)
    """How many times the manager is asked for a plan it can be held to."""
    max_parallel: int | None = Field(default=None, gt=0)
    """Workers at once (None: all, within the runtime's limit)."""
    on_subtask_failure: Literal["fail", "skip"] = "fail"


class Subtask(StrictReply):
    task: str = Field(min_length=1)
    worker: str | None = None


class TaskPlan(StrictReply):
    subtasks: list[Subtask]


def read_plan(
    output: str, workers: Sequence[str], max_subtasks: int
) -> list[tuple[str, str]] | Malformed:
    """The subtasks of a manager's reply with their workers, or what is wrong with it."""
    plan = parse_reply(output, TaskPlan)
    if isinstance(plan, Malformed):
        return plan
    if not 1 <= len(plan.subtasks) <= max_subtasks:
        return Malformed(f"a plan has 1 to {max_subtasks} subtasks, not {len(plan.subtasks)}")
    unknown = [s.worker for s in plan.subtasks if s.worker is not None and s.worker not in workers]
    if unknown:
        return Malformed(f"there is no worker named {unknown[0]!r}")
    return [(s.task, s.worker or workers[n % len(workers)]) for n, s in enumerate(plan.subtasks)]


def decide_hierarchical(
    config: HierarchicalConfig, workers: Mapping[str, str], task: str, steps: Sequence[StepRecord]
) -> Decision:
    """The plan, the subtasks, the synthesis, or the end.

    ``workers`` maps each worker's name to its description.
    """
    plans = of_role(steps, MANAGER)
    if not plans:
        return one(_plan_step(config, workers, task, None, 1))
    if not plans[-1].ok:
        return failed(plans[-1], "the manager's plan")
    subtasks = read_plan(plans[-1].output, list(workers), config.max_subtasks)
    if isinstance(subtasks, Malformed):
        if len(plans) < config.plan_attempts:
            return one(_plan_step(config, workers, task, subtasks.reason, len(plans) + 1))
        return Fail(
            f"the manager's plan is malformed after {len(plans)} attempt(s): {subtasks.reason}"
        )
    done = sorted(
        (step for step in steps if "subtask" in step.tags), key=lambda s: int(s.tags["subtask"])
    )
    if not done:
        total = len(subtasks)
        return RunSteps(
            tuple(
                AgentStep(worker, _work_prompt(task, job, n, total), {"subtask": n, "iteration": n})
                for n, (job, worker) in enumerate(subtasks, 1)
            ),
            config.max_parallel,
        )
    lost = [step for step in done if not step.ok]
    metadata: dict[str, JsonValue] = {
        "plan_attempts": len(plans),
        "subtasks": [
            {"task": _subtask(subtasks, step), "worker": step.role, "status": step.status}
            for step in done
        ],
        "failed_subtasks": [int(step.tags["subtask"]) for step in lost],
    }
    if lost and (config.on_subtask_failure == "fail" or len(lost) == len(done)):
        return Fail(failed(lost[0], f"subtask {lost[0].tags['subtask']}").error, metadata)
    if len(done) == 1:
        return Finish(done[0].output, metadata)
    synthesis = of_role(steps, SYNTHESIZER)
    if not synthesis:
        return one(AgentStep(SYNTHESIZER, _synthesis_prompt(task, subtasks, done)))
    if not synthesis[0].ok:
        return failed(synthesis[0], "the synthesis")
    return Finish(synthesis[0].output, metadata)


def _subtask(subtasks: Sequence[tuple[str, str]], step: StepRecord) -> str:
    return subtasks[int(step.tags["subtask"]) - 1][0]


def _plan_step(
    config: HierarchicalConfig,
    workers: Mapping[str, str],
    task: str,
    problem: str | None,
    attempt: int,
) -> AgentStep:
    again = f"Your last plan could not be used: {problem}. Plan again.\n\n" if problem else ""
    prompt = (
        f"Task: {task}\n\nWorkers:\n{roster(workers)}\n\n{again}Break the task into at most "
        f"{config.max_subtasks} subtasks that can be done independently and at the same "
        "time, and give each to the worker best suited to it.\n"
        + ask_for('{"subtasks": [{"task": "<what to do>", "worker": "<a worker\'s name>"}]}')
    )
    return AgentStep(MANAGER, prompt, {"attempt": attempt})


def _work_prompt(task: str, subtask: str, number: int, total: int) -> str:
    return (
        f"Overall task: {task}\n\nYour subtask ({number} of {total}): {subtask}\n\nDo this "
        "subtask only; your result will be combined with the results of the others."
    )


def _synthesis_prompt(
    task: str, subtasks: Sequence[tuple[str, str]], done: Sequence[StepRecord]
) -> str:
    parts = [
        f"[Subtask {step.tags['subtask']}, by {step.role}] {_subtask(subtasks, step)}\n"
        f"Result: {step.output if step.ok else 'missing (the subtask failed)'}"
        for step in done
    ]
    return (
        f"Task: {task}\n\nThe subtasks and their results:\n\n" + "\n\n".join(parts) + "\n\n"
        "Combine the results into one answer to the task; say what is missing, if anything."
    )


class Hierarchical(Workflow[HierarchicalConfig]):
    """``manager`` plans, ``workers`` (executors, or ``(name, executor)`` pairs, at least
    one) do the subtasks, ``synthesizer`` (default: the manager) combines."""

    pattern = "hierarchical"

    def __init__(
        self,
        manager: Executor,
        workers: Sequence[Executor | tuple[str, Executor]],
        synthesizer: Executor | None = None,
        config: HierarchicalConfig | None = None,
        *,
        name: str | None = None,
        description: str = "",
    ) -> None:
        staff = named(workers)
        if not staff:
            raise WorkflowConfigError(
                "a hierarchical workflow needs at least one worker to give subtasks to"
            )
        unique_roles("worker", [n for n, _ in staff], reserved=(MANAGER, SYNTHESIZER))
        roles = {MANAGER: manager, SYNTHESIZER: synthesizer or manager} | dict(staff)
        super().__init__(config or HierarchicalConfig(), roles, name=name, description=description)
        self.workers = {n: executor.description for n, executor in staff}

    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        return decide_hierarchical(self.config, self.workers, task, steps)
