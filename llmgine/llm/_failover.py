"""Serving a call from the next provider when the preferred one fails, and remembering who is down.

``FailoverProvider`` holds candidates in order of preference and tries them in that order.
A candidate that fails ``failure_threshold`` times in a row with a failover error (429,
unreachable, refused key, unreadable answer) cools down: for ``cooldown`` seconds calls skip
it. After that the next call tries it once, as a trial: success makes it healthy again, and
preferred again by its place in the list; failure starts another cool-down. Errors that say
the request itself is wrong propagate at once and say nothing about the provider's health.

The choice of whom to try (``_plan``) is a plain function of the candidates' state and the
time, so it is testable without calls; the provider carries it out and records outcomes.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from llmgine.llm._errors import (
    APIConnectionError,
    AuthenticationError,
    LLMError,
    MalformedResponseError,
    RateLimitError,
)
from llmgine.llm._provider import LLMProvider, start_stream
from llmgine.llm._types import LLMRequest, LLMResponse, StreamDelta

logger = logging.getLogger("llmgine.llm.failover")

T = TypeVar("T")

HealthState = Literal["healthy", "cooling_down", "trial"]

FAILOVER_ERRORS: tuple[type[LLMError], ...] = (
    RateLimitError,
    APIConnectionError,
    AuthenticationError,
    MalformedResponseError,
)


@dataclass(frozen=True)
class ProviderHealth:
    """A snapshot of one candidate.

    ``success_rate`` and ``latency`` (median seconds of the successful calls; a stream's
    latency is its time to first delta) cover the last ``window`` calls with an outcome;
    ``success_rate`` is 1.0 before any. ``state`` is ``"trial"`` when the cool-down is over
    and the next call will try the candidate again.
    """

    model_name: str
    state: HealthState
    success_rate: float
    latency: float | None
    consecutive_failures: int
    total_calls: int
    cooling_until: float | None


@dataclass
class _Candidate:
    provider: LLMProvider
    window: int
    outcomes: deque[float | None] = field(init=False)  # latency of a success, None: failure
    consecutive_failures: int = 0
    total_calls: int = 0
    cooling_until: float | None = None
    trial_running: bool = False  # one trial at a time: concurrent calls skip it meanwhile

    def __post_init__(self) -> None:
        self.outcomes = deque(maxlen=self.window)

    def state(self, now: float) -> HealthState:
        if self.cooling_until is None:
            return "healthy"
        return "cooling_down" if self.cooling_until > now else "trial"


def _plan(candidates: Sequence[_Candidate], now: float) -> list[_Candidate]:
    """Whom to try, in order: the usable ones by priority; if none, all by soonest return."""
    usable = [
        c
        for c in candidates
        if c.state(now) == "healthy" or (c.state(now) == "trial" and not c.trial_running)
    ]
    if usable:
        return usable
    # Never refuse a call: a provider cooling down may well have recovered already.
    return sorted(candidates, key=lambda c: c.cooling_until if c.cooling_until is not None else now)


class FailoverProvider(LLMProvider):
    """The first of ``candidates`` that can serve the call. Provider and model names are the
    first candidate's; a response names the candidate that actually served it."""

    def __init__(
        self,
        candidates: Sequence[LLMProvider],
        *,
        failure_threshold: int = 1,
        cooldown: float = 30.0,
        window: int = 20,
        failover_on: tuple[type[LLMError], ...] = FAILOVER_ERRORS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not candidates:
            raise ValueError("FailoverProvider needs at least one candidate provider")
        if failure_threshold < 1:
            raise ValueError(f"failure_threshold must be at least 1, got {failure_threshold!r}")
        if cooldown < 0:
            raise ValueError(f"cooldown is in seconds and cannot be negative, got {cooldown!r}")
        if window < 1:
            raise ValueError(f"window is a number of calls, at least 1, got {window!r}")
        if not all(isinstance(c, type) and issubclass(c, LLMError) for c in failover_on):
            raise ValueError("failover_on must be a tuple of LLMError subclasses")
        self._candidates = [_Candidate(provider, window) for provider in candidates]
        self.failure_threshold = failure_threshold
        self.cooldown = cooldown
        self.failover_on = failover_on
        self._clock = clock
        self.provider = candidates[0].provider
        self.model = candidates[0].model

    @property
    def candidates(self) -> list[LLMProvider]:
        return [c.provider for c in self._candidates]

    def health(self) -> list[ProviderHealth]:
        """Each candidate's state and recent record, in order of priority."""
        now = self._clock()
        snapshots = []
        for c in self._candidates:
            latencies = [latency for latency in c.outcomes if latency is not None]
            snapshots.append(
                ProviderHealth(
                    model_name=c.provider.model_name,
                    state=c.state(now),
                    success_rate=len(latencies) / len(c.outcomes) if c.outcomes else 1.0,
                    latency=statistics.median(latencies) if latencies else None,
                    consecutive_failures=c.consecutive_failures,
                    total_calls=c.total_calls,
                    cooling_until=c.cooling_until,
                )
            )
        return snapshots

    def only(self, model_name: str) -> LLMProvider:
        """The candidate ``model_name`` alone, as a provider: its calls go to it whatever
        its state, with no failover, and count in this provider's ``health()``. The
        failover keeps ownership: closing the one returned does nothing."""
        for candidate in self._candidates:
            if candidate.provider.model_name == model_name:
                return _Only(self, candidate)
        names = ", ".join(c.provider.model_name for c in self._candidates)
        raise ValueError(f"{model_name!r} is not a candidate of this failover ({names})")

    async def complete(self, request: LLMRequest) -> LLMResponse:
        return await self._complete(request, None)

    async def _complete(self, request: LLMRequest, pinned: _Candidate | None) -> LLMResponse:
        response, candidate, latency = await self._serve(lambda p: p.complete(request), pinned)
        self._succeeded(candidate, latency)
        return response

    def stream(self, request: LLMRequest) -> AsyncGenerator[StreamDelta, None]:
        return self._stream(request, None)

    async def _stream(
        self, request: LLMRequest, pinned: _Candidate | None
    ) -> AsyncGenerator[StreamDelta, None]:
        (deltas, first), candidate, latency = await self._serve(
            lambda p: start_stream(p, request), pinned
        )
        # Once a delta is out there is no switching; a failover error after it still
        # counts against the candidate. A consumer stopping early is no fault of it.
        failure: LLMError | None = None
        try:
            async with aclosing(deltas):
                yield first
                async for delta in deltas:
                    yield delta
        except self.failover_on as error:
            failure = error
            raise
        finally:
            if failure is None:
                self._succeeded(candidate, latency)
            else:
                self._failed(candidate)

    async def aclose(self) -> None:
        for candidate in self._candidates:
            await candidate.provider.aclose()

    async def _serve(
        self, call: Callable[[LLMProvider], Awaitable[T]], pinned: _Candidate | None = None
    ) -> tuple[T, _Candidate, float]:
        plan = [pinned] if pinned is not None else _plan(self._candidates, self._clock())
        last_error: LLMError | None = None
        for position, candidate in enumerate(plan):
            started = self._clock()
            candidate.total_calls += 1
            candidate.trial_running = candidate.state(started) == "trial"
            try:
                result = await call(candidate.provider)
            except self.failover_on as error:
                self._failed(candidate)
                last_error = error
                if position + 1 < len(plan):
                    self._log_failover(candidate, plan[position + 1], error)
                continue
            except BaseException:
                candidate.trial_running = False  # not the provider's fault: no verdict
                raise
            return result, candidate, self._clock() - started
        assert last_error is not None
        raise last_error

    def _succeeded(self, candidate: _Candidate, latency: float) -> None:
        candidate.outcomes.append(latency)
        candidate.consecutive_failures = 0
        candidate.cooling_until = None
        candidate.trial_running = False

    def _failed(self, candidate: _Candidate) -> None:
        candidate.outcomes.append(None)
        candidate.consecutive_failures += 1
        candidate.trial_running = False
        # A failed trial has consecutive_failures past the threshold too, so it cools again.
        if candidate.consecutive_failures >= self.failure_threshold:
            candidate.cooling_until = self._clock() + self.cooldown

    def _log_failover(self, failed: _Candidate, next_: _Candidate, error: LLMError) -> None:
        cooling = (
            f"; it cools down for {self.cooldown:g} s"
            if failed.cooling_until is not None and failed.cooling_until > self._clock()
            else ""
        )
        logger.warning(
            "%s failed with %s: %s%s; failing over to %s",
            failed.provider.model_name,
            type(error).__name__,
            error,
            cooling,
            next_.provider.model_name,
        )

    def __repr__(self) -> str:
        names = " -> ".join(c.provider.model_name for c in self._candidates)
        return f"<FailoverProvider {names}>"


class _Only(LLMProvider):
    """One candidate of a failover, served alone and counted in its health."""

    def __init__(self, failover: FailoverProvider, candidate: _Candidate) -> None:
        self._failover = failover
        self._candidate = candidate
        self.provider = candidate.provider.provider
        self.model = candidate.provider.model

    async def complete(self, request: LLMRequest) -> LLMResponse:
        return await self._failover._complete(request, self._candidate)

    def stream(self, request: LLMRequest) -> AsyncGenerator[StreamDelta, None]:
        return self._failover._stream(request, self._candidate)
