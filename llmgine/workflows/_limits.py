"""Budgets and the timeout: small objects, combined with ``|``, checked at boundaries.

    MaxTokens(1000) | MaxCost(0.05) | MaxModelCalls(20) | MaxSteps(12) | Timeout(60)

Each limit is checked, with what the run has spent so far (``RunUsage``, nested runs
included), before every step starts and before every model call starts. A limit that is
reached refuses that step or call, and the run ends with ``budget_exceeded`` naming it.
Counts are checked before they grow, so ``MaxSteps`` and ``MaxModelCalls`` are never
passed; tokens and cost are known only when a call returns, so a run may pass
``MaxTokens`` or ``MaxCost`` by at most the calls that were already in flight when it
reached the limit. ``Timeout`` is wall-clock: when it fires, calls in flight are
cancelled and the run ends ``timed_out``.

Limits are data (a ``RunWorkflowCommand`` carries them), and ``blocks`` is a pure function
of the usage, so each can be tested without an event loop.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from llmgine.workflows._results import RunUsage

Action = Literal["step", "model_call"]
"""What is about to start when limits are checked."""


class _Limit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    def __init__(self, **data: Any) -> None:
        # Each limit takes its one number positionally (``MaxTokens(1000)``) and passes it
        # on here by name.
        super().__init__(**data)

    def blocks(self, usage: RunUsage, action: Action) -> bool:
        """Whether ``action`` may not start, given ``usage``."""
        return False

    def describe(self, usage: RunUsage) -> str:
        """What was spent against this limit, in words."""
        raise NotImplementedError

    def __or__(self, other: AnyLimit | Limits) -> Limits:
        return Limits.model_validate({"items": [self]}) | other


class MaxTokens(_Limit):
    """At most ``tokens`` input and output tokens, counted over every model call."""

    limit: Literal["max_tokens"] = "max_tokens"
    tokens: int = Field(gt=0)

    def __init__(self, tokens: int, **data: Any) -> None:
        super().__init__(tokens=tokens, **data)

    def blocks(self, usage: RunUsage, action: Action) -> bool:
        return usage.tokens.total_tokens >= self.tokens

    def describe(self, usage: RunUsage) -> str:
        return f"{usage.tokens.total_tokens} tokens used, the budget is {self.tokens}"


class MaxCost(_Limit):
    """At most ``usd`` US dollars, estimated from the models' prices. A call whose model
    has no known price makes the cost unknown, and an unknown cost counts as reached."""

    limit: Literal["max_cost"] = "max_cost"
    usd: float = Field(gt=0)

    def __init__(self, usd: float, **data: Any) -> None:
        super().__init__(usd=usd, **data)

    def blocks(self, usage: RunUsage, action: Action) -> bool:
        return usage.cost_usd is None or usage.cost_usd >= self.usd

    def describe(self, usage: RunUsage) -> str:
        if usage.cost_usd is None:
            return (
                f"{usage.unpriced_calls} model call(s) had no known price, so a cost budget "
                f"of ${self.usd:g} cannot be kept; give the runtime prices= for those models"
            )
        return f"${usage.cost_usd:.6f} spent, the budget is ${self.usd:g}"


class MaxModelCalls(_Limit):
    """At most ``calls`` model calls (a chat turn with tools makes several)."""

    limit: Literal["max_model_calls"] = "max_model_calls"
    calls: int = Field(gt=0)

    def __init__(self, calls: int, **data: Any) -> None:
        super().__init__(calls=calls, **data)

    def blocks(self, usage: RunUsage, action: Action) -> bool:
        return usage.model_calls >= self.calls

    def describe(self, usage: RunUsage) -> str:
        return f"{usage.model_calls} model calls made, the budget is {self.calls}"


class MaxSteps(_Limit):
    """At most ``steps`` steps, the steps of nested runs included."""

    limit: Literal["max_steps"] = "max_steps"
    steps: int = Field(gt=0)

    def __init__(self, steps: int, **data: Any) -> None:
        super().__init__(steps=steps, **data)

    def blocks(self, usage: RunUsage, action: Action) -> bool:
        return action == "step" and usage.steps >= self.steps

    def describe(self, usage: RunUsage) -> str:
        return f"{usage.steps} steps taken, the budget is {self.steps}"


class Timeout(_Limit):
    """At most ``seconds`` of wall-clock time for the whole run; the runtime's timer
    enforces it (calls in flight are cancelled), so it never blocks a check."""

    limit: Literal["timeout"] = "timeout"
    seconds: float = Field(gt=0)

    def __init__(self, seconds: float, **data: Any) -> None:
        super().__init__(seconds=seconds, **data)

    def describe(self, usage: RunUsage) -> str:
        return f"the run took longer than {self.seconds:g} s"


AnyLimit = Annotated[
    MaxTokens | MaxCost | MaxModelCalls | MaxSteps | Timeout, Field(discriminator="limit")
]


class Limits(BaseModel):
    """Several limits at once: whichever is reached first stops the run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    items: tuple[AnyLimit, ...] = ()

    @classmethod
    def of(cls, *limits: AnyLimit | Limits | None) -> Limits:
        """The limits given, flattened; ``None`` adds nothing."""
        items: list[AnyLimit] = []
        for limit in limits:
            if isinstance(limit, Limits):
                items.extend(limit.items)
            elif limit is not None:
                items.append(limit)
        return cls(items=tuple(items))

    def __or__(self, other: AnyLimit | Limits) -> Limits:
        return Limits.of(self, other)

    def blocking(self, usage: RunUsage, action: Action) -> AnyLimit | None:
        """The first limit that does not let ``action`` start, if any."""
        return next((limit for limit in self.items if limit.blocks(usage, action)), None)

    @property
    def timeout(self) -> float | None:
        """The shortest timeout among the limits, in seconds."""
        seconds = [limit.seconds for limit in self.items if isinstance(limit, Timeout)]
        return min(seconds) if seconds else None
