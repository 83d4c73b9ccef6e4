"""Steps: the commands a delivered command's handler sends, each keyed for replay.

While a worker runs a command that came from the stream, ``current`` holds its scope: its
key, and whether this is a second (or later) delivery. A command the handler sends then
gets a key derived from that scope (``_names.step_key``), and its result is stored under
it before the handler sees it. When the command is delivered again after a crash, the
handler runs again, sends the same commands in the same order, and each one already
finished (a model call, a tool) is answered from the store instead of running again: it
is not paid for twice. A command that asks for something else than the first time gets
another key, so it runs.
"""

from __future__ import annotations

from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from llmgine.messages import Command, CommandResult
from llmgine.transports.nats._names import fingerprint, step_key


@dataclass
class Scope:
    """The command being handled on this worker, as the parent of what its handler sends."""

    key: str
    replaying: bool
    """Delivered before: results of its steps may already be stored."""
    seen: Counter[str] = field(default_factory=Counter)

    def child_key(self, command: Command[Any]) -> str:
        print_ = fingerprint(command)
        occurrence = self.seen[print_]
        self.seen[print_] = occurrence + 1
        return step_key(self.key, print_, occurrence)

    def child(self, key: str) -> Scope:
        return Scope(key, self.replaying)


current: ContextVar[Scope | None] = ContextVar("llmgine_nats_scope", default=None)


def final(result: CommandResult[Any]) -> bool:
    """Whether ``result`` is the command's outcome, to be kept: not a cancellation or a
    transport failure, which say nothing of what the command would do."""
    failure = result.failure
    return failure is None or failure.kind not in ("cancelled", "transport_error")


def as_result_of(result: CommandResult[Any], command: Command[Any]) -> CommandResult[Any]:
    """A stored result, made the result of ``command`` (a replay answers a new id)."""
    if (result.command_id, result.session_id) == (command.command_id, command.session_id):
        return result
    return result.model_copy(
        update={"command_id": command.command_id, "session_id": command.session_id}
    )
