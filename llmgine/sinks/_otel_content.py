"""Message content on spans: off unless asked for, and shaped as the GenAI conventions say.

Prompts, replies, tool arguments and tool results are personal data more often than not,
so spans leave them out unless ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` is
``SPAN_ONLY``, ``SPAN_AND_EVENT`` or ``true`` (any case); anything else, or nothing, keeps
them out. When captured they are JSON strings in the conventions' shape: a list of
``{"role", "parts"}`` messages whose parts are ``text``, ``tool_call`` or
``tool_call_response``. The chat messages are read by field name (observability cannot
import the LLM layer); ``_otel_rules.CHAT_MESSAGE_FIELDS`` lists the fields.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from llmgine.sinks import _genai as genai


def capture_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the content-capture variable asks for content on spans."""
    value = (os.environ if environ is None else environ).get(genai.CAPTURE_CONTENT_ENV, "")
    return value.strip().lower() in genai.CAPTURE_CONTENT_ON


def to_json(value: object) -> str:
    return orjson.dumps(value, default=repr).decode()


def _arguments(text: str) -> object:
    """Tool-call arguments as an object when they parse as JSON, else the text as sent."""
    try:
        return orjson.loads(text or "{}")
    except orjson.JSONDecodeError:
        return text


def tool_call_part(call: Any) -> dict[str, object]:
    return {
        "type": "tool_call",
        "id": call.id,
        "name": call.name,
        "arguments": _arguments(call.arguments),
    }


def chat_message(message: Any) -> dict[str, object]:
    """One request message (system, user, assistant or tool) in the conventions' shape."""
    role = str(getattr(message, "role", "user"))
    parts: list[dict[str, object]] = []
    if role == "tool":
        parts.append(
            {"type": "tool_call_response", "id": message.tool_call_id, "response": message.content}
        )
    else:
        content = getattr(message, "content", "")
        if content:
            parts.append({"type": "text", "content": content})
        parts.extend(tool_call_part(call) for call in getattr(message, "tool_calls", ()))
    return {"role": role, "parts": parts}


def input_messages(messages: Iterable[Any]) -> str:
    return to_json([chat_message(m) for m in messages])


def output_messages(content: str, tool_calls: Iterable[Any], finish_reason: str) -> str:
    parts: list[dict[str, object]] = [{"type": "text", "content": content}] if content else []
    parts.extend(tool_call_part(call) for call in tool_calls)
    return to_json([{"role": "assistant", "parts": parts, "finish_reason": finish_reason}])


def text_messages(role: str, text: str) -> str:
    return to_json([{"role": role, "parts": [{"type": "text", "content": text}]}])


def text_parts(text: str) -> str:
    return to_json([{"type": "text", "content": text}])
