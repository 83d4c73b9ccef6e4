"""The one-call API: ``complete``, ``structured_complete``, ``stream_complete`` and a
stateful ``ChatClient``, for using llmgine without touching the bus.

Every call still runs on a bus (a private one unless ``bus=`` is given), so it is logged
and traced like any other turn.
"""

from llmgine.api._client import ChatClient
from llmgine.api._functions import complete, stream_complete, structured_complete
from llmgine.api._results import (
    CompletionError,
    CompletionResult,
    StreamChunk,
    TokenUsage,
    ToolExecution,
)

__all__ = [
    "ChatClient",
    "CompletionError",
    "CompletionResult",
    "StreamChunk",
    "TokenUsage",
    "ToolExecution",
    "complete",
    "stream_complete",
    "structured_complete",
]
