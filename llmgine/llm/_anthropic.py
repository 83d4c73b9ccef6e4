"""Anthropic's messages API through the official ``anthropic`` SDK.

Anthropic differs from the chat-completions shape in ways this adapter absorbs: the system
prompt is a parameter, not a message; tool results travel in a user message; turns of the
same role are merged; ``max_tokens`` is required. The SDK's own OpenTelemetry spans are
turned off (llmgine's sinks trace the call once), and so are its retries. A non-streaming
call that asks for more than ``STREAM_ABOVE_MAX_TOKENS`` is carried out as a stream, since
the SDK refuses long non-streaming calls.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import Any

import anthropic

from llmgine.llm._assemble import StreamAssembler, with_structured_output
from llmgine.llm._catalog import LISTING
from llmgine.llm._deadline import Deadline
from llmgine.llm._env import api_key as key_from_env
from llmgine.llm._env import from_env
from llmgine.llm._errors import AuthenticationError, MalformedResponseError
from llmgine.llm._provider import LLMProvider
from llmgine.llm._replysize import DEFAULT_MAX_REPLY_BYTES, capped_client, check_limit
from llmgine.llm._schema import strict_json_schema
from llmgine.llm._sdkerrors import Endpoint, SDKErrors
from llmgine.llm._types import (
    AssistantMessage,
    FinishReason,
    LLMRequest,
    LLMResponse,
    StreamDelta,
    StreamEnd,
    SystemMessage,
    ToolCall,
    ToolResultMessage,
    Usage,
    json_text,
)

DEFAULT_TIMEOUT = 120.0
DEFAULT_MAX_TOKENS = 4096
STREAM_ABOVE_MAX_TOKENS = 21_000

_FINISH: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "refusal": "content_filter",
}
_TOOL_CHOICE = {"auto": {"type": "auto"}, "required": {"type": "any"}, "none": {"type": "none"}}


class AnthropicProvider(LLMProvider):
    """A Claude model. ``api_key`` falls back to ``LLMGINE_ANTHROPIC_API_KEY`` then
    ``ANTHROPIC_API_KEY``; ``base_url`` to ``ANTHROPIC_BASE_URL``. ``timeout`` bounds a
    whole call, streamed replies included; ``max_reply_bytes`` cuts off a larger reply."""

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        default_max_tokens: int = DEFAULT_MAX_TOKENS,
        max_reply_bytes: int | None = DEFAULT_MAX_REPLY_BYTES,
        client: anthropic.AsyncAnthropic | None = None,
    ) -> None:
        self.provider = "anthropic"
        self.model = model
        self._default_max_tokens = default_max_tokens
        key = key_from_env(api_key, "ANTHROPIC_API_KEY")
        if client is None and not key:
            raise AuthenticationError(
                "no API key: pass api_key= or set ANTHROPIC_API_KEY (or LLMGINE_ANTHROPIC_API_KEY)",
                provider=self.provider,
                model=model,
            )
        self._timeout = timeout
        limit = self._max_reply_bytes = check_limit(max_reply_bytes)
        self._client = client or anthropic.AsyncAnthropic(
            api_key=key,
            base_url=base_url or from_env("LLMGINE_ANTHROPIC_BASE_URL", "ANTHROPIC_BASE_URL"),
            timeout=timeout,
            max_retries=0,
            open_telemetry=False,
            http_client=(
                None if limit is None else capped_client(anthropic.DefaultAsyncHttpxClient, limit)
            ),
        )
        self._errors = SDKErrors(
            anthropic,
            anthropic.AnthropicError,
            provider=self.provider,
            model=model,
            key=key,
            endpoint=Endpoint(str(self._client.base_url), timeout, "ANTHROPIC_API_KEY"),
        )

    async def aclose(self) -> None:
        await self._client.close()

    async def list_models(self) -> list[str]:
        """The ids of the models the API lists (``GET /v1/models``), sorted."""
        with Deadline(self._timeout) as deadline, self._errors.translating():
            return await deadline.wait(_model_ids(self._client))

    async def complete(self, request: LLMRequest) -> LLMResponse:
        params = self._params(request)
        if params["max_tokens"] > STREAM_ABOVE_MAX_TOKENS:
            return await self._complete_by_stream(request)
        with Deadline(self._timeout) as deadline, self._errors.translating():
            message = await deadline.wait(self._client.messages.create(**params))
        return with_structured_output(request, self._response(message))

    async def _complete_by_stream(self, request: LLMRequest) -> LLMResponse:
        async with contextlib.aclosing(self.stream(request)) as deltas:
            async for delta in deltas:
                if isinstance(delta, StreamEnd):
                    return delta.response
        raise MalformedResponseError(
            "the stream ended without a final message", provider=self.provider, model=self.model
        )

    async def stream(self, request: LLMRequest) -> AsyncGenerator[StreamDelta, None]:
        assembler = StreamAssembler(self.provider, self.model, max_bytes=self._max_reply_bytes)
        tool_index: dict[int, int] = {}  # content-block index -> tool call number
        finish: FinishReason | None = None
        usage = Usage.not_reported()
        served_by: str | None = None
        response_id: str | None = None
        with Deadline(self._timeout) as deadline, self._errors.translating():
            events = await deadline.wait(
                self._client.messages.create(stream=True, **self._params(request))
            )
            try:
                async for event in deadline.bound(events):
                    if event.type == "message_start":
                        served_by, response_id = event.message.model, event.message.id
                        usage = _usage(getattr(event.message, "usage", None))
                    elif event.type == "content_block_start":
                        block = event.content_block
                        if block.type == "tool_use":
                            tool_index[event.index] = number = len(tool_index)
                            yield assembler.tool_call(number, id=block.id, name=block.name)
                        elif block.type == "text" and block.text:
                            yield assembler.text(block.text)
                    elif event.type == "content_block_delta":
                        delta = event.delta
                        if delta.type == "text_delta" and delta.text:
                            yield assembler.text(delta.text)
                        elif delta.type == "input_json_delta" and delta.partial_json:
                            number = tool_index[event.index]
                            yield assembler.tool_call(number, arguments=delta.partial_json)
                    elif event.type == "message_delta":
                        finish = _FINISH.get(event.delta.stop_reason or "end_turn", "other")
                        usage = _final_usage(usage, getattr(event, "usage", None))
            finally:
                await events.close()
        if finish is None:
            raise self._errors.incomplete()
        response = assembler.response(
            finish_reason=finish, usage=usage, model=served_by, response_id=response_id
        )
        yield assembler.end(with_structured_output(request, response))

    def _params(self, request: LLMRequest) -> dict[str, Any]:
        system = "\n\n".join(m.content for m in request.messages if isinstance(m, SystemMessage))
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens or self._default_max_tokens,
            "messages": _turns(request),
        }
        if system:
            params["system"] = system
        if request.tools:
            params["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.parameters}
                for t in request.tools
            ]
        if request.tool_choice is not None and (request.tools or request.tool_choice == "none"):
            params["tool_choice"] = _TOOL_CHOICE[request.tool_choice]
        if request.response_format is not None:
            schema = strict_json_schema(request.response_format)
            params["output_config"] = {"format": {"type": "json_schema", "schema": schema}}
        extra = dict(request.extra)
        if request.temperature is not None:
            # The SDK no longer names sampling options; the API still takes them in the body.
            extra.setdefault("temperature", request.temperature)
        if extra:
            params["extra_body"] = extra
        return params

    def _response(self, message: Any) -> LLMResponse:
        texts: list[str] = []
        calls: list[ToolCall] = []
        for block in message.content or ():
            if block.type == "text":
                texts.append(block.text)
            elif block.type == "tool_use":
                arguments = json_text(block.input)  # the SDK parsed ints exact: keep them so
                calls.append(ToolCall(id=block.id, name=block.name, arguments=arguments))
        usage = _usage(getattr(message, "usage", None))
        return LLMResponse(
            content="".join(texts),
            tool_calls=tuple(calls),
            finish_reason=_FINISH.get(message.stop_reason or "end_turn", "other"),
            usage=usage,
            provider=self.provider,
            model=message.model or self.model,
            response_id=message.id,
        )


def _usage(usage: Any) -> Usage:
    """Our ``Usage`` of Anthropic's usage block (absent on some compatible servers)."""
    if usage is None:
        return Usage.not_reported()
    return Usage(input_tokens=_input_tokens(usage), output_tokens=usage.output_tokens or 0)


