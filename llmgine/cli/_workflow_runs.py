"""The runs of a workflow as they happen, rebuilt from the messages of the bus.

``RunTracker.observe`` takes every message (it is fed by a sink) and keeps a tree: each run
with its steps, each step with the run it started, if it ran a workflow. A nested run is
found under its step through its ``RunWorkflowCommand`` (``parent_run``, ``parent_step``).
It returns what changed, one ``Change`` per step or run that began or ended, for a view to
show; messages of other kinds change nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from llmgine.logs import format_ms, shorten
from llmgine.messages import Message
from llmgine.workflows import (
    RunWorkflowCommand,
    WorkflowFailedEvent,
    WorkflowFinishedEvent,
    WorkflowStartedEvent,
    WorkflowStepCompletedEvent,
    WorkflowStepFailedEvent,
    WorkflowStepFinishedEvent,
    WorkflowStepStartedEvent,
)

_REASONS = {
    "completed": "completed",
    "failed": "failed",
    "cancelled": "cancelled",
    "timed_out": "timed out",
    "budget_exceeded": "budget exceeded",
}


@dataclass(eq=False)
class StepNode:
    index: int
    role: str
    executor: str
    kind: str
    tags: dict[str, int | str]
    started: float
    status: str | None = None
    """None while it runs; then ``completed``, ``failed`` or ``cancelled``."""
    duration_ms: float = 0.0
    tokens: int = 0
    output: str = ""
    error: str = ""
    run: RunNode | None = None
    """The run it started, for a step that runs a workflow."""

    @property
    def title(self) -> str:
        """``Proponent (round 1)``, ``debate as mapper (chunk 3)``, ``tool add``."""
        name = f"tool {self.executor}" if self.kind == "tool" else self.executor
        if self.role.lower() not in (self.executor.lower(), "tool"):
            name += f" as {self.role}"
        others = {k: v for k, v in self.tags.items() if k != "iteration"}
        shown = others or {k: v for k, v in self.tags.items() if v != self.index}
        tags = ", ".join(f"{key} {value}" for key, value in shown.items())
        return f"{name} ({tags})" if tags else name

    def facts(self) -> str:
        """``0.52 s · 431 tokens``"""
        spent = f" · {self.tokens:,} tokens" if self.tokens else ""
        return f"{format_ms(self.duration_ms)}{spent}"


@dataclass(eq=False)
class RunNode:
    run_id: str
    workflow: str
    pattern: str
    label: str
    started: float
    steps: dict[int, StepNode] = field(default_factory=dict)
    reason: str | None = None
    """None while it runs; then its ``TerminalReason``."""
    detail: str = ""
    duration_ms: float = 0.0

    @property
    def ending(self) -> str:
        """``completed``, ``budget exceeded: max_tokens: ...``"""
        said = _REASONS.get(self.reason or "", self.reason or "running")
        return f"{said}: {self.detail}" if self.detail and self.reason != "completed" else said

    @property
    def tokens(self) -> int:
        return sum(step.tokens for step in self.steps.values())


@dataclass(frozen=True)
class Change:
    what: Literal["run started", "run finished", "step started", "step finished"]
    run: RunNode
    step: StepNode | None = None


class RunTracker:
    """Every run seen so far; ``roots`` are those no other run started."""

    def __init__(self) -> None:
        self.runs: dict[str, RunNode] = {}
        self.roots: list[RunNode] = []
        self._parents: dict[str, tuple[str, int]] = {}

    def observe(self, message: Message) -> Change | None:
        if isinstance(message, RunWorkflowCommand):
            if message.parent_run is not None and message.parent_step is not None:
                self._parents[message.command_id] = (message.parent_run, message.parent_step)
            return None
        if isinstance(message, WorkflowStartedEvent):
            return self._run_started(message)
        run = self.runs.get(getattr(message, "run_id", ""))
        if run is None:
            return None
        if isinstance(message, WorkflowStepStartedEvent):
            step = StepNode(
                message.step, message.role, message.executor, message.step_kind,
                dict(message.tags), time.perf_counter(),
            )  # fmt: skip
            run.steps[step.index] = step
            return Change("step started", run, step)
        if isinstance(message, WorkflowStepFinishedEvent):
            return self._step_finished(run, message)
        if isinstance(message, WorkflowFinishedEvent):
            run.reason = message.reason
            run.duration_ms = message.duration_ms
            run.detail = _detail(message)
            return Change("run finished", run)
        return None

    def _run_started(self, event: WorkflowStartedEvent) -> Change:
        parent = self._parents.pop(event.run_id, None)
        outer = self.runs.get(parent[0]) if parent else None
        step = outer.steps.get(parent[1]) if outer and parent else None
        name = event.workflow
        label = f"{outer.label}/{step.index}:{name}" if outer and step else name
        run = RunNode(event.run_id, event.workflow, event.pattern, label, time.perf_counter())
        self.runs[run.run_id] = run
        if step is not None:
            step.run = run
        else:
            self.roots.append(run)
        return Change("run started", run)

    def _step_finished(self, run: RunNode, event: WorkflowStepFinishedEvent) -> Change | None:
        step = run.steps.get(event.step)
        if step is None:
            return None
        step.status = event.status
        step.duration_ms = event.duration_ms
        step.tokens = event.usage.input_tokens + event.usage.output_tokens
        if isinstance(event, WorkflowStepCompletedEvent):
            step.output = event.output.text
        elif isinstance(event, WorkflowStepFailedEvent):
            step.error = event.error
        return Change("step finished", run, step)


def _detail(event: WorkflowFinishedEvent) -> str:
    """Why a run that did not complete ended (the terminal events name it ``error`` or
    ``detail``)."""
    if isinstance(event, WorkflowFailedEvent):
        return event.error
    return str(getattr(event, "detail", ""))


def counted(number: int, noun: str) -> str:
    """``1 step``, ``2 steps``, ``1,024 model calls``."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def change_line(change: Change) -> str:
    """The change as one plain line, for a pipe or a file."""
    run, step = change.run, change.step
    if change.what == "run started":
        return f"{run.label} started" + (f" ({run.pattern})" if run.pattern != run.workflow else "")
    if change.what == "run finished":
        steps = counted(len(run.steps), "step")
        return f"{run.label} {run.ending} · {steps} · {format_ms(run.duration_ms)}"
    assert step is not None
    if change.what == "step started":
        return f"{run.label} step {step.index} {step.title} …"
    if step.status == "completed":
        said = f' → "{shorten(step.output, 60)}"' if step.output else ""
        return f"{run.label} step {step.index} {step.title} ✓ {step.facts()}{said}"
    return f"{run.label} step {step.index} {step.title} ✗ {step.status}: {shorten(step.error, 120)}"
