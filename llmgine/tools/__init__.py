"""Tools: Python functions a model may call, described by their hints and docstrings.

    manager = ToolManager()

    @manager.register
    def get_weather(city: str, unit: Literal["c", "f"] = "c") -> str:
        \"\"\"Current weather in a city.

        Args:
            city: The city name, e.g. "Paris".
            unit: Temperature unit.
        \"\"\"

    manager.definitions()                    # what the model is told
    await manager.execute(call)              # a ToolResult, never an exception
    manager.attach(bus)                      # handle ExecuteToolCommand on a bus

    @manager.register(requires_approval=True)   # runs only when manager.approver says yes
    def send_email(to: str, body: str) -> str: ...

See ``docs/tools.md``.
"""

from llmgine.tools._approval import ToolApprover
from llmgine.tools._errors import ToolRegistrationError
from llmgine.tools._manager import DEFAULT_TOOL_TIMEOUT, ToolManager
from llmgine.tools._messages import (
    ExecuteToolCommand,
    ToolCallCompletedEvent,
    ToolCallEvent,
    ToolCallFailedEvent,
    ToolCallRequestedEvent,
    ToolErrorKind,
    ToolResult,
    arguments_or_text,
)
from llmgine.tools._tool import Tool, tool_from_function

__all__ = [
    "DEFAULT_TOOL_TIMEOUT",
    "ExecuteToolCommand",
    "Tool",
    "ToolApprover",
    "ToolCallCompletedEvent",
    "ToolCallEvent",
    "ToolCallFailedEvent",
    "ToolCallRequestedEvent",
    "ToolErrorKind",
    "ToolManager",
    "ToolRegistrationError",
    "ToolResult",
    "arguments_or_text",
    "tool_from_function",
]
