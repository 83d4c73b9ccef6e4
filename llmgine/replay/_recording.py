"""A recording: what a JSONL log says the model and the tools answered, read for replay.

``Recording.from_log`` reads a log (``llmgine.logs.read_log`` gives every model call back
with its whole request) and keeps, in the order they were sent:

- each model call: its model, request, whether it streamed, the text pieces it streamed
  (when the log holds them), and its outcome (the reply, or the failure);
- each tool call and the result it gave;
- each turn: the ``PromptCommand`` that started it and its outcome.

Only sessions named in ``sessions`` are kept (all, by default).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from llmgine.engine import CallLLMCommand, PromptCommand, ResponseDeltaEvent
from llmgine.llm import LLMRequest, LLMResponse
from llmgine.logs import read_log
from llmgine.messages import Command, CommandResult, Failure, Message
from llmgine.tools import ExecuteToolCommand, ToolResult


@dataclass
class RecordedCall:
    """One model call of the log."""

    command_id: str
    session_id: str
    model: str
    request: LLMRequest
    stream: bool
    turn_id: str | None
    outcome: LLMResponse | Failure | None = None
    deltas: list[str] = field(default_factory=list)
    """The text pieces of a streamed reply, as logged (empty when the log has none)."""


@dataclass
class RecordedTool:
    """One tool call of the log and its result (``None`` when the log has no result)."""

    command_id: str
    session_id: str
    command: ExecuteToolCommand
    result: ToolResult | None = None


@dataclass
class RecordedTurn:
    """One turn of the log: its prompt, and its outcome (``None``: never finished)."""

    command: PromptCommand
    result: CommandResult[object] | None = None

    @property
    def command_id(self) -> str:
        return self.command.command_id

    @property
    def session_id(self) -> str:
        return self.command.session_id


@dataclass
class Recording:
    """The model calls, tool calls and turns of a log, in the order they were sent."""

    calls: list[RecordedCall] = field(default_factory=list)
    tools: list[RecordedTool] = field(default_factory=list)
    turns: list[RecordedTurn] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    """Every message kept, in log order (for comparing a replay with its original)."""
    source: Path | None = None

    @classmethod
    def from_log(
        cls, path: str | os.PathLike[str], *, sessions: Iterable[str] | None = None
    ) -> Recording:
        """Read the log at ``path``; keep the sessions named (all, when ``None``)."""
        recording = cls.from_messages(read_log(path), sessions=sessions)
        recording.source = Path(path)
        return recording

    @classmethod
    def from_messages(
        cls, messages: Iterable[object], *, sessions: Iterable[str] | None = None
    ) -> Recording:
        """A recording of messages already read (``read_log``, a ``MemorySink``)."""
        wanted = None if sessions is None else set(sessions)
        recording = cls()
        calls: dict[str, RecordedCall] = {}
        tools: dict[str, RecordedTool] = {}
        turns: dict[str, RecordedTurn] = {}
        for message in messages:
            if not isinstance(message, Message):
                continue
            if wanted is not None and message.session_id not in wanted:
                continue
            recording.messages.append(message)
            if isinstance(message, CallLLMCommand):
                call = RecordedCall(
                    command_id=message.command_id, session_id=message.session_id,
                    model=message.model, request=message.request, stream=message.stream,
                    turn_id=message.parent_id,
                )  # fmt: skip
                calls[call.command_id] = call
                recording.calls.append(call)
            elif isinstance(message, ExecuteToolCommand):
                tool = RecordedTool(message.command_id, message.session_id, message)
                tools[tool.command_id] = tool
                recording.tools.append(tool)
            elif isinstance(message, PromptCommand) and message.parent_id is None:
                turn = RecordedTurn(message)
                turns[message.command_id] = turn
                recording.turns.append(turn)
            elif isinstance(message, ResponseDeltaEvent) and message.parent_id in calls:
                calls[message.parent_id].deltas.append(message.text)
            elif isinstance(message, CommandResult):
                _settle(message, calls, tools, turns)
        return recording

    @property
    def sessions(self) -> list[str]:
        """The sessions that have turns, in the order their first turn began."""
        return list(dict.fromkeys(turn.session_id for turn in self.turns))

    @property
    def model(self) -> str | None:
        """The model of the first call (the app's default model, most likely)."""
        return self.calls[0].model if self.calls else None

    def position(self, message_id: str) -> int:
        """How many model calls the log holds before the message ``message_id`` (a turn,
        a model call, a tool call or an event): a fork there replays that many.

        Raises ``KeyError`` when the recording has no message of that id."""
        count = 0
        for message in self.messages:
            if isinstance(message, CallLLMCommand) and message.command_id == message_id:
                return count
            if _id_of(message) == message_id:
                return count
            if isinstance(message, CallLLMCommand):
                count += 1
        raise KeyError(message_id)


def _id_of(message: Message) -> str | None:
    if isinstance(message, Command | CommandResult):
        return message.command_id
    return getattr(message, "event_id", None)


def _settle(
    result: CommandResult[object],
    calls: dict[str, RecordedCall],
    tools: dict[str, RecordedTool],
    turns: dict[str, RecordedTurn],
) -> None:
    key = result.command_id
    if key in calls:
        reply = result.result
        if result.success and isinstance(reply, LLMResponse):
            calls[key].outcome = reply
        elif result.failure is not None:
            calls[key].outcome = result.failure
    elif key in tools and isinstance(result.result, ToolResult):
        tools[key].result = result.result
    elif key in turns:
        turns[key].result = result
