"""RateLimitedProvider: calls are spaced by the rate, bursts pass, a shared limit is shared.

These tests measure real time (the limiter runs on the event loop's clock), with lower
bounds that hold whatever the machine's load and upper bounds far above the expected time.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from llmgine.llm import RateLimit, RateLimitedProvider, StreamEnd
from tests.llm._doubles import REQUEST, FakeProvider, collect, texts


async def timed_calls(provider: RateLimitedProvider, count: int) -> list[float]:
    """When each of ``count`` sequential calls finished, in seconds since the first began."""
    start = time.monotonic()
    finished = []
    for _ in range(count):
        await provider.complete(REQUEST)
        finished.append(time.monotonic() - start)
    return finished


async def test_calls_are_spaced_by_the_rate() -> None:
    inner = FakeProvider(default="ok")
    provider = RateLimitedProvider(inner, requests_per_second=20)
    finished = await timed_calls(provider, 11)
    # burst 1: the first goes at once, each of the other ten waits 1/20 s; a slow machine
    # can only make the calls later, so the bound from the start holds under any load
    assert finished[-1] >= 0.45
    assert finished[-1] < 3.0
    assert inner.calls == 11


async def test_a_burst_goes_at_once_then_the_rate_applies() -> None:
    provider = RateLimitedProvider(FakeProvider(default="ok"), requests_per_second=1, burst=3)
    finished = await timed_calls(provider, 4)
    # Three go at once; the fourth waits a whole second for a token. The margin is wide on
    # purpose: a loaded machine may delay the first three, but not by most of a second.
    assert finished[2] < 0.6
    assert finished[3] >= 0.9


async def test_a_shared_rate_limit_is_one_budget() -> None:
    limit = RateLimit(requests_per_second=20)
    first = RateLimitedProvider(FakeProvider(default="a"), limit)
    second = RateLimitedProvider(FakeProvider(default="b"), limit)
    start = time.monotonic()
    await asyncio.gather(timed_calls(first, 6), timed_calls(second, 6))
    # 12 calls on one budget of 20/s: at least 11 gaps of 1/20 s (6 calls each would take 0.25)
    assert time.monotonic() - start >= 0.5


async def test_separate_limits_do_not_slow_each_other() -> None:
    async def both(first: RateLimitedProvider, second: RateLimitedProvider) -> float:
        start = time.monotonic()
        await asyncio.gather(timed_calls(first, 6), timed_calls(second, 6))
        return time.monotonic() - start

    def limited(limit: RateLimit) -> RateLimitedProvider:
        return RateLimitedProvider(FakeProvider(default="x"), limit)

    shared = RateLimit(requests_per_second=10)
    one_budget = await both(limited(shared), limited(shared))  # 11 gaps: >= 1.1 s
    two_budgets = await both(
        limited(RateLimit(requests_per_second=10)), limited(RateLimit(requests_per_second=10))
    )  # 5 gaps each, side by side: about 0.5 s, so a wide margin for a loaded machine
    assert two_budgets >= 0.45
    assert two_budgets < one_budget


async def test_a_stream_takes_one_token_and_passes_every_delta() -> None:
    inner = FakeProvider(default="hello there")
    provider = RateLimitedProvider(inner, requests_per_second=10)
    start = time.monotonic()
    for _ in range(3):
        deltas = await collect(provider.stream(REQUEST))
        assert texts(deltas) == ["hello", "there"]
        assert isinstance(deltas[-1], StreamEnd)
    assert time.monotonic() - start >= 0.18
    assert inner.streams_closed == 3


async def test_closing_a_stream_early_closes_the_inner_one() -> None:
    inner = FakeProvider(default="one two three")
    stream = RateLimitedProvider(inner, requests_per_second=100).stream(REQUEST)
    await anext(stream)
    await stream.aclose()
    assert inner.streams_closed == 1


def test_one_rate_limit_serves_several_event_loops() -> None:
    # aiolimiter binds a limiter to one loop and warns when reused on another; with
    # warnings as errors, any such reuse would fail this test.
    limit = RateLimit(requests_per_second=1000, burst=5)
    provider = RateLimitedProvider(FakeProvider(default="ok"), limit)

    async def use() -> None:
        for _ in range(3):
            await provider.complete(REQUEST)

    asyncio.run(use())
    asyncio.run(use())

    errors: list[BaseException] = []

    def in_thread() -> None:
        try:
            asyncio.run(use())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=in_thread) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_validation() -> None:
    inner = FakeProvider()
    with pytest.raises(ValueError, match="requests_per_second"):
        RateLimitedProvider(inner)
    with pytest.raises(ValueError, match="not both"):
        RateLimitedProvider(inner, RateLimit(1), requests_per_second=2)
    with pytest.raises(ValueError, match="not both"):
        RateLimitedProvider(inner, RateLimit(1), burst=3)
    with pytest.raises(ValueError, match="positive"):
        RateLimit(0)
    with pytest.raises(ValueError, match="burst"):
        RateLimit(1, burst=0)
    with pytest.raises(ValueError, match="burst"):
        RateLimit(1, burst=1.5)  # type: ignore[arg-type]


async def test_names_and_lifecycle_come_from_the_inner_provider() -> None:
    inner = FakeProvider(provider="openai", model="gpt-4o-mini")
    async with RateLimitedProvider(inner, RateLimit(5, burst=2)) as provider:
        assert provider.model_name == "openai:gpt-4o-mini"
        assert "requests_per_second=5.0" in repr(provider)
    assert inner.closed
