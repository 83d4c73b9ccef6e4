"""What you need to test an llmgine app offline.

- ``FakeLLMServer``: a real HTTP server on 127.0.0.1 that speaks the OpenAI and Anthropic
  wire formats, plays back a script of replies and faults, and records every request.
- Script steps: ``text``, ``tool_call``, ``tool_calls``, ``json_reply``, ``Reply`` and ``Fault``.
"""

from __future__ import annotations

from llmgine.testing._script import (
    Fault,
    Reply,
    Step,
    ToolCallSpec,
    estimate_tokens,
    json_reply,
    text,
    tool_call,
    tool_calls,
)
from llmgine.testing._server import FakeLLMServer, RecordedRequest, Responder

__all__ = [
    "FakeLLMServer",
    "Fault",
    "RecordedRequest",
    "Reply",
    "Responder",
    "Step",
    "ToolCallSpec",
    "estimate_tokens",
    "json_reply",
    "text",
    "tool_call",
    "tool_calls",
]
