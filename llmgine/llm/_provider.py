"""The provider interface: one method for a whole reply, one for a stream.

A provider is bound to one model of one service (``openai:gpt-4o-mini``). It knows nothing
of the bus. Resilience (retry, rate limits, key pools, failover) is added by wrapping a
provider in another object with the same interface, so wrappers compose in any order.

``stream`` is an async generator: it yields ``TextDelta`` and ``ToolCallDelta`` items and
ends with exactly one ``StreamEnd`` holding the whole reply. A consumer that stops early
should close it (``contextlib.aclosing``) so the connection is released at once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator
from types import TracebackType

from llmgine.llm._errors import MalformedResponseError
from llmgine.llm._types import LLMRequest, LLMResponse, StreamDelta


class LLMProvider(ABC):
    """A model behind one small interface. Subclasses set ``provider`` and ``model``."""

    provider: str
    model: str

    @property
    def model_name(self) -> str:
        """``provider:model``."""
        return f"{self.provider}:{self.model}"

    @abstractmethod
    async def complete(self, request: LLMRequest) -> LLMResponse:
        """Send the request and return the whole reply."""

    @abstractmethod
    def stream(self, request: LLMRequest) -> AsyncGenerator[StreamDelta, None]:
        """Send the request and yield the reply as it arrives, ending with ``StreamEnd``."""

    async def aclose(self) -> None:  # noqa: B027 (optional: most fakes hold no connection)
        """Release connections. Calling it twice is harmless."""

    async def __aenter__(self) -> LLMProvider:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.model_name}>"


class ProviderWrapper(LLMProvider):
    """Base for wrappers: same interface, same model name, closes what it wraps."""

    def __init__(self, inner: LLMProvider) -> None:
        self.inner = inner
        self.provider = inner.provider
        self.model = inner.model

    async def aclose(self) -> None:
        await self.inner.aclose()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.inner!r}>"


async def start_stream(
    provider: LLMProvider, request: LLMRequest
) -> tuple[AsyncGenerator[StreamDelta, None], StreamDelta]:
    """Open ``provider``'s stream and wait for its first delta.

    Up to here a wrapper may still retry or switch providers: nothing has reached the
    consumer. Returns the open stream and its first delta; the caller yields that delta and
    then the rest, closing the stream (``aclosing``) when done. If the stream fails before
    its first delta, it is closed and the error raised.
    """
    deltas = provider.stream(request)
    try:
        first = await anext(deltas, None)
    except BaseException:
        await deltas.aclose()
        raise
    if first is None:
        await deltas.aclose()
        raise MalformedResponseError(
            "the stream ended before its first delta; a stream must end with StreamEnd",
            provider=provider.provider,
            model=provider.model,
        )
    return deltas, first
