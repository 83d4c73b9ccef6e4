"""The one-call functions: a ``ChatClient`` for one call, started and closed around it.

Built like every app, from the settings (``LLMGINE_*`` variables and ``.env``, or the
``settings`` given): the model, retries, timeouts, the log folder and tracing apply here
as in the programs.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel

from llmgine.api._client import DEFAULT_VALIDATION_RETRIES, FROM_SETTINGS, ChatClient
from llmgine.api._results import CompletionResult, StreamChunk
from llmgine.bus import MessageBus
from llmgine.llm import LLMProvider
from llmgine.tools import ToolManager

T = TypeVar("T", bound=BaseModel)
Tools = ToolManager | Iterable[Callable[..., Any]] | None


def _client(
    model: str | LLMProvider | None,
    system_prompt: str | None,
    tools: Tools,
    execute_tools: bool,
    max_tool_iterations: int | None,
    bus: MessageBus | None,
    log_dir: str | os.PathLike[str] | None,
    options: dict[str, Any],
) -> ChatClient:
    return ChatClient(
        model,
        system_prompt=system_prompt,
        tools=tools,
        execute_tools=execute_tools,
        max_tool_iterations=max_tool_iterations,
        bus=bus,
        log_dir=log_dir,
        **options,
    )


async def complete(
    user_message: str,
    *,
    model: str | LLMProvider | None = None,
    system_prompt: str | None = None,
    tools: Tools = None,
    execute_tools: bool = True,
    max_tool_iterations: int | None = None,
    bus: MessageBus | None = None,
    log_dir: str | os.PathLike[str] | None = FROM_SETTINGS,
    **options: Any,
) -> CompletionResult:
    """Answer ``user_message`` in one call, running the tools the model asks for.

    ``options`` go to ``ChatClient`` (``settings``, ``temperature``, ``max_tokens``,
    ``provider_options``).
    """
    async with _client(
        model, system_prompt, tools, execute_tools, max_tool_iterations, bus, log_dir, options
    ) as client:
        return await client.complete(user_message)


async def structured_complete(
    user_message: str,
    response_format: type[T],
    *,
    model: str | LLMProvider | None = None,
    system_prompt: str | None = None,
    tools: Tools = None,
    execute_tools: bool = True,
    max_tool_iterations: int | None = None,
    max_validation_retries: int = DEFAULT_VALIDATION_RETRIES,
    bus: MessageBus | None = None,
    log_dir: str | os.PathLike[str] | None = FROM_SETTINGS,
    **options: Any,
) -> T:
    """Answer with a validated instance of ``response_format``."""
    async with _client(
        model, system_prompt, tools, execute_tools, max_tool_iterations, bus, log_dir, options
    ) as client:
        return await client.structured_complete(
            user_message, response_format, max_validation_retries=max_validation_retries
        )


async def stream_complete(
    user_message: str,
    *,
    model: str | LLMProvider | None = None,
    system_prompt: str | None = None,
    tools: Tools = None,
    execute_tools: bool = True,
    max_tool_iterations: int | None = None,
    bus: MessageBus | None = None,
    log_dir: str | os.PathLike[str] | None = FROM_SETTINGS,
    **options: Any,
) -> AsyncIterator[StreamChunk]:
    """Yield the answer to ``user_message`` as it arrives; the last chunk has ``done=True``."""
    async with _client(
        model, system_prompt, tools, execute_tools, max_tool_iterations, bus, log_dir, options
    ) as client:
        async for chunk in client.stream_complete(user_message):
            yield chunk
