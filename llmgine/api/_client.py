"""ChatClient: a conversation with a model in three methods, with the bus out of sight.

The client runs a ``ToolChatEngine`` on a session of a bus: the bus passed in, or a private
one it starts itself. Both are built by the composition root (``llmgine.bootstrap``) from
the settings, as every app's are: the model, the system prompt, the tool-round limit, the
retries, rate limit and timeouts around the provider, the JSONL log in the log folder, and
OpenTelemetry or MLflow when the settings turn tracing on. Its memory is that session's
history, so each call sees the ones before it until ``reset_conversation``. Calls on one
client run one at a time, in the order they were made.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from pydantic import BaseModel

from llmgine.api._results import CompletionResult, StreamChunk, error_of
from llmgine.api._stream import stream_turn
from llmgine.bootstrap import (
    SettingsProviders,
    build_bus,
    build_context,
    build_engine,
    build_sinks,
    build_tools,
    settings_model,
)
from llmgine.bus import BusSession, MessageBus, UsageError
from llmgine.config import Settings, load_settings
from llmgine.context import WindowStrategy
from llmgine.engine import PromptCommand, TurnResult
from llmgine.llm import ChatMessage, LLMProvider, full_model_name
from llmgine.prompts import PromptTemplates
from llmgine.tools import ToolManager

T = TypeVar("T", bound=BaseModel)

DEFAULT_VALIDATION_RETRIES = 3
FROM_SETTINGS: Any = "from the settings"
"""The default of ``log_dir``: where the settings say (``settings.log_dir``)."""


class ChatClient:
    """A stateful chat client: ``async with ChatClient() as client: await client.complete(...)``.

    Args:
        model: ``provider:model`` or a provider; ``None``: the settings' model, else the
            best one available (an API key, a local Ollama, else the offline stand-in).
        settings: what the client is built from (default: ``load_settings()``: ``LLMGINE_*``
            variables and ``.env``); the arguments below win over it.
        system_prompt: the conversation's system prompt (default: the settings').
        tools: functions the model may call (or a ``ToolManager``).
        execute_tools: run the tool calls the model makes; when False they are returned
            unexecuted and the turn ends.
        max_tool_iterations: rounds of tool calls a call may run before it must answer
            (default: the settings').
        bus: run on this (started) bus; by default the client starts a private one.
        log_dir: where the private bus writes its JSONL log (default: the settings'
            ``log_dir``, when ``jsonl_log`` is on; ``None``: no log).
        session_id: the bus session of the conversation (default: a new id).
        window: what part of the history each call sends (default: all of it).
        templates: how the system prompt and its tool listing are written.
        provider_options: passed to the provider over what the settings say (``api_key``,
            ``base_url``, ``timeout``).
        temperature, max_tokens: defaults for every call.
    """

    def __init__(
        self,
        model: str | LLMProvider | None = None,
        *,
        settings: Settings | None = None,
        system_prompt: str | None = None,
        tools: ToolManager | Iterable[Callable[..., Any]] | None = None,
        execute_tools: bool = True,
        max_tool_iterations: int | None = None,
        bus: MessageBus | None = None,
        log_dir: str | os.PathLike[str] | None = FROM_SETTINGS,
        session_id: str | None = None,
        window: WindowStrategy | None = None,
        templates: PromptTemplates | None = None,
        provider_options: dict[str, Any] | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> None:
        self.settings = _with_log_dir(settings or load_settings(), log_dir)
        self._own_bus = bus is None
        if bus is None:
            bus = build_bus(self.settings, build_sinks(self.settings, console=False).sinks)
        self.bus = bus
        self._session: BusSession = self.bus.session(session_id)
        self.session_id = self._session.session_id
        _, self.context = build_context(
            self.settings, window=window, save_sessions=False, system_prompt=system_prompt
        )
        self.engine = build_engine(
            self._session,
            self.settings,
            model=(full_model_name(model) if isinstance(model, str) else model)
            or settings_model(self.settings),
            tools=build_tools(self.settings, tools),
            context=self.context,
            templates=templates,
            max_tool_rounds=max_tool_iterations,
            providers=SettingsProviders(self.settings, provider_options),
        )
        self.execute_tools = execute_tools
        self.temperature = temperature
        self.max_tokens = max_tokens
        self._lock = asyncio.Lock()
        self._state = "new"

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> ChatClient:
        if self._state == "running":
            return self
        if self._state == "closed":
            raise UsageError("this ChatClient is closed; create a new one")
        if self._own_bus:
            await self.bus.start()
        await self._session.start()
        await self.engine.start()
        self._state = "running"
        return self

    async def aclose(self) -> None:
        """Stop the engine, end the session, and stop the private bus (flushing its log)."""
        if self._state != "running":
            self._state = "closed"
            return
        self._state = "closed"
        await self.engine.stop()
        await self._session.end()
        if self._own_bus:
            await self.bus.stop()

    async def __aenter__(self) -> ChatClient:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @property
    def history(self) -> list[ChatMessage]:
        """The conversation so far (every message of every finished call)."""
        return self.context.history(self.session_id)

    def reset_conversation(self) -> None:
        """Forget the conversation; the next call starts afresh (system prompt kept)."""
        self.context.forget(self.session_id)

    # -- the three calls ---------------------------------------------------------------

    async def complete(self, user_message: str, **options: Any) -> CompletionResult:
        """Answer ``user_message``, calling tools as the model asks; see ``PromptCommand``
        for the per-call ``options`` (``model``, ``system_prompt``, ``max_tool_rounds``...)."""
        turn = await self._turn(self._command(user_message, options))
        return CompletionResult.of(turn, self.session_id)

    async def structured_complete(
        self,
        user_message: str,
        response_format: type[T],
        *,
        max_validation_retries: int = DEFAULT_VALIDATION_RETRIES,
        **options: Any,
    ) -> T:
        """Answer with an instance of ``response_format``; an invalid reply is shown its
        errors and asked again, up to ``max_validation_retries`` times."""
        options |= {
            "response_format": response_format,
            "max_validation_retries": max_validation_retries,
        }
        turn = await self._turn(self._command(user_message, options))
        if not isinstance(turn.parsed, response_format):
            raise error_of(f"the reply is not a {response_format.__name__}", None)
        return turn.parsed

    async def stream_complete(
        self, user_message: str, **options: Any
    ) -> AsyncIterator[StreamChunk]:
        """Yield the answer as it arrives; the last chunk has ``done=True``."""
        command = self._command(user_message, options | {"stream": True})
        await self._ensure_running()
        async with self._lock:
            async for chunk in stream_turn(self._session, command):
                yield chunk

    # -- internals ---------------------------------------------------------------------

    def _command(self, user_message: str, options: dict[str, Any]) -> PromptCommand:
        if not isinstance(user_message, str):
            raise TypeError(f"user_message must be a str, not {type(user_message).__name__}")
        if "max_tool_iterations" in options:
            options["max_tool_rounds"] = options.pop("max_tool_iterations")
        fields: dict[str, Any] = {
            "execute_tools": self.execute_tools,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }
        return PromptCommand(prompt=user_message, session_id=self.session_id, **(fields | options))

    async def _turn(self, command: PromptCommand) -> TurnResult:
        await self._ensure_running()
        async with self._lock:
            result = await self._session.execute(command)
        if not result.success or not isinstance(result.result, TurnResult):
            raise error_of(result.error, result.failure)
        return result.result

    async def _ensure_running(self) -> None:
        if self._state != "running":
            await self.start()


def _with_log_dir(settings: Settings, log_dir: str | os.PathLike[str] | None) -> Settings:
    if log_dir is FROM_SETTINGS:
        return settings
    if log_dir is None:
        return settings.model_copy(update={"jsonl_log": False})
    return settings.model_copy(update={"log_dir": Path(log_dir), "jsonl_log": True})
