"""What a workflow run produces: one record per step, the usage of the run, the result.

These are plain data: the pure decision functions of the patterns read ``StepRecord``s,
the runtime writes them, and the result of a ``RunWorkflowCommand`` carries them all, so
the log holds every step of a run with what went in and what came out.

A step that failed is recorded as failed, with its error and its kind; its ``output`` is
empty, so no pattern can mistake an error for an answer.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from llmgine.llm import ParsedReply, ToolCall, Usage

StepKind = Literal["agent", "workflow", "tool"]
"""What a step called: an agent (one chat turn), another workflow, or one tool."""

StepStatus = Literal["completed", "failed", "cancelled"]

TerminalReason = Literal["completed", "failed", "cancelled", "timed_out", "budget_exceeded"]
"""How a run ended; every run ends in exactly one of these."""

LimitName = Literal["max_tokens", "max_cost", "max_model_calls", "max_steps", "timeout"]

Tags = dict[str, int | str]
"""What a pattern notes about a step to find it again (``{"round": 2}``, ``{"chunk": 7}``).
The tag ``iteration`` is the one the result's ``iterations`` counts."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class TextDigest(_Frozen):
    """A text as events carry it: whole up to a size, above it its head and a fingerprint."""

    text: str
    chars: int
    sha256: str | None = None
    """Set when ``text`` was cut: the SHA-256 of the whole text."""

    @classmethod
    def of(cls, text: str, limit: int) -> TextDigest:
        if len(text) <= limit:
            return cls(text=text, chars=len(text))
        digest = hashlib.sha256(text.encode()).hexdigest()
        return cls(text=text[:limit], chars=len(text), sha256=digest)


class RunUsage(_Frozen):
    """What was spent on behalf of a run (its nested runs included), or of one step.

    ``cost_usd`` is ``None`` when some model call had no known price (``unpriced_calls``):
    an unknown cost is never counted as zero.
    """

    tokens: Usage = Usage()
    cost_usd: float | None = 0.0
    unpriced_calls: int = 0
    model_calls: int = 0
    tool_calls: int = 0
    steps: int = 0


class StepRecord(_Frozen):
    """One step of a run, as the patterns and the result see it."""

    index: int
    """Order of start within the run, from 1."""
    role: str
    """The part the pattern gave this step's executor (``"judge"``, ``"mapper"``...)."""
    executor: str
    """The name of the agent, workflow or tool that was called."""
    kind: StepKind
    tags: Tags = Field(default_factory=dict)
    input: str
    status: StepStatus
    output: str = ""
    """The answer; empty unless the step completed."""
    error: str | None = None
    error_kind: str | None = None
    """A ``FailureKind`` of the bus, a tool's ``error_kind``, or a nested run's reason."""
    tool_calls: tuple[ToolCall, ...] = ()
    """Tool calls the agent asked for and did not run (a step that leaves them to the
    pattern, as ReAct's do)."""
    parsed: ParsedReply = None
    """The agent's reply as an instance of its response format, for structured agents."""
    model: str | None = None
    finish_reason: str | None = None
    usage: RunUsage = RunUsage()
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "completed"


class WorkflowResult(_Frozen):
    """What a run returns, however it ended.

    ``reason`` says how it ended; ``limit`` names the limit that stopped it (a budget, or
    the timeout) and ``error`` says what went wrong when it did not complete. ``output``
    is the answer of a completed run and empty otherwise: a run that stopped early has no
    answer, and its steps (with their outputs) are all in ``steps``.
    """

    run_id: str
    workflow: str
    pattern: str
    reason: TerminalReason
    output: str = ""
    parsed: ParsedReply = None
    iterations: int = 0
    steps: tuple[StepRecord, ...] = ()
    metadata: dict[str, JsonValue] = Field(default_factory=dict)
    usage: RunUsage = RunUsage()
    limit: LimitName | None = None
    error: str | None = None
    duration_ms: float = 0.0

    @property
    def completed(self) -> bool:
        return self.reason == "completed"
