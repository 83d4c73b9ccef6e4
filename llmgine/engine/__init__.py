"""The chat engine: a bus component that turns a ``PromptCommand`` into model and tool calls."""

from llmgine.engine._engine import DEFAULT_MAX_TOOL_ROUNDS, ToolChatEngine
from llmgine.engine._history import history_from_log
from llmgine.engine._messages import (
    CallLLMCommand,
    CancelTurnCommand,
    LLMCallCompletedEvent,
    LLMCallFailedEvent,
    LLMCallStartedEvent,
    LLMResponseEvent,
    PromptCommand,
    ResponseCompletedEvent,
    ResponseDeltaEvent,
    TurnCancelledEvent,
    TurnFinish,
    TurnResult,
)
from llmgine.engine._summary import (
    USAGE_NOT_REPORTED,
    tool_limit_note,
    turn_summary,
    usage_text,
)

__all__ = [
    "DEFAULT_MAX_TOOL_ROUNDS",
    "USAGE_NOT_REPORTED",
    "CallLLMCommand",
    "CancelTurnCommand",
    "LLMCallCompletedEvent",
    "LLMCallFailedEvent",
    "LLMCallStartedEvent",
    "LLMResponseEvent",
    "PromptCommand",
    "ResponseCompletedEvent",
    "ResponseDeltaEvent",
    "ToolChatEngine",
    "TurnCancelledEvent",
    "TurnFinish",
    "TurnResult",
    "history_from_log",
    "tool_limit_note",
    "turn_summary",
    "usage_text",
]
