"""Script steps rendered in the OpenAI and Anthropic wire formats (no I/O).

Bodies follow what the real services send closely enough for the official SDKs, and the
libraries built on them, to take them for the real thing: chat completions and their SSE
chunks (tool-call deltas keyed by index, a final usage chunk when asked for), Anthropic
messages and their named SSE events. Ids look like the services' and are fresh for every
response: ``chatcmpl-`` and ``call_`` for OpenAI, ``msg_`` and ``toolu_`` for Anthropic,
so no two tool calls of a conversation share an id. ``created`` is the Unix time in
seconds. Usage is reported as each service reports it: OpenAI's ``prompt_tokens``,
``completion_tokens``, ``total_tokens`` with their details (zero cached and reasoning
tokens), Anthropic's ``input_tokens``, ``output_tokens`` and cache counts.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, Literal

from llmgine.llm._assemble import fragments, word_pieces
from llmgine.llm._types import json_text
from llmgine.messages import DecodeError, loads
from llmgine.testing._script import Fault, Reply, fresh_id

Api = Literal["openai", "anthropic"]

_OPENAI_FINISH = {"stop": "stop", "tool_calls": "tool_calls", "length": "length"}
_ANTHROPIC_STOP = {"stop": "end_turn", "tool_calls": "tool_use", "length": "max_tokens"}


def sse(data: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n".encode() if event else b""
    payload = data if isinstance(data, bytes) else dumps(data)
    return head + b"data: " + payload + b"\n\n"


# -- OpenAI ---------------------------------------------------------------------------------


def openai_body(reply: Reply, model: str, input_tokens: int) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": reply.text or None,
        "refusal": None,
        "annotations": [],
    }
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments_json()},
            }
            for call_id, c in zip(reply.call_ids(), reply.tool_calls, strict=True)
        ]
    return {
        **_openai_head(reply, model, "chat.completion"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": _OPENAI_FINISH.get(reply.finish, reply.finish),
                "logprobs": None,
            }
        ],
        "usage": _openai_usage(reply, input_tokens) if reply.report_usage else None,
    }


def _openai_head(reply: Reply, model: str, kind: str) -> dict[str, Any]:
    return {
        "id": fresh_id("chatcmpl-", 29),
        "object": kind,
        "created": int(time.time()),
        "model": reply.model or model,
        "service_tier": "default",
        "system_fingerprint": "fp_llmgine",
    }


def _openai_usage(reply: Reply, input_tokens: int) -> dict[str, Any]:
    prompt = reply.usage[0] if reply.usage else input_tokens
    completion = reply.output_tokens()
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def openai_chunks(
    reply: Reply, model: str, input_tokens: int, include_usage: bool
) -> Iterator[bytes]:
    """The SSE frames of a streamed chat completion, ``[DONE]`` included. With
    ``include_usage`` (``stream_options``), every chunk has ``"usage": null`` and a last one
    with no choices carries the usage, as OpenAI sends them."""
    base = _openai_head(reply, model, "chat.completion.chunk")
    if include_usage:
        base["usage"] = None

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return sse({**base, "choices": [choice]})

    yield chunk({"role": "assistant", "content": "", "refusal": None})
    for piece in word_pieces(reply.text):
        yield chunk({"content": piece})
    for index, (call_id, call) in enumerate(zip(reply.call_ids(), reply.tool_calls, strict=True)):
        head = {"index": index, "id": call_id, "type": "function"}
        yield chunk({"tool_calls": [{**head, "function": {"name": call.name, "arguments": ""}}]})
        for piece in fragments(call.arguments_json()) or [""]:
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    yield chunk({}, _OPENAI_FINISH.get(reply.finish, reply.finish))
    if include_usage and reply.report_usage:
        yield sse({**base, "choices": [], "usage": _openai_usage(reply, input_tokens)})
    yield sse(b"[DONE]")


def openai_error(fault: Fault) -> dict[str, Any]:
    kinds = {
        "rate_limit": ("requests", "rate_limit_exceeded"),
        "server_error": ("server_error", None),
        "unauthorized": ("invalid_request_error", "invalid_api_key"),
        "context_length": ("invalid_request_error", "context_length_exceeded"),
    }
    kind, code = kinds.get(fault.kind, ("invalid_request_error", None))
    return {"error": {"message": fault.error_message(), "type": kind, "param": None, "code": code}}


# -- Anthropic ------------------------------------------------------------------------------


def _tool_input(arguments: str) -> Any:
    try:
        return loads(arguments)  # integers exact, as a real server keeps them
    except DecodeError:
        return arguments  # broken on purpose: the client must see it broken


def dumps(value: Any) -> bytes:
    """``value`` as JSON, integers past 64 bits included (which ``orjson`` refuses)."""
    return json_text(value).encode()


def anthropic_body(reply: Reply, model: str, input_tokens: int) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if reply.text:
        content.append({"type": "text", "text": reply.text})
    for call_id, call in zip(reply.call_ids(_TOOLU, 22), reply.tool_calls, strict=True):
        content.append(
            {
                "type": "tool_use",
                "id": call_id,
                "name": call.name,
                "input": _tool_input(call.arguments_json()),
            }
        )
    return {
        "id": fresh_id("msg_01", 22),
        "type": "message",
        "role": "assistant",
        "model": reply.model or model,
        "content": content,
        "stop_reason": _ANTHROPIC_STOP.get(reply.finish, "end_turn"),
        "stop_sequence": None,
        "usage": _anthropic_usage(reply, input_tokens, reply.output_tokens())
        if reply.report_usage
        else None,
    }


_TOOLU = "toolu_01"


def _anthropic_usage(reply: Reply, input_tokens: int, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": reply.usage[0] if reply.usage else input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": output_tokens,
        "service_tier": "standard",
    }


def anthropic_events(reply: Reply, model: str, input_tokens: int) -> Iterator[bytes]:
    """The SSE events of a streamed message, from ``message_start`` to ``message_stop``:
    ``message_start`` reports the input tokens (and 1 output token, as Anthropic does), the
    ``message_delta`` at the end the output tokens."""
    start = anthropic_body(reply, model, input_tokens)
    start.update(content=[], stop_reason=None)
    if reply.report_usage:
        start["usage"] = _anthropic_usage(reply, input_tokens, 1)
    yield sse({"type": "message_start", "message": start}, "message_start")
    index = 0
    if reply.text:
        text_block: dict[str, Any] = {"type": "text", "text": ""}
        yield sse(
            {"type": "content_block_start", "index": index, "content_block": text_block},
            "content_block_start",
        )
        yield sse({"type": "ping"}, "ping")
        for piece in word_pieces(reply.text):
            delta = {"type": "text_delta", "text": piece}
            yield sse(
                {"type": "content_block_delta", "index": index, "delta": delta},
                "content_block_delta",
            )
        yield sse({"type": "content_block_stop", "index": index}, "content_block_stop")
        index += 1
    for call_id, call in zip(reply.call_ids(_TOOLU, 22), reply.tool_calls, strict=True):
        block: dict[str, Any] = {
            "type": "tool_use",
            "id": call_id,
            "name": call.name,
            "input": {},
        }
        yield sse(
            {"type": "content_block_start", "index": index, "content_block": block},
            "content_block_start",
        )
        for piece in fragments(call.arguments_json()) or [""]:
            delta = {"type": "input_json_delta", "partial_json": piece}
            yield sse(
                {"type": "content_block_delta", "index": index, "delta": delta},
                "content_block_delta",
            )
        yield sse({"type": "content_block_stop", "index": index}, "content_block_stop")
        index += 1
    stop = {"stop_reason": _ANTHROPIC_STOP.get(reply.finish, "end_turn"), "stop_sequence": None}
    usage = {"output_tokens": reply.output_tokens()} if reply.report_usage else None
    yield sse({"type": "message_delta", "delta": stop, "usage": usage}, "message_delta")
    yield sse({"type": "message_stop"}, "message_stop")


def anthropic_error(fault: Fault) -> dict[str, Any]:
    kinds = {
        "rate_limit": "rate_limit_error",
        "server_error": "overloaded_error" if fault.status == 529 else "api_error",
        "unauthorized": "authentication_error",
    }
    message = fault.error_message()
    if fault.kind == "context_length":
        message = "prompt is too long: 210000 tokens > 200000 maximum"
    kind = kinds.get(fault.kind, "invalid_request_error")
    return {"type": "error", "error": {"type": kind, "message": message}}
