"""The messages observability reads, by their wire names, and the fields it reads of them.

Observability sits below the engine and the tools, so it cannot import their classes. It
recognises their messages by the registered type name, the one written in the JSONL log
(stable: names are the wire format), and reads their fields by name. A test checks that
every name here is a registered message class with every field listed, so renaming one
breaks a test rather than silently emptying the console view, the metrics or the traces.
Every sink that reads these messages takes their names from here.
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
RESPONSE_COMPLETED: Final = "ResponseCompletedEvent"
HANDLER_FAILED: Final = "HandlerFailedEvent"
BUS_STOPPED: Final = "BusStoppedEvent"
RESULT: Final = "CommandResult"

FIELDS_READ: Final[dict[str, tuple[str, ...]]] = {
    PROMPT: ("command_id", "session_id", "prompt", "model", "system_prompt"),
    CALL_LLM: (
        "command_id", "parent_id", "model", "round", "stream", "request.messages",
        "request.max_tokens", "request.temperature", "request.response_format",
    ),
    EXECUTE_TOOL: ("command_id", "parent_id", "call.id", "call.name", "call.arguments"),
    LLM_COMPLETED: (
        "parent_id", "session_id", "model", "content", "tool_calls", "usage.input_tokens",
        "usage.output_tokens", "usage.reported", "latency_ms", "finish_reason",
        "first_delta_ms", "response_id",
    ),
    LLM_FAILED: ("parent_id", "session_id", "model", "error_type", "error", "latency_ms"),
    TOOL_COMPLETED: ("parent_id", "tool_name", "result", "duration_ms"),
    TOOL_FAILED: ("parent_id", "tool_name", "error", "error_kind", "duration_ms"),
    RESPONSE_COMPLETED: ("content", "finish_reason"),
    HANDLER_FAILED: ("handler", "exception_type", "exception_message", "failed_message_id"),
    BUS_STOPPED: ("undelivered",),
    RESULT: ("command_id", "success", "error", "result"),
}  # fmt: skip
"""Type name -> the fields read (``a.b``: field ``b`` of the model in field ``a``)."""
