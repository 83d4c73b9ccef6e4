"""The messages of workflow runs.

    RunWorkflowCommand          run a registered workflow on an input: the result is a
                                ``WorkflowResult`` however the run ended (its ``reason``)
    CancelWorkflowCommand       cancel a running run: the result says whether one ran

    WorkflowStartedEvent        a run began (pattern, input, limits, parent run)
    WorkflowStepStartedEvent    a step began: its role, executor, kind, input
    WorkflowStepCompletedEvent  ... and completed: output, usage, cost, duration
    WorkflowStepFailedEvent     ... or did not (failed or cancelled): error and its kind
    WorkflowFinishedEvent       the one terminal event of a run, one of:
      WorkflowCompletedEvent        with the answer
      WorkflowFailedEvent           a step the pattern needed failed, or the pattern did
      WorkflowCancelledEvent        a CancelWorkflowCommand, or the caller was cancelled
      WorkflowTimedOutEvent         the run's Timeout fired
      WorkflowBudgetExceededEvent   a budget refused a step or a model call

Inputs and outputs travel as ``TextDigest``s: whole up to the runtime's ``digest_above``,
cut with a fingerprint beyond (the result of the command holds them whole). A step's agent
call (``PromptCommand``) or nested run (``RunWorkflowCommand``) points at the step's
started event through ``parent_id``; the run's own events point at its command. So the log
nests: run, steps, agent calls, model and tool calls. These names are part of the log
format: keep them.
"""

from __future__ import annotations

from pydantic import Field

from llmgine.llm import Usage
from llmgine.messages import Command, Event
from llmgine.workflows._limits import Limits
from llmgine.workflows._results import (
    LimitName,
    RunUsage,
    StepKind,
    StepStatus,
    Tags,
    TerminalReason,
    TextDigest,
    WorkflowResult,
)


class RunWorkflowCommand(Command[WorkflowResult]):
    """Run the workflow registered as ``workflow`` with ``input``.

    ``parent_run`` and ``parent_step`` are set by the runtime for a run nested in another:
    the outer run's limits and cancellation then reach this one, and its usage counts for
    that step and the outer run too.
    """

    workflow: str
    input: str
    limits: Limits = Limits()
    parent_run: str | None = None
    parent_step: int | None = None


class CancelWorkflowCommand(Command[bool]):
    """Cancel run ``run_id``: no new step, model call or tool call of it starts, those in
    flight are cancelled, and it ends ``cancelled``. Its nested runs go with it."""

    run_id: str
    reason: str = "cancelled"


class WorkflowEvent(Event):
    run_id: str
    workflow: str


class WorkflowStartedEvent(WorkflowEvent):
    pattern: str
    input: TextDigest
    limits: Limits = Limits()
    parent_run: str | None = None


class WorkflowStepStartedEvent(WorkflowEvent):
    step: int
    role: str
    executor: str
    step_kind: StepKind
    tags: Tags = Field(default_factory=dict)
    input: TextDigest
    model: str | None = None


class WorkflowStepFinishedEvent(WorkflowEvent):
    step: int
    role: str
    executor: str
    step_kind: StepKind
    status: StepStatus
    usage: Usage
    cost_usd: float | None
    model_calls: int
    duration_ms: float


class WorkflowStepCompletedEvent(WorkflowStepFinishedEvent):
    output: TextDigest


class WorkflowStepFailedEvent(WorkflowStepFinishedEvent):
    error: str
    error_kind: str | None = None


class WorkflowFinishedEvent(WorkflowEvent):
    """The end of a run: exactly one of its subclasses is published per run."""

    reason: TerminalReason
    iterations: int
    steps: int
    usage: RunUsage
    duration_ms: float


class WorkflowCompletedEvent(WorkflowFinishedEvent):
    output: TextDigest


class WorkflowFailedEvent(WorkflowFinishedEvent):
    error: str


class WorkflowCancelledEvent(WorkflowFinishedEvent):
    detail: str


class WorkflowTimedOutEvent(WorkflowFinishedEvent):
    detail: str


class WorkflowBudgetExceededEvent(WorkflowFinishedEvent):
    limit: LimitName
    detail: str
