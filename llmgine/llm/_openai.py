"""OpenAI chat completions through the official ``openai`` SDK, and every server that speaks it.

The same adapter serves ``openai:``, ``xai:`` (api.x.ai) and ``ollama:`` (Ollama's
OpenAI-compatible endpoint); ``OpenAIProvider(model, base_url=..., provider=...)`` serves
any other compatible server. The SDK's own retries are off: retrying is the job of
``RetryingProvider``, so there is one retry policy, not two multiplied together.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import replace
from typing import Any

import openai

from llmgine.llm._assemble import StreamAssembler, with_structured_output
from llmgine.llm._catalog import LISTING
from llmgine.llm._deadline import Deadline
from llmgine.llm._env import api_key as key_from_env
from llmgine.llm._env import from_env, ollama_host
from llmgine.llm._errors import AuthenticationError, MalformedResponseError
from llmgine.llm._provider import LLMProvider
from llmgine.llm._replysize import DEFAULT_MAX_REPLY_BYTES, capped_client, check_limit
from llmgine.llm._schema import strict_json_schema
from llmgine.llm._sdkerrors import Endpoint, SDKErrors
from llmgine.llm._types import (
    AssistantMessage,
    ChatMessage,
    FinishReason,
    LLMRequest,
    LLMResponse,
    StreamDelta,
    SystemMessage,
    ToolCall,
    ToolResultMessage,
    Usage,
    UserMessage,
)

DEFAULT_TIMEOUT = 120.0
OLLAMA_NOT_RUNNING = (
    "is Ollama running? Start it with `ollama serve`, or set OLLAMA_HOST to where it listens"
)

_FINISH: dict[str, FinishReason] = {
    "stop": "stop",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "length": "length",
    "content_filter": "content_filter",
}


class OpenAIProvider(LLMProvider):
    """A model behind the OpenAI chat-completions API (or a server compatible with it).

    ``api_key`` falls back to ``LLMGINE_OPENAI_API_KEY`` then ``OPENAI_API_KEY`` (for another
    ``key_variable``, the same two forms of it); ``base_url`` to ``OPENAI_BASE_URL``.
    ``timeout`` bounds a whole call, streamed replies included; ``max_reply_bytes`` cuts
    off a larger reply (see ``_replysize``); ``unreachable_hint`` is what a connection
    error tells the reader to check.
    """

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        provider: str = "openai",
        key_variable: str | None = "OPENAI_API_KEY",
        max_tokens_field: str | None = None,
        stream_usage: bool = True,
        max_reply_bytes: int | None = DEFAULT_MAX_REPLY_BYTES,
        unreachable_hint: str | None = None,
        client: openai.AsyncOpenAI | None = None,
    ) -> None:
        self.provider = provider
        self.model = model
        # OpenAI renamed the field; compatible servers mostly know only the old name.
        default_field = "max_completion_tokens" if provider == "openai" else "max_tokens"
        self._max_tokens_field = max_tokens_field or default_field
        self._stream_usage = stream_usage
        key = key_from_env(api_key, key_variable) if key_variable else api_key
        if client is None and not key:
            raise AuthenticationError(
                f"no API key: pass api_key= or set {key_variable} (or LLMGINE_{key_variable})",
                provider=provider,
                model=model,
            )
        if base_url is None and provider == "openai":
            base_url = from_env("LLMGINE_OPENAI_BASE_URL", "OPENAI_BASE_URL")
        self._timeout = timeout
        self._max_reply_bytes = check_limit(max_reply_bytes)
        limit = self._max_reply_bytes
        self._client = client or openai.AsyncOpenAI(
            api_key=key,
            base_url=base_url,
            timeout=timeout,
            max_retries=0,
            http_client=None
            if limit is None
            else capped_client(openai.DefaultAsyncHttpxClient, limit),
        )
        endpoint = Endpoint(str(self._client.base_url), timeout, key_variable)
        if unreachable_hint:
            endpoint = replace(endpoint, unreachable_hint=unreachable_hint)
        self._errors = SDKErrors(
            openai, openai.OpenAIError, provider=provider, model=model, key=key, endpoint=endpoint
        )

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    async def aclose(self) -> None:
        await self._client.close()

    async def list_models(self) -> list[str]:
        """The ids of the models the server lists (``GET /models``), sorted."""
        with Deadline(self._timeout) as deadline, self._errors.translating():
            return await deadline.wait(_model_ids(self._client))

    async def complete(self, request: LLMRequest) -> LLMResponse:
        with Deadline(self._timeout) as deadline, self._errors.translating():
            completion = await deadline.wait(
                self._client.chat.completions.create(**self._params(request))
            )
        response = self._response(completion)
        return with_structured_output(request, response)

    async def stream(self, request: LLMRequest) -> AsyncGenerator[StreamDelta, None]:
        params = self._params(request)
        if self._stream_usage:
            params["stream_options"] = {"include_usage": True}
        assembler = StreamAssembler(self.provider, self.model, max_bytes=self._max_reply_bytes)
        finish: FinishReason | None = None
        usage = Usage.not_reported()  # until a chunk carries it (some servers never send one)
        served_by: str | None = None
        response_id: str | None = None
        with Deadline(self._timeout) as deadline, self._errors.translating():
            events = await deadline.wait(
                self._client.chat.completions.create(stream=True, **params)
            )
            try:
                async for chunk in deadline.bound(events):
                    served_by = chunk.model or served_by
                    response_id = chunk.id or response_id
                    if chunk.usage is not None:
                        usage = _usage(chunk.usage)
                    for choice in chunk.choices[:1]:
                        delta = choice.delta
                        if delta.content:
                            yield assembler.text(delta.content)
                        for call in delta.tool_calls or ():
                            function = call.function
                            yield assembler.tool_call(
                                call.index,
                                id=call.id,
                                name=function.name if function else None,
                                arguments=(function.arguments or "") if function else "",
                            )
                        if choice.finish_reason:
                            finish = _FINISH.get(choice.finish_reason, "other")
            finally:
                await events.close()
        if finish is None:
            raise self._errors.incomplete()
        response = assembler.response(
            finish_reason=finish, usage=usage, model=served_by, response_id=response_id
        )
        yield assembler.end(with_structured_output(request, response))

    def _params(self, request: LLMRequest) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.model,
            "messages": [_message(m) for m in request.messages],
        }
        if request.tools:
            params["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.parameters,
                    },
                }
                for t in request.tools
            ]
        if request.tool_choice is not None:
            params["tool_choice"] = request.tool_choice
        if request.temperature is not None:
            params["temperature"] = request.temperature
        if request.max_tokens is not None:
            params[self._max_tokens_field] = request.max_tokens
        if request.response_format is not None:
            params["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": request.response_format.__name__,
                    "schema": strict_json_schema(request.response_format),
                    "strict": True,
                },
            }
        if request.extra:
            params["extra_body"] = dict(request.extra)
        return params

    def _response(self, completion: Any) -> LLMResponse:
        if not getattr(completion, "choices", None):
            raise MalformedResponseError(
                "the reply has no choices", provider=self.provider, model=self.model
            )
        choice = completion.choices[0]
        message = choice.message
        calls = tuple(
            ToolCall(id=c.id, name=c.function.name, arguments=c.function.arguments or "{}")
            for c in message.tool_calls or ()
            if c.type == "function"
        )
        refusal = getattr(message, "refusal", None)
        finish = _FINISH.get(choice.finish_reason or "stop", "other")
        return LLMResponse(
            content=message.content or refusal or "",
            tool_calls=calls,
            finish_reason="content_filter" if refusal else finish,
            usage=_usage(completion.usage),
            provider=self.provider,
            model=completion.model or self.model,
            response_id=completion.id,
        )


def _usage(usage: Any) -> Usage:
    if usage is None:
        return Usage.not_reported()
    return Usage(
        input_tokens=getattr(usage, "prompt_tokens", 0) or 0,
        output_tokens=getattr(usage, "completion_tokens", 0) or 0,
    )


def _message(message: ChatMessage) -> dict[str, Any]:
    if isinstance(message, SystemMessage | UserMessage):
        return {"role": message.role, "content": message.content}
    if isinstance(message, ToolResultMessage):
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    assert isinstance(message, AssistantMessage)
    out: dict[str, Any] = {"role": "assistant", "content": message.content or None}
    if message.tool_calls:
        out["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            }
            for c in message.tool_calls
        ]
    return out


async def _model_ids(client: openai.AsyncOpenAI) -> list[str]:
    return sorted({model.id async for model in client.models.list()})


async def openai_models(**options: Any) -> list[str]:
    """The catalog's lister for ``openai:``: ``GET /models`` of the configured server."""
    provider = openai_provider(LISTING, **options)
    async with provider:
        return await provider.list_models()


