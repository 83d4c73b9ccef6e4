"""The messages of a chat turn.

    PromptCommand              run one turn of a session: the result is a ``TurnResult``
    CallLLMCommand             one model call of a turn: the result is an ``LLMResponse``
                               (or, failed, a ``Failure`` whose kind names the LLMError)
    CancelTurnCommand          cancel the turn running in the command's session: the
                               result says whether one was running
    LLMCallStartedEvent        a model call is about to be sent
    LLMCallCompletedEvent      ... came back: model, usage, latency, finish reason, the reply
    LLMCallFailedEvent         ... failed (after the provider's own retries)
    ResponseDeltaEvent         a piece of the answer's text, as it streams (published while
                               some handler listens for it, or always: see the engine)
    ResponseCompletedEvent     the turn ended with an answer; ``messages`` are what it adds
                               to the history, so the conversation can be rebuilt from the log
    TurnCancelledEvent         the turn was cancelled; nothing of it entered the history

A turn's messages point back at their ``PromptCommand`` through ``parent_id`` (model calls
and tool calls directly, their events through the call). These names are part of the log
format: keep them.

A log writes each conversation message once: ``CallLLMCommand`` and
``ResponseCompletedEvent`` name their messages by reference to the session's transcript in
that log, the system prompt, tool set and response format by digest
(``llmgine.messages.LogRefs``), so the log grows with the conversation, not its square.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from llmgine.llm import (
    ChatMessage,
    FinishReason,
    LLMRequest,
    LLMResponse,
    ParsedReply,
    ResponseFormat,
    SystemMessage,
    ToolCall,
    Usage,
)
from llmgine.messages import Command, Event, LogRefs
from llmgine.tools import ToolResult

TurnFinish = FinishReason | Literal["max_tool_rounds"]
"""How a turn ended: the last reply's finish reason, or ``"max_tool_rounds"`` when the model
still asked for tools after the last round allowed."""


class TurnResult(BaseModel):
    """What a ``PromptCommand`` returns.

    ``usage`` counts the tokens of this turn's model calls, ``session_usage`` those of the
    whole session so far. ``model`` is the model that served the last call. ``parsed`` is
    the validated instance when the turn asked for a ``response_format``. ``tool_results``
    holds every tool call the turn ran, in order.
    """

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    content: str
    model: str
    finish_reason: TurnFinish
    rounds: int
    usage: Usage
    session_usage: Usage
    tool_results: tuple[ToolResult, ...] = ()
    unexecuted_tool_calls: tuple[ToolCall, ...] = ()
    """Tool calls of the last reply that were not run (``execute_tools=False``, or the
    round limit was reached)."""
    parsed: ParsedReply = None
    response_id: str | None = None


class PromptCommand(Command[TurnResult]):
    """Run one chat turn for the command's session.

    Every field but ``prompt`` overrides the engine's setting for this turn only. ``tools``
    names the registered tools offered (``None``: all of them, ``()``: none).
    ``response_format`` asks for a reply that validates against that pydantic model; an
    invalid reply is shown its validation errors and asked again, up to
    ``max_validation_retries`` times. (In the log it is the model's name and JSON schema;
    a process that reads it back resolves the name: ``register_response_format``.)
    """

    prompt: str
    model: str | None = None
    system_prompt: str | None = None
    tools: tuple[str, ...] | None = None
    execute_tools: bool = True
    max_tool_rounds: int | None = Field(default=None, ge=0)
    response_format: ResponseFormat | None = None
    max_validation_retries: int = Field(default=3, ge=0)
    stream: bool | None = None
    temperature: float | None = None
    max_tokens: int | None = Field(default=None, gt=0)


def _shared_log_wide(message: object) -> bool:
    """System prompts are written once per log: most sessions of an app share theirs."""
    return isinstance(message, SystemMessage)


class CallLLMCommand(Command[LLMResponse], version=2):
    """Send ``request`` to ``model`` (``provider:model``) as round ``round`` of a turn.

    Version 2: a log writes ``request.messages`` by reference (each message once per
    session, a system prompt once per log) and ``request.tools`` and
    ``request.response_format`` once per log. Version 1 lines hold the request whole and
    read back as they are.
    """

    __log_refs__: ClassVar[LogRefs] = LogRefs(
        sequences=("request.messages",),
        shared=("request.tools", "request.response_format"),
        shared_item=_shared_log_wide,
    )

    request: LLMRequest
    model: str
    round: int = 1
    stream: bool = False


class CancelTurnCommand(Command[bool]):
    """Cancel the turn running in this command's session; the result says whether one ran."""

    reason: str = "cancelled"


class LLMCallStartedEvent(Event):
    model: str
    round: int
    message_count: int
    tool_count: int
    stream: bool


class LLMCallCompletedEvent(Event):
    model: str
    """The model that served the call, as ``provider:model``."""
    round: int
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: FinishReason
    usage: Usage
    latency_ms: float
    first_delta_ms: float | None = None
    """When streaming: how long the first piece of the reply took to arrive."""
    response_id: str | None = None


LLMResponseEvent = LLMCallCompletedEvent
"""The original LLMgine's name for a model's reply: the same class (one per model call; the
turn's final answer is ``ResponseCompletedEvent``)."""


class LLMCallFailedEvent(Event):
    model: str
    round: int
    error_type: str
    error: str
    latency_ms: float


class ResponseDeltaEvent(Event):
    text: str
    round: int


class ResponseCompletedEvent(Event, version=2):
    """The end of a turn, with everything it adds to the session's history.

    Version 2: a log writes ``messages`` by reference to the session's transcript (the
    model calls of the turn recorded all but the answer). Version 1 lines hold them whole.
    """

    __log_refs__: ClassVar[LogRefs] = LogRefs(sequences=("messages",))

    content: str
    model: str
    finish_reason: TurnFinish
    rounds: int
    usage: Usage
    session_usage: Usage
    messages: tuple[ChatMessage, ...]
    parsed: ParsedReply = None


class TurnCancelledEvent(Event):
    reason: str
    rounds: int
    """Model calls made before the cancellation."""
