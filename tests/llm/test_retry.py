"""RetryingProvider: which errors are retried, how long it waits, when it gives up."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from llmgine.llm import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    InvalidRequestError,
    LLMError,
    MalformedResponseError,
    RateLimitError,
    RetryingProvider,
    RetryPolicy,
    ServerError,
    StreamDelta,
    StreamEnd,
    TokenLimitError,
)
from llmgine.llm._retry import RetryAttempt
from tests.llm._doubles import REQUEST, Breaks, FakeProvider, RecordingSleep, collect, texts

NO_JITTER = RetryPolicy(jitter=0.0)


def error(cls: type[LLMError] = ServerError, **kw: Any) -> LLMError:
    return cls("boom", provider="fake", model="m", **kw)


def retrying(
    inner: FakeProvider, policy: RetryPolicy = NO_JITTER, **kw: Any
) -> tuple[RetryingProvider, RecordingSleep]:
    sleep = RecordingSleep()
    return RetryingProvider(inner, policy, sleep=sleep, **kw), sleep


async def test_a_call_that_succeeds_is_made_once_without_waiting() -> None:
    inner = FakeProvider(["hi"])
    provider, sleep = retrying(inner)
    response = await provider.complete(REQUEST)
    assert response.content == "hi"
    assert inner.calls == 1
    assert sleep.waits == []
    assert provider.model_name == "fake:m"


@pytest.mark.parametrize("cls", [RateLimitError, APIConnectionError, APITimeoutError, ServerError])
async def test_retryable_errors_are_retried_until_success(cls: type[LLMError]) -> None:
    inner = FakeProvider([error(cls), error(cls), "hi"])
    provider, sleep = retrying(inner)
    assert (await provider.complete(REQUEST)).content == "hi"
    assert inner.calls == 3
    assert len(sleep.waits) == 2


@pytest.mark.parametrize(
    "cls", [AuthenticationError, InvalidRequestError, TokenLimitError, MalformedResponseError]
)
async def test_other_errors_propagate_at_once(cls: type[LLMError]) -> None:
    failure = error(cls)
    inner = FakeProvider([failure, "never"])
    provider, sleep = retrying(inner)
    with pytest.raises(cls) as caught:
        await provider.complete(REQUEST)
    assert caught.value is failure
    assert inner.calls == 1
    assert sleep.waits == []


async def test_exceptions_outside_the_llm_tree_are_not_retried() -> None:
    class Broken(FakeProvider):
        async def complete(self, request: Any) -> Any:
            self.calls += 1
            raise RuntimeError("a bug, not an outage")

    inner = Broken()
    provider, _ = retrying(inner)
    with pytest.raises(RuntimeError):
        await provider.complete(REQUEST)
    assert inner.calls == 1


async def test_gives_up_after_max_attempts_with_the_last_error_unchanged() -> None:
    errors = [error(ServerError), error(APITimeoutError), error(RateLimitError)]
    inner = FakeProvider([*errors, "too late"])
    provider, sleep = retrying(inner, RetryPolicy(max_attempts=3, jitter=0))
    with pytest.raises(RateLimitError) as caught:
        await provider.complete(REQUEST)
    assert caught.value is errors[-1]
    assert inner.calls == 3
    assert len(sleep.waits) == 2


async def test_max_attempts_one_means_no_retry() -> None:
    inner = FakeProvider([error(ServerError), "never"])
    provider, sleep = retrying(inner, RetryPolicy(max_attempts=1))
    with pytest.raises(ServerError):
        await provider.complete(REQUEST)
    assert inner.calls == 1
    assert sleep.waits == []


async def test_backoff_grows_exponentially_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=6, initial_wait=1.0, multiplier=3.0, max_wait=20.0, jitter=0)
    inner = FakeProvider([error() for _ in range(5)] + ["hi"])
    provider, sleep = retrying(inner, policy)
    await provider.complete(REQUEST)
    assert sleep.waits == [1.0, 3.0, 9.0, 20.0, 20.0]


async def test_jitter_adds_at_most_its_value() -> None:
    policy = RetryPolicy(max_attempts=40, initial_wait=1.0, multiplier=1.0, jitter=0.25)
    inner = FakeProvider([error() for _ in range(39)] + ["hi"])
    provider, sleep = retrying(inner, policy)
    await provider.complete(REQUEST)
    assert all(1.0 <= wait <= 1.25 for wait in sleep.waits)
    assert len(set(sleep.waits)) > 1  # random, not a constant


async def test_retry_after_is_waited_exactly_instead_of_the_backoff() -> None:
    inner = FakeProvider(
        [error(RateLimitError, retry_after=7.5), error(ServerError), error(RateLimitError), "hi"]
    )
    provider, sleep = retrying(inner, RetryPolicy(max_attempts=4, jitter=0))
    await provider.complete(REQUEST)
    # 7.5 as asked; then the backoff of attempts 2 and 3 (a 429 without a hint backs off too)
    assert sleep.waits == [7.5, 1.0, 2.0]


async def test_retry_after_above_max_retry_after_gives_up_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failure = error(RateLimitError, retry_after=120.0)
    inner = FakeProvider([failure, "never"])
    provider, sleep = retrying(inner, RetryPolicy(max_retry_after=60.0))
    with (
        caplog.at_level(logging.WARNING, logger="llmgine.llm.retry"),
        pytest.raises(RateLimitError) as caught,
    ):
        await provider.complete(REQUEST)
    assert caught.value is failure
    assert inner.calls == 1
    assert sleep.waits == []
    assert "120.0 s" in caplog.text
    assert "not retrying" in caplog.text


async def test_a_long_retry_after_on_a_later_attempt_also_stops_the_retries() -> None:
    late = error(RateLimitError, retry_after=600.0)
    inner = FakeProvider([error(ServerError), late, "never"])
    provider, sleep = retrying(inner, RetryPolicy(max_attempts=5, jitter=0))
    with pytest.raises(RateLimitError) as caught:
        await provider.complete(REQUEST)
    assert caught.value is late
    assert inner.calls == 2
    assert sleep.waits == [0.5]


async def test_retry_on_chooses_what_is_retried() -> None:
    policy = RetryPolicy(retry_on=(ServerError,), jitter=0)
    inner = FakeProvider([error(ServerError), error(RateLimitError), "never"])
    provider, _ = retrying(inner, policy)
    with pytest.raises(RateLimitError):
        await provider.complete(REQUEST)
    assert inner.calls == 2


async def test_on_retry_hears_each_retried_attempt() -> None:
    heard: list[RetryAttempt] = []
    first, second = error(ServerError), error(RateLimitError, retry_after=3.0)
    inner = FakeProvider([first, second, "hi"])
    provider, _ = retrying(inner, on_retry=heard.append)
    await provider.complete(REQUEST)
    assert heard == [
        RetryAttempt(model_name="fake:m", attempt=1, max_attempts=3, error=first, wait=0.5),
        RetryAttempt(model_name="fake:m", attempt=2, max_attempts=3, error=second, wait=3.0),
    ]


async def test_on_retry_may_be_async_and_is_not_told_about_the_final_failure() -> None:
    heard: list[int] = []

    async def on_retry(attempt: RetryAttempt) -> None:
        heard.append(attempt.attempt)

    inner = FakeProvider([error(), error(), error()])
    provider, _ = retrying(inner, on_retry=on_retry)
    with pytest.raises(ServerError):
        await provider.complete(REQUEST)
    assert heard == [1, 2]


async def test_each_retry_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    inner = FakeProvider([error(RateLimitError, retry_after=2.0), error(APITimeoutError), "hi"])
    provider, _ = retrying(inner)
    with caplog.at_level(logging.WARNING, logger="llmgine.llm.retry"):
        await provider.complete(REQUEST)
    records = [r for r in caplog.records if r.name == "llmgine.llm.retry"]
    assert [r.levelno for r in records] == [logging.WARNING, logging.WARNING]
    first, second = (r.getMessage() for r in records)
    assert "fake:m" in first
    assert "attempt 1/3" in first
    assert "RateLimitError" in first
    assert "boom" in first
    assert "2.00 s" in first
    assert "attempt 2/3" in second
    assert "APITimeoutError" in second
    assert "1.00 s" in second


async def test_a_stream_is_retried_while_nothing_has_been_yielded() -> None:
    inner = FakeProvider([error(ServerError), "hello there"])
    provider, sleep = retrying(inner)
    deltas = await collect(provider.stream(REQUEST))
    assert texts(deltas) == ["hello", "there"]
    assert isinstance(deltas[-1], StreamEnd)
    assert inner.calls == 2
    assert sleep.waits == [0.5]
    assert inner.streams_closed == 2


async def test_a_stream_is_not_retried_once_a_delta_was_yielded() -> None:
    failure = error(APIConnectionError)
    inner = FakeProvider([Breaks("hello there", failure), "never"])
    provider, sleep = retrying(inner)
    received: list[StreamDelta] = []
    with pytest.raises(APIConnectionError) as caught:
        await collect(provider.stream(REQUEST), into=received)
    assert caught.value is failure
    assert texts(received) == ["hello", "there"]
    assert inner.calls == 1
    assert sleep.waits == []


async def test_a_stream_closed_early_closes_the_inner_stream() -> None:
    inner = FakeProvider(["one two three"])
    provider, _ = retrying(inner)
    stream = provider.stream(REQUEST)
    first = await anext(stream)
    assert texts([first]) == ["one"]
    assert inner.streams_closed == 0
    await stream.aclose()
    assert inner.streams_closed == 1


async def test_a_stream_that_gives_up_raises_the_last_error() -> None:
    errors = [error(ServerError), error(ServerError), error(RateLimitError)]
    inner = FakeProvider(errors)
    provider, _ = retrying(inner)
    with pytest.raises(RateLimitError) as caught:
        await collect(provider.stream(REQUEST))
    assert caught.value is errors[-1]
    assert inner.streams_closed == 3


async def test_aclose_closes_the_inner_provider() -> None:
    inner = FakeProvider()
    async with RetryingProvider(inner):
        pass
    assert inner.closed


@pytest.mark.parametrize(
    "options",
    [
        {"max_attempts": 0},
        {"initial_wait": -1},
        {"max_wait": -1},
        {"initial_wait": 5, "max_wait": 1},
        {"multiplier": 0.5},
        {"jitter": -0.1},
        {"max_retry_after": -1},
        {"retry_on": (ValueError,)},
    ],
)
def test_policy_rejects_nonsense(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(options))):
        RetryPolicy(**options)


def test_policy_defaults() -> None:
    policy = RetryPolicy()
    assert policy.max_attempts == 3
    assert policy.retry_on == (RateLimitError, APIConnectionError)
