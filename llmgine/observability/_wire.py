"""The messages observability reads, by their wire names, and the fields it reads of them.

Observability sits below the engine and the tools, so it cannot import their classes. It
recognises their messages by the registered type name, the one written in the JSONL log
(stable: names are the wire format), and reads their fields by name. A test checks that
every name here is a registered message class with every field listed, so renaming one
breaks a test rather than silently emptying the console view and the metrics.
"""

from __future__ import annotations

from typing import Final

PROMPT: Final = "PromptCommand"
CALL_LLM: Final = "CallLLMCommand"
EXECUTE_TOOL: Final = "ExecuteToolCommand"
LLM_COMPLETED: Final = "LLMCallCompletedEvent"
LLM_FAILED: Final = "LLMCallFailedEvent"
TOOL_COMPLETED: Final = "ToolCallCompletedEvent"
TOOL_FAILED: Final = "ToolCallFailedEvent"
HANDLER_FAILED: Final = "HandlerFailedEvent"
BUS_STOPPED: Final = "BusStoppedEvent"
RESULT: Final = "CommandResult"

FIELDS_READ: Final[dict[str, tuple[str, ...]]] = {
    PROMPT: ("command_id", "session_id", "prompt"),
    CALL_LLM: ("command_id", "parent_id", "model", "round"),
    EXECUTE_TOOL: ("command_id", "parent_id", "call.id", "call.name"),
    LLM_COMPLETED: (
        "parent_id", "session_id", "model", "usage.input_tokens", "usage.output_tokens",
        "latency_ms", "finish_reason",
    ),
    LLM_FAILED: ("parent_id", "session_id", "model", "error_type", "error", "latency_ms"),
    TOOL_COMPLETED: ("parent_id", "tool_name", "duration_ms"),
    TOOL_FAILED: ("parent_id", "tool_name", "error", "error_kind", "duration_ms"),
    HANDLER_FAILED: ("handler", "exception_type", "exception_message", "failed_message_id"),
    BUS_STOPPED: ("undelivered",),
    RESULT: ("command_id", "success", "error"),
}  # fmt: skip
"""Type name -> the fields read (``a.b``: field ``b`` of the model in field ``a``)."""
