"""ToolChatEngine: the bus component that answers ``PromptCommand``.

On ``start`` it registers itself on a bus (or a session of one) as the handler of
``PromptCommand``, ``CallLLMCommand`` and ``CancelTurnCommand``, and attaches its
``ToolManager`` for ``ExecuteToolCommand``. A turn reads the session from the
``ContextManager``, runs (see ``_turn``), publishes ``ResponseCompletedEvent`` with the
messages it adds, and commits them to the history in one step. Turns of one session run
one after another; turns of different sessions run side by side.

A turn runs in a task of its own, so ``CancelTurnCommand`` can stop it without touching the
task of whoever executed the ``PromptCommand``: that caller gets a failed result that says
the turn was cancelled, and the history is as it was before the turn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Literal

from llmgine.bus import BusLike, BusSession, MessageBus, Registration, UsageError
from llmgine.context import ContextManager, Conversation, SessionError
from llmgine.engine._llmcall import LLMCaller
from llmgine.engine._messages import (
    CallLLMCommand,
    CancelTurnCommand,
    PromptCommand,
    ResponseCompletedEvent,
    TurnCancelledEvent,
    TurnResult,
)
from llmgine.engine._turn import Turn, TurnFailed, TurnOutcome, TurnPlan
from llmgine.llm import LLMProvider, SystemMessage, detect_model, resolve_model
from llmgine.messages import CommandResult, Failure
from llmgine.prompts import PromptTemplates
from llmgine.tools import Tool, ToolManager

logger = logging.getLogger("llmgine.engine")

DEFAULT_MAX_TOOL_ROUNDS = 10
_SYSTEM_MESSAGES_KEPT = 256


class ToolChatEngine:
    """Chat turns with tools, carried out on a bus.

    Args:
        bus: the bus, or a ``BusSession`` to serve only that session.
        model: ``provider:model``, a provider object (the caller keeps ownership of it),
            or ``None`` to pick the best available with ``detect_model`` at start.
        tools: a ``ToolManager``, or functions to register in a new one.
        context: where histories live (default: a new in-memory ``ContextManager``).
        templates: how the system prompt and its tool listing are written (default:
            ``PromptTemplates.default()``, shared by the engines given none).
        max_tool_rounds: rounds of tool calls a turn may run before it must answer.
        stream: stream replies, publishing a ``ResponseDeltaEvent`` per text piece.
        delta_events: ``"subscribed"`` publishes those events only while some handler
            listens for them (the completed event holds the whole text anyway);
            ``"always"`` publishes them regardless, so the log shows every piece.
        provider_options: passed to ``resolve_model`` (``api_key``, ``base_url``...).
        provider_factory: builds the provider for a model name instead of ``resolve_model``
            (an app wraps each provider in retry and rate limits this way); the engine
            owns and closes what it returns. Not combined with ``provider_options``.
    """

    def __init__(
        self,
        bus: MessageBus | BusSession,
        *,
        model: str | LLMProvider | None = None,
        tools: ToolManager | Iterable[Callable[..., Any]] | None = None,
        context: ContextManager | None = None,
        templates: PromptTemplates | None = None,
        max_tool_rounds: int = DEFAULT_MAX_TOOL_ROUNDS,
        stream: bool = True,
        delta_events: Literal["subscribed", "always"] = "subscribed",
        provider_options: dict[str, Any] | None = None,
        provider_factory: Callable[[str], LLMProvider] | None = None,
    ) -> None:
        if provider_options and provider_factory is not None:
            raise ValueError(
                "pass provider_options or a provider_factory, not both: the factory builds "
                "providers with options of its own"
            )
        if max_tool_rounds < 0:
            raise ValueError(f"max_tool_rounds must be 0 or more, got {max_tool_rounds}")
        if delta_events not in ("subscribed", "always"):
            raise ValueError(f"delta_events must be 'subscribed' or 'always', not {delta_events!r}")
        self._target = bus
        self.bus = bus.bus if isinstance(bus, BusSession) else bus
        self.tools = tools if isinstance(tools, ToolManager) else ToolManager(tools or ())
        self.context = context or ContextManager()
        self.templates = templates or PromptTemplates.default()
        self.max_tool_rounds = max_tool_rounds
        self.stream = stream
        options = dict(provider_options or {})
        self._factory = provider_factory or (lambda name: resolve_model(name, **options))
        self._providers: dict[str, LLMProvider] = {}
        self._owned: list[LLMProvider] = []
        self._model: str | None = None
        if isinstance(model, LLMProvider):
            self._model = model.model_name
            self._providers[self._model] = model
        elif model is not None:
            self._model = model
        self._registration: Registration | None = None
        self._turns: dict[str, asyncio.Task[TurnOutcome]] = {}
        self._cancel_reasons: dict[asyncio.Task[TurnOutcome], str] = {}
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._system_messages: dict[str, SystemMessage] = {}
        self._caller = LLMCaller(self.bus, self.provider, all_deltas=delta_events == "always")

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def model(self) -> str:
        """The default model, ``provider:model`` (known once the engine has started)."""
        if self._model is None:
            raise UsageError("the engine has not started, so its model is not chosen yet")
        return self._model

    @property
    def running(self) -> bool:
        return self._registration is not None

    async def start(self) -> ToolChatEngine:
        """Choose the model if none was given, then register the handlers."""
        if self.running:
            return self
        if self._model is None:
            self._model = await detect_model()
        self._registration = self.attach(self._target)
        return self

    def attach(self, target: BusLike) -> Registration:
        """Handle the commands of chat turns on ``target`` (a bus, or one session of it):
        ``PromptCommand``, ``CallLLMCommand``, ``CancelTurnCommand``, and, through the
        tool manager, ``ExecuteToolCommand``. ``start()`` attaches to the engine's own bus
        (choosing a model first, if none was given); the returned ``Registration`` detaches.
        The engine works through the bus it was made with, so ``target`` is that bus or a
        session of it.
        """
        owner = target.bus if isinstance(target, BusSession) else target
        if owner is not self.bus:
            raise UsageError(
                "this engine works through the bus it was made with; attach it to that bus "
                "or one of its sessions, or make an engine for the other bus"
            )
        registrations = [
            target.register_command_handler(PromptCommand, self._handle_prompt),
            target.register_command_handler(CallLLMCommand, self._caller.handle),
            target.register_command_handler(CancelTurnCommand, self._handle_cancel),
        ]
        try:
            registrations.append(self.tools.attach(target))
        except UsageError:
            for registration in registrations:
                registration.unregister()
            raise
        return Registration.group("chat engine", registrations)

    async def stop(self) -> None:
        """Unregister, wait for saves, close the providers the engine made itself."""
        if self._registration is not None:
            self._registration.unregister()
            self._registration = None
        await self.context.flush()
        owned, self._owned = self._owned, []
        for provider in owned:
            self._providers.pop(provider.model_name, None)
            try:
                await provider.aclose()
            except Exception:
                logger.exception("closing %r failed", provider)

    async def __aenter__(self) -> ToolChatEngine:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def register_tool(self, function: Callable[..., Any]) -> Tool[..., Any]:
        """Offer ``function`` to the model from the next turn on, as the original LLMgine's
        ``await engine.register_tool(fn)`` did; returns the ``Tool``. The same as
        ``engine.tools.register(function)``, which needs no ``await``."""
        return self.tools.register(function)

    def provider(self, model: str) -> LLMProvider:
        """The provider for ``model`` (made on first use and kept for the engine's life)."""
        provider = self._providers.get(model)
        if provider is None:
            provider = self._factory(model)
            self._providers[model] = provider
            self._owned.append(provider)
        return provider

    # -- handlers ----------------------------------------------------------------------

    async def _handle_prompt(self, command: PromptCommand) -> TurnResult | CommandResult[Any]:
        session_id = command.session_id
        lock, users = self._locks.get(session_id) or (asyncio.Lock(), 0)
        self._locks[session_id] = (lock, users + 1)
        try:
            async with lock:
                return await self._run_turn(command)
        finally:
            lock, users = self._locks[session_id]
            if users == 1:
                del self._locks[session_id]
            else:
                self._locks[session_id] = (lock, users - 1)

    async def _run_turn(self, command: PromptCommand) -> TurnResult | CommandResult[Any]:
        if self._model is None and command.model is None:
            self._model = await detect_model()  # attached without start(): choose now
        conversation = await self.context.session(command.session_id)
        turn = Turn(self.bus, command, self._plan(command, conversation))
        task = asyncio.create_task(turn.run())
        self._turns[command.session_id] = task
        try:
            outcome = await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            caller_cancelled = current is not None and current.cancelling() > 0
            reason = self._cancel_reasons.get(task) or "the caller was cancelled"
            await self.bus.publish(TurnCancelledEvent(reason=reason, rounds=turn.rounds))
            if caller_cancelled:
                raise  # the turn went with its caller
            failure = Failure(kind="cancelled", message=f"the turn was cancelled ({reason})")
            return CommandResult.failed(command, failure)
        except TurnFailed as exc:
            return CommandResult.failed(command, exc.failure)
        finally:
            del self._turns[command.session_id]
            self._cancel_reasons.pop(task, None)
        return await self._complete(command, conversation, outcome)

    def _plan(self, command: PromptCommand, conversation: Conversation) -> TurnPlan:
        tools = () if command.tools == () else self.tools.definitions(command.tools)
        system = self.templates.render_system(
            command.system_prompt or self.context.system_prompt_of(conversation), tools
        )
        history = self.context.context(conversation)
        prefix = (self._system_message(system), *history) if system else tuple(history)
        rounds = command.max_tool_rounds
        return TurnPlan(
            model=command.model or self.model,
            prefix=prefix,
            tools=tools,
            max_tool_rounds=self.max_tool_rounds if rounds is None else rounds,
            stream=self.stream if command.stream is None else command.stream,
        )

    def _system_message(self, text: str) -> SystemMessage:
        """One message per system prompt, shared by the turns that send it: the sessions of
        an app mostly share theirs, and the log recognises a message it has seen by
        identity, without writing it out again to compare."""
        message = self._system_messages.get(text)
        if message is None:
            if len(self._system_messages) >= _SYSTEM_MESSAGES_KEPT:
                self._system_messages.clear()
            message = self._system_messages[text] = SystemMessage(content=text)
        return message

    async def _complete(
        self, command: PromptCommand, conversation: Conversation, outcome: TurnOutcome
    ) -> TurnResult:
        shared = {
            "content": outcome.content,
            "model": outcome.model,
            "finish_reason": outcome.finish_reason,
            "rounds": outcome.rounds,
            "usage": outcome.usage,
            "session_usage": conversation.usage + outcome.usage,
            "parsed": outcome.parsed,
        }
        await self.bus.publish(ResponseCompletedEvent(messages=tuple(outcome.messages), **shared))
        try:
            await self.context.commit(
                conversation, outcome.messages, usage=outcome.usage, model=outcome.model
            )
        except SessionError:
            pass  # the context manager has said why, in one line; the next save writes it
        except Exception:
            # The answer is in memory and in the log; the next save writes it to disk.
            logger.exception("the turn of session %r was not saved", command.session_id)
        return TurnResult(
            tool_results=tuple(outcome.tool_results),
            unexecuted_tool_calls=outcome.unexecuted_calls,
            response_id=outcome.response_id,
            **shared,
        )

    async def _handle_cancel(self, command: CancelTurnCommand) -> bool:
        task = self._turns.get(command.session_id)
        if task is None or task.done():
            return False
        self._cancel_reasons[task] = command.reason
        task.cancel(command.reason)
        return True
