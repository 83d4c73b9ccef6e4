"""One model call on the bus: the handler of ``CallLLMCommand``.

It announces the call, sends it (streamed or whole), publishes each text delta as it
arrives, and reports the outcome as an event with model, usage, latency and finish
reason. A provider error is not raised into the bus: it becomes a failed ``CommandResult``
whose ``result`` is an ``LLMFailure``, so the caller can tell a rate limit from a reply
that did not validate, and show the model its own invalid output.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from llmgine.bus import MessageBus
from llmgine.engine._messages import (
    CallLLMCommand,
    LLMCallCompletedEvent,
    LLMCallFailedEvent,
    LLMCallStartedEvent,
    LLMFailure,
    ResponseDeltaEvent,
)
from llmgine.llm import (
    LLMError,
    LLMProvider,
    LLMResponse,
    MalformedResponseError,
    StreamEnd,
    StructuredOutputError,
    TextDelta,
)
from llmgine.messages import CommandResult

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

    async def handle(self, command: CallLLMCommand) -> LLMResponse | CommandResult:
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
            if command.stream:
                response, first = await self._stream(provider, command)
            else:
                response = await provider.complete(request)
        except (LLMError, ValueError) as exc:
            return await self._failed(command, exc, started)
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
        self, command: CallLLMCommand, exc: LLMError | ValueError, started: float
    ) -> CommandResult:
        failure = failure_of(exc, command.model)
        await self._bus.publish(
            LLMCallFailedEvent(
                model=command.model,
                round=command.round,
                error_type=failure.error_type,
                error=str(exc),
                latency_ms=(time.perf_counter() - started) * 1000,
            )
        )
        return CommandResult(
            success=False,
            command_id=command.command_id,
            session_id=command.session_id,
            error=f"{failure.error_type}: {exc}",
            result=failure,
        )


def failure_of(exc: LLMError | ValueError, model: str) -> LLMFailure:
    """``exc`` as data; a ``ValueError`` is a model name that could not be resolved."""
    if not isinstance(exc, LLMError):
        return LLMFailure(error_type="InvalidRequestError", message=str(exc), model=model)
    structured = exc if isinstance(exc, StructuredOutputError) else None
    return LLMFailure(
        error_type=type(exc).__name__,
        message=exc.message,
        provider=exc.provider,
        model=exc.model,
        status_code=exc.status_code,
        raw=structured.raw if structured else None,
        validation_errors=structured.errors if structured else None,
    )
