"""GlueLLM's ``gluellm.api``: the one-call functions, the ``GlueLLM`` client, the errors.

``complete``, ``structured_complete`` and ``stream_complete`` are llmgine's (``llmgine.api``)
built from ``llmgine.compat.gluellm.config.settings``, so ``GLUELLM_*`` variables apply.
Their results are llmgine's too: ``ToolExecutionResult`` is ``CompletionResult``, whose
``tokens_used`` and ``tool_execution_history`` entries read by key as GlueLLM's dicts did
(``result.tokens_used["total"]``, ``call["tool_name"]``). The errors are llmgine's
``LLMError`` tree, which has GlueLLM's names.

``GlueLLM`` keeps a conversation across calls, as GlueLLM's client does, but needs no
closing: each call runs on a ``ChatClient`` started and stopped around it (its log written
and flushed), given the conversation so far, so a client may outlive an event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel

from llmgine.api import (
    ChatClient,
    CompletionError,
    CompletionResult,
    StreamChunk,
    TokenUsage,
    ToolExecution,
)
from llmgine.api import complete as _complete
from llmgine.api import stream_complete as _stream_complete
from llmgine.api import structured_complete as _structured_complete
from llmgine.compat.gluellm import config
from llmgine.llm import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    ChatMessage,
    InvalidRequestError,
    LLMError,
    LLMProvider,
    RateLimitError,
    TokenLimitError,
)
from llmgine.messages import new_id
from llmgine.tools import ToolManager

__all__ = [
    "APIConnectionError",
    "APITimeoutError",
    "AuthenticationError",
    "CompletionError",
    "ExecutionResult",
    "GlueLLM",
    "InvalidRequestError",
    "LLMError",
    "RateLimitError",
    "StreamingChunk",
    "TokenLimitError",
    "TokenUsage",
    "ToolExecution",
    "ToolExecutionResult",
    "complete",
    "stream_complete",
    "structured_complete",
]

T = TypeVar("T", bound=BaseModel)
Tools = ToolManager | Iterable[Callable[..., Any]] | None
Model = str | LLMProvider | None

ToolExecutionResult = CompletionResult
"""What ``complete`` returns (GlueLLM's name; its later releases call it ``ExecutionResult``)."""
ExecutionResult = CompletionResult
StreamingChunk = StreamChunk


def _options(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with the GlueLLM settings, unless the caller gave settings of its own."""
    options.setdefault("settings", config.settings)
    return options


async def complete(
    user_message: str,
    model: Model = None,
    system_prompt: str | None = None,
    tools: Tools = None,
    execute_tools: bool = True,
    max_tool_iterations: int | None = None,
    **options: Any,
) -> CompletionResult:
    """Answer ``user_message``, running the tools the model asks for (``llmgine.complete``;
    ``options`` as there: ``temperature``, ``max_tokens``, ``log_dir``...)."""
    return await _complete(
        user_message,
        model=model,
        system_prompt=system_prompt,
        tools=tools,
        execute_tools=execute_tools,
        max_tool_iterations=max_tool_iterations,
        **_options(options),
    )


async def structured_complete(
    user_message: str,
    response_format: type[T],
    model: Model = None,
    system_prompt: str | None = None,
    tools: Tools = None,
    **options: Any,
) -> T:
    """Answer with a validated instance of ``response_format`` (``llmgine.structured_complete``)."""
    return await _structured_complete(
        user_message,
        response_format,
        model=model,
        system_prompt=system_prompt,
        tools=tools,
        **_options(options),
    )


async def stream_complete(
    user_message: str,
    model: Model = None,
    system_prompt: str | None = None,
    tools: Tools = None,
    **options: Any,
) -> AsyncIterator[StreamChunk]:
    """Yield the answer as it arrives; the last chunk has ``done=True``."""
    async for chunk in _stream_complete(
        user_message, model=model, system_prompt=system_prompt, tools=tools, **_options(options)
    ):
        yield chunk


class GlueLLM:
    """A client that remembers the conversation: ``await client.complete("...")``.

    Args:
        model: ``provider:model`` (default: the settings' ``default_model``, else the best
            available).
        system_prompt: the conversation's system prompt (default: the settings').
        tools: functions the model may call, in every call.
        max_tool_iterations: rounds of tool calls a call may run (default: the settings').
        options: passed to each call's ``ChatClient`` (``settings``, ``temperature``,
            ``max_tokens``, ``log_dir``, ``provider_options``...).
    """

    def __init__(
        self,
        model: Model = None,
        system_prompt: str | None = None,
        tools: Tools = None,
        max_tool_iterations: int | None = None,
        **options: Any,
    ) -> None:
        self.model = model
        self.system_prompt = system_prompt
        self.tools = tools
        self.max_tool_iterations = max_tool_iterations
        self.options = options
        self.session_id = new_id()
        """The bus session every call of this client runs in (one conversation in the log)."""
        self._history: list[ChatMessage] = []
        self._turns: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    @property
    def history(self) -> list[ChatMessage]:
        """The conversation so far."""
        return list(self._history)

    def reset_conversation(self) -> None:
        """Forget the conversation; the next call starts afresh."""
        self._history = []

    async def complete(self, user_message: str, **overrides: Any) -> CompletionResult:
        """Answer ``user_message`` in the conversation, calling tools as the model asks."""
        async with self._client() as client:
            return await client.complete(user_message, **overrides)

    async def structured_complete(
        self, user_message: str, response_format: type[T], **overrides: Any
    ) -> T:
        """Answer with a validated instance of ``response_format``, in the conversation."""
        async with self._client() as client:
            return await client.structured_complete(user_message, response_format, **overrides)

    async def stream_complete(
        self, user_message: str, **overrides: Any
    ) -> AsyncIterator[StreamChunk]:
        """Yield the answer as it arrives, in the conversation."""
        async with self._client() as client:
            async for chunk in client.stream_complete(user_message, **overrides):
                yield chunk

    def _client(self) -> _Call:
        loop = asyncio.get_running_loop()
        if self._turns is None or self._turns[0] is not loop:
            self._turns = (loop, asyncio.Lock())
        options = {"settings": config.settings} | self.options
        client = ChatClient(
            self.model,
            system_prompt=self.system_prompt,
            tools=self.tools,
            max_tool_iterations=self.max_tool_iterations,
            session_id=self.session_id,
            **options,
        )
        return _Call(self, client, self._turns[1])


class _Call:
    """One call of a ``GlueLLM`` client: its turn, on a client given the conversation so
    far, which becomes the conversation when the call succeeds."""

    def __init__(self, owner: GlueLLM, client: ChatClient, turns: asyncio.Lock) -> None:
        self.owner = owner
        self.client = client
        self.turns = turns

    async def __aenter__(self) -> ChatClient:
        await self.turns.acquire()
        try:
            await self.client.start()
            await self.client.context.replace(self.client.session_id, self.owner.history)
        except BaseException:
            await self.client.aclose()
            self.turns.release()
            raise
        return self.client

    async def __aexit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        try:
            if exc_type is None:
                self.owner._history = self.client.history
        finally:
            try:
                await self.client.aclose()
            finally:
                self.turns.release()
