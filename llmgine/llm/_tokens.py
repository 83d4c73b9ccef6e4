"""A rough token count for providers that cannot ask a tokenizer (the offline stand-in, fakes).

About four characters a token, never zero: enough to exercise usage accounting, not to bill.
"""

from __future__ import annotations

import math

import orjson

from llmgine.llm._types import AssistantMessage, LLMRequest


def estimate_tokens(text: str) -> int:
    """About four characters a token, at least one."""
    return max(1, math.ceil(len(text) / 4))


def request_text(request: LLMRequest) -> str:
    """All the text a request sends: messages, tool calls made, and tool definitions."""
    parts: list[str] = []
    for message in request.messages:
        parts.append(message.content)
        if isinstance(message, AssistantMessage):
            parts.extend(call.name + call.arguments for call in message.tool_calls)
    parts.extend(
        t.name + t.description + orjson.dumps(t.parameters).decode() for t in request.tools
    )
    return "".join(parts)
