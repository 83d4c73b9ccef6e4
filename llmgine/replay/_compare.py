"""Comparing a replayed run with its recording, turn by turn: where did it first diverge?

A turn is seen as its steps: each tool call (name and arguments), then its final answer,
or its failure. Two runs are identical when every turn has the same steps; otherwise the
first step that differs is the divergence: a different tool call, different arguments, a
different final answer, a step missing or one too many. Pure functions over messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from llmgine.engine import TurnResult
from llmgine.messages import CommandResult, Message
from llmgine.tools import ExecuteToolCommand


@dataclass(frozen=True)
class TurnStep:
    """One step of a turn: a tool call, the final answer, or the turn's failure."""

    kind: Literal["tool", "answer", "failed"]
    name: str
    """The tool's name (empty for an answer or a failure)."""
    text: str
    """The tool call's arguments, the answer, or the error."""

    def describe(self) -> str:
        if self.kind == "tool":
            return f"tool call {self.name}({self.text})"
        if self.kind == "answer":
            return f"answer {_cut(self.text)!r}"
        return f"failure: {_cut(self.text)}"


@dataclass(frozen=True)
class Divergence:
    """Where a replayed turn first differs from the recorded one."""

    session_id: str
    turn: int
    """The turn's number in the replay, from 1."""
    step: int
    """The step's number in the turn, from 1."""
    what: str
    recorded: TurnStep | None
    replayed: TurnStep | None

    def describe(self) -> str:
        recorded = self.recorded.describe() if self.recorded else "nothing"
        replayed = self.replayed.describe() if self.replayed else "nothing"
        return (
            f"turn {self.turn} (session {self.session_id!r}), step {self.step}: {self.what}\n"
            f"  recorded: {recorded}\n  replayed: {replayed}"
        )


def turn_steps(
    turn_id: str, result: CommandResult[object] | None, messages: Iterable[Message]
) -> list[TurnStep]:
    """The steps of the turn ``turn_id``: its tool calls in ``messages``, then its outcome."""
    steps = [
        TurnStep("tool", m.call.name, m.call.arguments)
        for m in messages
        if isinstance(m, ExecuteToolCommand) and m.parent_id == turn_id
    ]
    if result is None:
        steps.append(TurnStep("failed", "", "the turn never finished"))
    elif result.success and isinstance(result.result, TurnResult):
        steps.append(TurnStep("answer", "", result.result.content))
    else:
        steps.append(TurnStep("failed", "", result.error or "the turn failed"))
    return steps


def first_divergence(
    session_id: str, turn: int, recorded: Sequence[TurnStep], replayed: Sequence[TurnStep]
) -> Divergence | None:
    """The first step where ``replayed`` differs from ``recorded``, if any."""
    for index in range(max(len(recorded), len(replayed))):
        old = recorded[index] if index < len(recorded) else None
        new = replayed[index] if index < len(replayed) else None
        if old == new:
            continue
        return Divergence(session_id, turn, index + 1, _what(old, new), old, new)
    return None


def _what(old: TurnStep | None, new: TurnStep | None) -> str:
    if old is None:
        return "a step more than recorded"
    if new is None:
        return "a step fewer than recorded"
    if new.kind == "failed":
        return "the turn failed"
    if old.kind != new.kind:
        return "a different step (tool call against answer)"
    if old.kind == "tool":
        return "a different tool call" if old.name != new.name else "different arguments"
    return "a different final answer" if old.kind == "answer" else "a different failure"


def _cut(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
