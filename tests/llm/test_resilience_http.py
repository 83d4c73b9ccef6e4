"""The resilience wrappers around the real adapters, judged by what FakeLLMServer received."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import aclosing

import pytest

from llmgine.llm import (
    AnthropicProvider,
    AuthenticationError,
    FailoverProvider,
    InvalidRequestError,
    KeyPool,
    KeyPoolProvider,
    LLMError,
    LLMProvider,
    LLMRequest,
    OpenAIProvider,
    RateLimitedProvider,
    RetryingProvider,
    RetryPolicy,
    ServerError,
    StreamEnd,
    TokenLimitError,
)
from llmgine.testing import FakeLLMServer, Fault, Step, text

Make = Callable[[FakeLLMServer], LLMProvider]
FAST = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.05, jitter=0.01)


def make_openai(server: FakeLLMServer, key: str = "sk-test") -> LLMProvider:
    return OpenAIProvider("gpt-4o-mini", api_key=key, base_url=server.openai_base_url, timeout=0.5)


def make_anthropic(server: FakeLLMServer) -> LLMProvider:
    return AnthropicProvider(
        "claude-haiku-4-5", api_key="sk-ant", base_url=server.anthropic_base_url, timeout=0.5
    )


@pytest.fixture(params=[make_openai, make_anthropic], ids=["openai", "anthropic"])
def make(request: pytest.FixtureRequest) -> Make:
    return request.param  # type: ignore[no-any-return]


async def test_retryable_faults_are_retried_until_an_answer(make: Make) -> None:
    script: list[Step] = [Fault.rate_limit(retry_after=0.4), Fault.server_error(), text("at last")]
    async with FakeLLMServer(script) as server, RetryingProvider(make(server), FAST) as llm:
        response = await llm.complete(LLMRequest.of("x"))
    assert response.content == "at last"
    first, second, third = server.requests
    assert second.time - first.time >= 0.4, "Retry-After was honoured"
    assert third.time - second.time < 0.4, "without Retry-After the short backoff applies"


async def test_a_hang_past_the_timeout_is_retried(make: Make) -> None:
    async with FakeLLMServer([Fault.hang(), text("awake")]) as server:
        async with RetryingProvider(make(server), FAST) as llm:
            response = await llm.complete(LLMRequest.of("x"))
    assert response.content == "awake"
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault.unauthorized(), AuthenticationError),
        (Fault.bad_request(), InvalidRequestError),
        (Fault.context_length(), TokenLimitError),
    ],
    ids=["401", "400", "context"],
)
async def test_other_faults_are_never_retried(
    make: Make, fault: Step, error: type[LLMError]
) -> None:
    async with FakeLLMServer([fault]) as server, RetryingProvider(make(server), FAST) as llm:
        with pytest.raises(error):
            await llm.complete(LLMRequest.of("x"))
    assert len(server.requests) == 1


async def test_attempts_stop_at_the_limit_with_the_last_error(make: Make) -> None:
    async with FakeLLMServer([Fault.server_error()] * 3) as server:
        async with RetryingProvider(make(server), FAST) as llm:
            with pytest.raises(ServerError):
                await llm.complete(LLMRequest.of("x"))
    assert len(server.requests) == 3


async def test_a_stream_is_retried_before_its_first_fragment(make: Make) -> None:
    async with FakeLLMServer([Fault.rate_limit(retry_after=0), text("streamed")]) as server:
        async with RetryingProvider(make(server), FAST) as llm:
            async with aclosing(llm.stream(LLMRequest.of("x"))) as deltas:
                items = [d async for d in deltas]
    end = items[-1]
    assert isinstance(end, StreamEnd)
    assert end.response.content == "streamed"
    assert len(server.requests) == 2


async def test_failover_moves_on_and_comes_back_after_the_cool_down() -> None:
    now = [1000.0]
    async with (
        FakeLLMServer([Fault.server_error(), text("primary is back")]) as primary_server,
        FakeLLMServer([text("secondary 1"), text("secondary 2")]) as secondary_server,
    ):
        llm = FailoverProvider(
            [make_openai(primary_server), make_anthropic(secondary_server)],
            cooldown=30,
            clock=lambda: now[0],
        )
        async with llm:
            first = await llm.complete(LLMRequest.of("x"))
            assert (first.provider, first.content) == ("anthropic", "secondary 1")
            assert [h.state for h in llm.health()] == ["cooling_down", "healthy"]

            now[0] += 10  # still cooling down: the primary is left alone
            second = await llm.complete(LLMRequest.of("x"))
            assert second.content == "secondary 2"
            assert len(primary_server.requests) == 1

            now[0] += 25  # the cool-down is over: one trial call, which succeeds
            assert llm.health()[0].state == "trial"
            third = await llm.complete(LLMRequest.of("x"))
            assert (third.provider, third.content) == ("openai", "primary is back")
            health = llm.health()
    assert health[0].state == "healthy"
    assert health[0].success_rate == 0.5
    assert health[1].success_rate == 1.0
    assert len(primary_server.requests) == 2
    assert len(secondary_server.requests) == 2


async def test_the_key_pool_rotates_and_rests_refused_keys() -> None:
    script: list[Step] = [text("1"), text("2"), Fault.unauthorized(), text("3"), text("4")]
    async with FakeLLMServer(script) as server:
        pool = KeyPool(["sk-key-aaaa1111", "sk-key-bbbb2222", "sk-key-cccc3333"])
        async with KeyPoolProvider(lambda key: make_openai(server, key), pool) as llm:
            for _ in range(4):
                await llm.complete(LLMRequest.of("x"))
    keys = [r.api_key for r in server.requests]
    assert keys == [
        "sk-key-aaaa1111",
        "sk-key-bbbb2222",
        "sk-key-cccc3333",  # 401: rested, and the same call moves on
        "sk-key-aaaa1111",
        "sk-key-bbbb2222",  # the rested key is skipped from now on
    ]
    resting = [s for s in pool.status() if s.resting_for > 0]
    assert [(s.index, s.reason) for s in resting] == [(2, "authentication")]
    assert "sk-key-cccc3333" not in repr(pool.status())


async def test_a_key_that_hit_429_rests_for_the_servers_retry_after() -> None:
    script: list[Step] = [Fault.rate_limit(retry_after=60), text("1"), text("2")]
    async with FakeLLMServer(script) as server:
        pool = KeyPool(["sk-key-aaaa1111", "sk-key-bbbb2222"])
        async with KeyPoolProvider(lambda key: make_openai(server, key), pool) as llm:
            await llm.complete(LLMRequest.of("x"))
            await llm.complete(LLMRequest.of("x"))
    assert [r.api_key for r in server.requests] == [
        "sk-key-aaaa1111",
        "sk-key-bbbb2222",
        "sk-key-bbbb2222",
    ]


async def test_the_rate_limiter_keeps_requests_under_its_bound() -> None:
    calls, rps, burst = 12, 20.0, 2
    async with FakeLLMServer([text(str(i)) for i in range(calls)]) as server:
        limited = RateLimitedProvider(make_openai(server), requests_per_second=rps, burst=burst)
        async with limited as llm:
            start = time.monotonic()
            for _ in range(calls):
                await llm.complete(LLMRequest.of("x"))
    # A token bucket lets `burst` requests go at once, then one every 1/rps seconds, so
    # request i may leave no earlier than (i - burst + 1) / rps after the start. The server
    # (same process, same monotonic clock) can only see a request later than it was let
    # go, never earlier, so this bound holds however slow the machine is; 10% slack covers
    # the bucket's own rounding.
    arrivals = [r.time - start for r in server.requests]
    for i, arrival in enumerate(arrivals):
        earliest = max(0, i - burst + 1) / rps
        assert arrival >= 0.9 * earliest, (i, arrival, earliest)
    assert arrivals[-1] >= 0.9 * (calls - burst) / rps
