"""What tool execution puts on the bus, and what it gives back.

    ExecuteToolCommand        run one tool call; the result is a ``ToolResult``
    ToolCallEvent             base of the three below (subscribe to it for all of them)
    ├── ToolCallRequestedEvent    the model asked for a tool call (published by the engine)
    ├── ToolCallCompletedEvent    the tool ran and returned; ``result`` is what the model reads
    └── ToolCallFailedEvent       bad JSON, unknown tool, invalid arguments, an exception,
                                  a timeout, or a rejection (by a hook, or a call of a tool
                                  that requires approval, not approved); ``error_kind`` says
                                  which

A failed tool call is not a failed command: the model gets a readable ``ToolResult`` either
way and the turn goes on. These names are part of the log format: keep them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from llmgine.llm import ToolCall, ToolResultMessage
from llmgine.messages import Command, DecodeError, Event, loads

ToolErrorKind = Literal[
    "invalid_json", "unknown_tool", "invalid_arguments", "exception", "timeout", "rejected"
]
"""Why a tool call failed: the closed set a handler of ``ToolCallFailedEvent`` can match on."""


class ToolResult(BaseModel):
    """The outcome of one tool call, as the model will read it.

    ``content`` is the text sent back to the model: the tool's return value (strings as they
    are, anything else as JSON) or, on failure, an error message that says what to fix.
    ``arguments`` is the JSON text exactly as the model produced it.
    """

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    call_id: str
    tool_name: str
    arguments: str
    content: str
    error: str | None = None
    error_kind: ToolErrorKind | None = None
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error_kind is None

    def to_message(self) -> ToolResultMessage:
        """The message that carries this result back to the model."""
        return ToolResultMessage(
            tool_call_id=self.call_id,
            name=self.tool_name,
            content=self.content,
            is_error=not self.ok,
        )


def parse_arguments(call: ToolCall) -> dict[str, Any]:
    """The call's arguments as a dict, integers of any size exact (an id above 2**64 must
    reach the tool as the int it is, not as a float); ``ValueError`` when they are not a
    JSON object."""
    try:
        value = loads(call.arguments or "{}")
    except DecodeError as exc:
        raise ValueError(f"arguments of tool call {call.name!r} are not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError(f"arguments of tool call {call.name!r} are not a JSON object")
    return value


def arguments_or_text(text: str) -> dict[str, Any] | str:
    """Tool-call arguments as a dict when they are a JSON object (integers exact), else the
    raw text as sent."""
    try:
        value = loads(text or "{}")
    except DecodeError:
        return text
    return value if isinstance(value, dict) else text


class ExecuteToolCommand(Command[ToolResult]):
    """Run ``call`` with the registered tool of that name; the result is a ``ToolResult``."""

    call: ToolCall


class ToolCallEvent(Event):
    """Something that happened to one tool call; never published itself (the name is the
    original LLMgine's, for what its engine published about tool calls)."""

    call_id: str
    tool_name: str


class ToolCallRequestedEvent(ToolCallEvent):
    arguments: str
    """The JSON text of the arguments, exactly as the model produced it."""


class ToolCallCompletedEvent(ToolCallEvent):
    result: str
    duration_ms: float


class ToolCallFailedEvent(ToolCallEvent):
    error: str
    error_kind: ToolErrorKind
    duration_ms: float
