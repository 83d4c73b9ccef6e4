"""One model call on the bus: the handler of ``CallLLMCommand``.

It announces the call, sends it (streamed or whole), publishes each text delta as it
arrives, and reports the outcome as an event with model, usage, latency and finish
reason. A provider error is not raised into the bus: it becomes a failed ``CommandResult``
whose ``Failure`` records the ``LLMError`` (its kind, and the invalid reply when there was
one), so the caller can tell a rate limit from a reply that did not validate, show the
model its own invalid output, or rebuild the exception with ``LLMError.from_failure``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from llmgine.bus import MessageBus
from llmgine.engine._messages import (
    CallLLMCommand,
    LLMCallCompletedEvent,
    LLMCallFailedEvent,
    LLMCallStartedEvent,
    ResponseDeltaEvent,
)
from llmgine.llm import (
    LLMError,
    LLMProvider,
    LLMResponse,
    MalformedResponseError,
    StreamEnd,
    TextDelta,
)
from llmgine.messages import CommandResult, Failure

ProviderLookup = Callable[[str], LLMProvider]


class LLMCaller:
    """Handles ``CallLLMCommand`` with the provider that ``lookup`` gives for its model.

    A streamed reply's text pieces become ``ResponseDeltaEvent``s while some handler listens
    for them (or always, with ``all_deltas``): the whole text is in the completed event
    anyway, so a turn nobody watches does not pay for one event per word.
    """

    def __init__(self, bus: MessageBus, lookup: ProviderLookup, *, all_deltas: bool) -> None:
        self._bus = bus
        self._lookup = lookup
        self._all_deltas = all_deltas

    async def handle(self, command: CallLLMCommand) -> LLMResponse | CommandResult[Any]:
        bus = self._bus
        request = command.request
        await bus.publish(
            LLMCallStartedEvent(
                model=command.model,
                round=command.round,
                message_count=len(request.messages),
                tool_count=len(request.tools),
                stream=command.stream,
            )
        )
        started = time.perf_counter()
        first: float | None = None
        try:
            provider = self._lookup(command.model)
        except ValueError as exc:  # a model name that could not be resolved
            failure = Failure(
                kind="invalid_request", message=str(exc),
                exception_type="InvalidRequestError", provider="", model=command.model,
            )  # fmt: skip
            return await self._failed(command, failure, str(exc), started)
        try:
            if command.stream:
                response, first = await self._stream(provider, command)
            else:
                response = await provider.complete(request)
        except LLMError as exc:
            return await self._failed(command, Failure(**exc.failure_fields()), str(exc), started)
        ended = time.perf_counter()
        await bus.publish(
            LLMCallCompletedEvent(
                model=response.model_name,
                round=command.round,
                content=response.content,
                tool_calls=response.tool_calls,
                finish_reason=response.finish_reason,
                usage=response.usage,
                latency_ms=(ended - started) * 1000,
                first_delta_ms=None if first is None else (first - started) * 1000,
                response_id=response.response_id,
            )
        )
        return response

    async def _stream(
        self, provider: LLMProvider, command: CallLLMCommand
    ) -> tuple[LLMResponse, float | None]:
        """The streamed reply, and when its first piece arrived (``perf_counter``)."""
        bus, round = self._bus, command.round
        publish = self._all_deltas or bus.has_subscribers(ResponseDeltaEvent, command.session_id)
        first: float | None = None
        async with contextlib.aclosing(provider.stream(command.request)) as deltas:
            async for delta in deltas:
                if isinstance(delta, StreamEnd):
                    return delta.response, first
                if first is None:
                    first = time.perf_counter()
                if publish and isinstance(delta, TextDelta):
                    await bus.publish(ResponseDeltaEvent(text=delta.text, round=round))
        raise MalformedResponseError(
            "the stream ended without its final message",
            provider=provider.provider,
            model=provider.model,
        )

    async def _failed(
        self, command: CallLLMCommand, failure: Failure, error: str, started: float
    ) -> CommandResult[Any]:
        await self._bus.publish(
            LLMCallFailedEvent(
                model=command.model,
                round=command.round,
                error_type=failure.exception_type or failure.kind,
                error=error,
                latency_ms=(time.perf_counter() - started) * 1000,
            )
        )
        return CommandResult.failed(command, failure)
