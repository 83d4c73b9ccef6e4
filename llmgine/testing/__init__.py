"""What you need to test an llmgine app offline.

- ``FakeLLMServer``: a real HTTP server on 127.0.0.1 that speaks the OpenAI and Anthropic
  wire formats, plays back a script of replies and faults, and records every request.
- Script steps: ``text``, ``tool_call``, ``tool_calls``, ``json_reply``, ``Reply`` and ``Fault``.
- ``ScriptedProvider`` plays the same steps in process and fails if any is left unused;
  ``FunctionProvider`` answers with a function of the request.
- ``InMemoryTransport`` carries a bus's messages as encoded bytes, and lets a test hold,
  shuffle and break their delivery.
- Replay from a log (``llmgine.replay``): ``replay_log`` runs a recorded session's prompts
  again through the current code, answered by the log, and reports ``identical`` or where
  it diverged; ``ReplayProvider`` and ``ReplayedTools`` answer model and tool calls from it.
- ``block_network`` refuses every connection that is not to loopback; the pytest plugin
  ``llmgine.testing.pytest_plugin`` wraps it (and the scripted provider) as fixtures.
"""

from __future__ import annotations

from llmgine.llm._assemble import response_deltas
from llmgine.llm._tokens import estimate_tokens
from llmgine.replay import (
    Recording,
    ReplayedTools,
    ReplayMissError,
    ReplayProvider,
    ReplayReport,
    replay_log,
)
from llmgine.testing._network import NetworkBlockedError, NetworkGuard, block_network
from llmgine.testing._script import (
    Fault,
    Reply,
    Step,
    ToolCallSpec,
    json_reply,
    text,
    tool_call,
    tool_calls,
)
from llmgine.testing._scripted import FunctionProvider, ModelFunction, ScriptedProvider, ScriptStep
from llmgine.testing._server import FakeLLMServer, RecordedRequest, Responder
from llmgine.testing._transport import Crossing, InMemoryTransport

__all__ = [
    "Crossing",
    "FakeLLMServer",
    "Fault",
    "FunctionProvider",
    "InMemoryTransport",
    "ModelFunction",
    "NetworkBlockedError",
    "NetworkGuard",
    "RecordedRequest",
    "Recording",
    "ReplayMissError",
    "ReplayProvider",
    "ReplayReport",
    "ReplayedTools",
    "Reply",
    "Responder",
    "ScriptStep",
    "ScriptedProvider",
    "Step",
    "ToolCallSpec",
    "block_network",
    "estimate_tokens",
    "json_reply",
    "replay_log",
    "response_deltas",
    "text",
    "tool_call",
    "tool_calls",
]
