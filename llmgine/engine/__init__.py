"""The chat engine: a bus component that turns a ``PromptCommand`` into model and tool calls."""

from llmgine.engine._engine import DEFAULT_MAX_TOOL_ROUNDS, ToolChatEngine
from llmgine.engine._history import history_from_log
from llmgine.engine._messages import (
    CallLLMCommand,
    CancelTurnCommand,
    LLMCallCompletedEvent,
    LLMCallFailedEvent,
    LLMCallStartedEvent,
    PromptCommand,
    ResponseCompletedEvent,
    ResponseDeltaEvent,
    TurnCancelledEvent,
    TurnFinish,
    TurnResult,
)

__all__ = [
    "DEFAULT_MAX_TOOL_ROUNDS",
    "CallLLMCommand",
    "CancelTurnCommand",
    "LLMCallCompletedEvent",
    "LLMCallFailedEvent",
    "LLMCallStartedEvent",
    "PromptCommand",
    "ResponseCompletedEvent",
    "ResponseDeltaEvent",
    "ToolChatEngine",
    "TurnCancelledEvent",
    "TurnFinish",
    "TurnResult",
    "history_from_log",
]