def _final_usage(started: Usage, delta: Any) -> Usage:
    """The usage at ``message_delta``: its output count is the total so far; its input
    count, when it has one, is at least the one ``message_start`` gave."""
    if delta is None:
        return started
    output = getattr(delta, "output_tokens", None) or started.output_tokens
    return Usage(input_tokens=max(started.input_tokens, _input_tokens(delta)), output_tokens=output)


def _input_tokens(usage: Any) -> int:
    """Input tokens, cached ones included (as the GenAI conventions count them)."""
    return sum(
        getattr(usage, name, None) or 0
        for name in ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
    )


def _turns(request: LLMRequest) -> list[dict[str, Any]]:
    """The conversation as Anthropic turns: tool results ride in user turns, same roles merge."""
    turns: list[dict[str, Any]] = []
    for message in request.messages:
        if isinstance(message, SystemMessage):
            continue
        role = "assistant" if isinstance(message, AssistantMessage) else "user"
        blocks = _blocks(message)
        if not blocks:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    return turns


def _blocks(message: Any) -> list[dict[str, Any]]:
    if isinstance(message, ToolResultMessage):
        return [
            {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id,
                "content": message.content,
                "is_error": message.is_error,
            }
        ]
    blocks: list[dict[str, Any]] = []
    if message.content:
        blocks.append({"type": "text", "text": message.content})
    for call in getattr(message, "tool_calls", ()):
        try:
            arguments = call.parsed_arguments()
        except ValueError:
            arguments = {}  # the tool result already told the model its arguments were broken
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": arguments})
    return blocks


async def _model_ids(client: anthropic.AsyncAnthropic) -> list[str]:
    return sorted({model.id async for model in client.models.list()})


async def anthropic_models(**options: Any) -> list[str]:
    """The catalog's lister for ``anthropic:``: ``GET /v1/models``."""
    provider = anthropic_provider(LISTING, **options)
    async with provider:
        return await provider.list_models()


def anthropic_provider(model: str, **options: Any) -> AnthropicProvider:
    """Factory for ``anthropic:<model>``."""
    return AnthropicProvider(model, **options)
