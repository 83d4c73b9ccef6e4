"""The OpenTelemetry GenAI semantic-convention names llmgine emits, in one place.

The conventions (status: Development) live in the ``semantic-conventions-genai`` repository;
the Python ``opentelemetry-semantic-conventions`` package marks its ``gen_ai`` constants as
deprecated, so the strings are written out here. Every span attribute, operation name,
metric name and bucket list the OpenTelemetry sink uses comes from this module: when the
conventions move, this is the one file to change.
"""

from __future__ import annotations

from typing import Final

# -- operation names (values of ``gen_ai.operation.name``) -------------------------------
OP_CHAT: Final = "chat"
OP_EXECUTE_TOOL: Final = "execute_tool"
OP_INVOKE_AGENT: Final = "invoke_agent"
OP_INVOKE_WORKFLOW: Final = "invoke_workflow"

# -- span names ---------------------------------------------------------------------------
CHAT_SPAN: Final = "chat {model}"
EXECUTE_TOOL_SPAN: Final = "execute_tool {name}"
INVOKE_AGENT_SPAN: Final = "invoke_agent {name}"
INVOKE_WORKFLOW_SPAN: Final = "invoke_workflow {name}"

# -- attributes ---------------------------------------------------------------------------
OPERATION_NAME: Final = "gen_ai.operation.name"
PROVIDER_NAME: Final = "gen_ai.provider.name"
CONVERSATION_ID: Final = "gen_ai.conversation.id"
OUTPUT_TYPE: Final = "gen_ai.output.type"

REQUEST_MODEL: Final = "gen_ai.request.model"
REQUEST_STREAM: Final = "gen_ai.request.stream"
REQUEST_MAX_TOKENS: Final = "gen_ai.request.max_tokens"
REQUEST_TEMPERATURE: Final = "gen_ai.request.temperature"

RESPONSE_MODEL: Final = "gen_ai.response.model"
RESPONSE_ID: Final = "gen_ai.response.id"
RESPONSE_FINISH_REASONS: Final = "gen_ai.response.finish_reasons"
RESPONSE_TIME_TO_FIRST_CHUNK: Final = "gen_ai.response.time_to_first_chunk"

USAGE_INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
USAGE_OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"

TOOL_NAME: Final = "gen_ai.tool.name"
TOOL_CALL_ID: Final = "gen_ai.tool.call.id"
TOOL_TYPE: Final = "gen_ai.tool.type"
TOOL_TYPE_FUNCTION: Final = "function"

AGENT_NAME: Final = "gen_ai.agent.name"
WORKFLOW_NAME: Final = "gen_ai.workflow.name"

ERROR_TYPE: Final = "error.type"
"""Borrowed from the general conventions (stable): an exception class name or error code."""
ERROR_TYPE_OTHER: Final = "_OTHER"
"""The fallback when a failure has no more precise type."""

# Opt-in content attributes: JSON strings, set only when content capture is on.
INPUT_MESSAGES: Final = "gen_ai.input.messages"
OUTPUT_MESSAGES: Final = "gen_ai.output.messages"
SYSTEM_INSTRUCTIONS: Final = "gen_ai.system_instructions"
TOOL_CALL_ARGUMENTS: Final = "gen_ai.tool.call.arguments"
TOOL_CALL_RESULT: Final = "gen_ai.tool.call.result"

OUTPUT_TYPE_JSON: Final = "json"

# -- metrics --------------------------------------------------------------------------------
TOKEN_USAGE_METRIC: Final = "gen_ai.client.token.usage"
TOKEN_USAGE_UNIT: Final = "{token}"
TOKEN_TYPE: Final = "gen_ai.token.type"
TOKEN_TYPE_INPUT: Final = "input"
TOKEN_TYPE_OUTPUT: Final = "output"
TOKEN_USAGE_BUCKETS: Final = (
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
)  # fmt: skip

OPERATION_DURATION_METRIC: Final = "gen_ai.client.operation.duration"
OPERATION_DURATION_UNIT: Final = "s"
OPERATION_DURATION_BUCKETS: Final = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
)  # fmt: skip

# -- content capture -----------------------------------------------------------------------
CAPTURE_CONTENT_ENV: Final = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
CAPTURE_CONTENT_ON: Final = frozenset({"span_only", "span_and_event", "true"})
"""Values (case-insensitive) that turn capture on for spans. ``NO_CONTENT``, ``EVENT_ONLY``
(events are not emitted), ``false``, anything else or nothing leave it off."""

# -- providers ------------------------------------------------------------------------------
PROVIDER_NAMES: Final = {
    "openai": "openai",
    "anthropic": "anthropic",
    "xai": "x_ai",
    "ollama": "ollama",
    "offline": "llmgine",
}
"""llmgine's model prefixes -> ``gen_ai.provider.name``. A prefix not listed is used as is."""
IN_PROCESS_PROVIDERS: Final = frozenset({"offline"})
"""Prefixes whose models run inside the process: their spans are INTERNAL, not CLIENT."""
