"""The vocabulary of hooks: stages, targets, error policies and what a hook is given.

A *target* is a kind of work (a chat turn, a workflow, a tool call, a model call); each has
a ``before_`` and an ``after_`` *stage*. A hook is a function of one ``HookContext`` that
returns the new payload of its stage, or ``None`` to leave it as it is. The context is
frozen: a hook changes things by returning, never by assigning to the context, so the
chain reads top to bottom. Only ``metadata`` is mutable, on purpose: it is the notebook
the hooks of one command share.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from llmgine.messages import Command

HookTarget = Literal["executor", "workflow", "tool", "llm"]
"""What a hook point wraps: a chat turn, a workflow run, a tool call or a model call."""

HookStage = Literal[
    "before_executor",
    "after_executor",
    "before_workflow",
    "after_workflow",
    "before_tool",
    "after_tool",
    "before_llm",
    "after_llm",
]
"""When a hook runs: before its target's handler (on the command) or after (on the result)."""

HookErrorPolicy = Literal["fail", "skip", "log"]
"""What a hook that raises or times out does to its command: fail it, or drop the change
(``"log"`` also logs a warning)."""

TARGETS: tuple[HookTarget, ...] = ("executor", "workflow", "tool", "llm")
POLICIES: tuple[HookErrorPolicy, ...] = ("fail", "skip", "log")
STAGES: dict[HookStage, tuple[HookTarget, bool]] = {
    "before_executor": ("executor", True),
    "after_executor": ("executor", False),
    "before_workflow": ("workflow", True),
    "after_workflow": ("workflow", False),
    "before_tool": ("tool", True),
    "after_tool": ("tool", False),
    "before_llm": ("llm", True),
    "after_llm": ("llm", False),
}
"""Each stage's target, and whether it runs before the handler (True) or after it."""
TARGET_STAGES: dict[HookTarget, tuple[HookStage, HookStage]] = {
    "executor": ("before_executor", "after_executor"),
    "workflow": ("before_workflow", "after_workflow"),
    "tool": ("before_tool", "after_tool"),
    "llm": ("before_llm", "after_llm"),
}

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class HookContext(Generic[P]):
    """What one hook is given.

    ``payload`` is what this hook may change, as the previous hook of the stage left it;
    ``original`` is the payload as it entered the stage. ``command`` is the command as it
    stands (before stages) or as its handler received it (after stages); ``result`` is the
    handler's result value as it stands, in after stages only. ``metadata`` is one dict
    shared by every hook that runs for this command, before and after stages alike.
    """

    stage: HookStage
    target: HookTarget
    payload: P
    original: P
    command: Command[Any]
    session_id: str
    result: object | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


HookFunction = Callable[[HookContext[Any]], object | Awaitable[object]]
"""A hook: sync or async, it returns the new payload or ``None`` (no change), and rejects
the command by raising ``HookRejected``."""
