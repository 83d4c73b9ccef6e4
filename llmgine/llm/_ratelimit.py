"""Keeping under a provider's request rate instead of running into its 429s.

``RateLimit`` is a token bucket: it holds up to ``burst`` tokens, refilled at
``requests_per_second``, and each call takes one, waiting when the bucket is empty. So the
first ``burst`` calls go at once and the rest are spaced ``1 / requests_per_second`` apart.

The budget belongs to the ``RateLimit`` object, not to the wrapper: give one ``RateLimit`` to
every ``RateLimitedProvider`` that spends the same quota (one account, one API key, or all
the models of one provider) and together they stay under it.

The bucket itself is aiolimiter's ``AsyncLimiter``, which binds to the event loop that first
uses it. ``RateLimit`` keeps one limiter per running loop, so the same object works from
several loops (one per test, or per thread); each loop then has its own budget.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator
from contextlib import aclosing

from aiolimiter import AsyncLimiter

from llmgine.llm._provider import LLMProvider, ProviderWrapper
from llmgine.llm._types import LLMRequest, LLMResponse, StreamDelta


class RateLimit:
    """At most ``requests_per_second`` calls a second on average, ``burst`` of them at once."""

    def __init__(self, requests_per_second: float, burst: int = 1) -> None:
        if not requests_per_second > 0:
            raise ValueError(
                f"requests_per_second must be a positive number, got {requests_per_second!r}"
            )
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise ValueError(f"burst is a number of calls, at least 1, got {burst!r}")
        self.requests_per_second = float(requests_per_second)
        self.burst = burst
        self._limiters: dict[asyncio.AbstractEventLoop, AsyncLimiter] = {}
        self._lock = threading.Lock()

    async def acquire(self) -> None:
        """Wait until a call may go out, and count it."""
        loop = asyncio.get_running_loop()
        limiter = self._limiters.get(loop)
        if limiter is None:
            limiter = self._new_limiter(loop)
        await limiter.acquire()

    def _new_limiter(self, loop: asyncio.AbstractEventLoop) -> AsyncLimiter:
        # Loops that are closed will not come back: dropping their limiters here keeps the
        # dict from holding on to every loop a long test session has created.
        with self._lock:
            limiters = {lp: lim for lp, lim in self._limiters.items() if not lp.is_closed()}
            limiter = limiters.get(loop)
            if limiter is None:
                limiter = limiters[loop] = AsyncLimiter(
                    max_rate=self.burst, time_period=self.burst / self.requests_per_second
                )
            self._limiters = limiters
            return limiter

    def __repr__(self) -> str:
        return f"RateLimit(requests_per_second={self.requests_per_second!r}, burst={self.burst!r})"


class RateLimitedProvider(ProviderWrapper):
    """``inner``, with each call (or stream) waiting for a token of ``limit`` first.

    Pass a ``RateLimit`` to share it with other wrappers, or ``requests_per_second`` (and
    ``burst``) for a budget of this wrapper's own.
    """

    def __init__(
        self,
        inner: LLMProvider,
        limit: RateLimit | None = None,
        *,
        requests_per_second: float | None = None,
        burst: int = 1,
    ) -> None:
        if limit is None:
            if requests_per_second is None:
                raise ValueError(
                    "pass a RateLimit or requests_per_second to say how fast calls may go"
                )
            limit = RateLimit(requests_per_second, burst)
        elif requests_per_second is not None or burst != 1:
            raise ValueError(
                "pass either a RateLimit (to share its budget) or requests_per_second and "
                "burst, not both"
            )
        super().__init__(inner)
        self.limit = limit

    async def complete(self, request: LLMRequest) -> LLMResponse:
        await self.limit.acquire()
        return await self.inner.complete(request)

    async def stream(self, request: LLMRequest) -> AsyncGenerator[StreamDelta, None]:
        await self.limit.acquire()
        async with aclosing(self.inner.stream(request)) as deltas:
            async for delta in deltas:
                yield delta

    def __repr__(self) -> str:
        return f"<RateLimitedProvider {self.limit!r} {self.inner!r}>"
