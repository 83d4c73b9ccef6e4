"""In-memory providers and fakes of time for the resilience wrapper tests.

``FakeProvider`` plays back a script of outcomes, one per call: a reply text, an ``LLMError``
to raise before any delta, or ``Breaks`` (a stream that yields some text and then fails).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Callable, Iterable
from dataclasses import dataclass

from llmgine.llm import (
    LLMError,
    LLMProvider,
    LLMRequest,
    LLMResponse,
    StreamDelta,
    StreamEnd,
    TextDelta,
)

REQUEST = LLMRequest.of("hello")


@dataclass(frozen=True)
class Breaks:
    """A stream that yields ``text`` and then fails with ``error``; a complete call just fails."""

    text: str
    error: LLMError


Outcome = str | LLMError | Breaks


class FakeProvider(LLMProvider):
    """Answers each call with the next scripted outcome, then with ``default`` (if given).

    ``on_call`` runs at the start of every call (to advance a fake clock, say); ``gate``, when
    set, holds every call until it is set, after ``started`` has been set.
    """

    def __init__(
        self,
        outcomes: Iterable[Outcome] = (),
        *,
        provider: str = "fake",
        model: str = "m",
        default: str | None = None,
        on_call: Callable[[], None] | None = None,
        gate: asyncio.Event | None = None,
    ) -> None:
        self.provider = provider
        self.model = model
        self.outcomes: deque[Outcome] = deque(outcomes)
        self.default = default
        self.on_call = on_call
        self.gate = gate
        self.started = asyncio.Event()
        self.calls = 0
        self.streams_closed = 0
        self.closed = False

    async def _next(self) -> Outcome:
        self.calls += 1
        if self.on_call is not None:
            self.on_call()
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.outcomes:
            return self.outcomes.popleft()
        if self.default is None:
            raise AssertionError(f"{self.model_name} was called more often than scripted")
        return self.default

    def response(self, text: str) -> LLMResponse:
        return LLMResponse(content=text, provider=self.provider, model=self.model)

    async def complete(self, request: LLMRequest) -> LLMResponse:
        outcome = await self._next()
        if isinstance(outcome, LLMError):
            raise outcome
        if isinstance(outcome, Breaks):
            raise outcome.error
        return self.response(outcome)

    async def stream(self, request: LLMRequest) -> AsyncGenerator[StreamDelta, None]:
        try:
            outcome = await self._next()
            if isinstance(outcome, LLMError):
                raise outcome
            text = outcome.text if isinstance(outcome, Breaks) else outcome
            for word in text.split():
                yield TextDelta(text=word)
            if isinstance(outcome, Breaks):
                raise outcome.error
            yield StreamEnd(response=self.response(text))
        finally:
            self.streams_closed += 1

    async def aclose(self) -> None:
        self.closed = True


async def collect(
    deltas: AsyncGenerator[StreamDelta, None], into: list[StreamDelta] | None = None
) -> list[StreamDelta]:
    """Every delta of a stream (appended to ``into`` as they come), closing it in any case."""
    items: list[StreamDelta] = [] if into is None else into
    try:
        async for delta in deltas:
            items.append(delta)
    finally:
        await deltas.aclose()
    return items


def texts(deltas: Iterable[StreamDelta]) -> list[str]:
    return [delta.text for delta in deltas if isinstance(delta, TextDelta)]


class FakeClock:
    """A ``time.monotonic`` stand-in that moves only when told to."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RecordingSleep:
    """An ``asyncio.sleep`` stand-in that returns at once and remembers what it was asked."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