async def xai_models(**options: Any) -> list[str]:
    """The catalog's lister for ``xai:``."""
    provider = xai_provider(LISTING, **options)
    async with provider:
        return await provider.list_models()


def openai_provider(model: str, **options: Any) -> OpenAIProvider:
    """Factory for ``openai:<model>``."""
    return OpenAIProvider(model, **options)


def xai_provider(model: str, **options: Any) -> OpenAIProvider:
    """Factory for ``xai:<model>``: api.x.ai with ``XAI_API_KEY``."""
    options.setdefault("base_url", from_env("LLMGINE_XAI_BASE_URL") or "https://api.x.ai/v1")
    return OpenAIProvider(model, provider="xai", key_variable="XAI_API_KEY", **options)


def ollama_provider(model: str, **options: Any) -> OpenAIProvider:
    """Factory for ``ollama:<model>``: the OpenAI-compatible endpoint at ``OLLAMA_HOST``."""
    base_url = options.pop("base_url", None) or f"{ollama_host()}/v1"
    # The SDK wants a key and Ollama ignores it. Not the word "ollama": errors mask the key
    # wherever it appears, and would turn "ollama serve" into "*** serve".
    options.setdefault("api_key", "no-key-needed")
    options.setdefault("unreachable_hint", OLLAMA_NOT_RUNNING)
    return OpenAIProvider(
        model,
        provider="ollama",
        base_url=base_url,
        key_variable=None,
        **options,
    )
