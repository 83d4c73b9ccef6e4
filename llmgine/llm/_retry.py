"""Calling a provider again when it failed in a way that may pass: 429s and dropped connections.

``RetryingProvider`` retries only the errors of ``RetryPolicy.retry_on`` (``RateLimitError``
and ``APIConnectionError`` with its subclasses, by default); anything else is raised at once,
because sending a refused request again gives the same refusal. Between attempts it waits
what a ``RateLimitError`` asks for (``retry_after``), else an exponential backoff with
jitter. When the attempts run out, the last error is raised as it is.

A stream is retried only until its first delta has been handed to the consumer: after that
the consumer has seen part of a reply, and a second reply cannot be spliced onto it.
``start_stream`` marks that point for every wrapper that may retry or switch providers.

The call that succeeds at once goes straight to the inner provider; tenacity is entered
only after a retryable failure, so a healthy provider pays a ``try`` block and nothing else.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from llmgine.llm._errors import RETRYABLE_ERRORS, LLMError, RateLimitError
from llmgine.llm._provider import LLMProvider, ProviderWrapper, start_stream
from llmgine.llm._types import LLMRequest, LLMResponse, StreamDelta

logger = logging.getLogger("llmgine.llm.retry")

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry.

    ``max_attempts`` counts the first call. Waits grow as ``initial_wait * multiplier**(n-1)``
    plus up to ``jitter`` random seconds, never above ``max_wait``. A ``retry_after`` hint
    is waited exactly, unless it exceeds ``max_retry_after``: then the error is raised at once
    rather than holding the caller for minutes.
    """

    max_attempts: int = 3
    initial_wait: float = 0.5
    max_wait: float = 30.0
    multiplier: float = 2.0
    jitter: float = 0.5
    max_retry_after: float = 60.0
    retry_on: tuple[type[LLMError], ...] = RETRYABLE_ERRORS

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(
                f"max_attempts counts the first call and must be at least 1, "
                f"got {self.max_attempts!r}"
            )
        for name in ("initial_wait", "max_wait", "jitter", "max_retry_after"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} is in seconds and cannot be negative")
        if self.max_wait < self.initial_wait:
            raise ValueError(
                f"max_wait ({self.max_wait!r}) must not be below initial_wait "
                f"({self.initial_wait!r})"
            )
        if self.multiplier < 1:
            raise ValueError(
                f"multiplier must be at least 1 so waits do not shrink, got {self.multiplier!r}"
            )
        if not all(isinstance(c, type) and issubclass(c, LLMError) for c in self.retry_on):
            raise ValueError(
                "retry_on must be a tuple of LLMError subclasses, "
                "such as (RateLimitError, APIConnectionError)"
            )


@dataclass(frozen=True)
class RetryAttempt:
    """What ``on_retry`` is told: attempt ``attempt`` of ``max_attempts`` failed with ``error``,
    and the next one starts after ``wait`` seconds."""

    model_name: str
    attempt: int
    max_attempts: int
    error: LLMError
    wait: float


OnRetry = Callable[[RetryAttempt], Awaitable[None] | None]
Sleep = Callable[[float], Awaitable[None]]


class RetryingProvider(ProviderWrapper):
    """``inner`` with failed calls retried according to ``policy``.

    ``on_retry`` (sync or async) hears about every attempt that is going to be retried;
    ``sleep`` is how the wrapper waits, replaceable in tests.
    """

    def __init__(
        self,
        inner: LLMProvider,
        policy: RetryPolicy = RetryPolicy(),
        *,
        on_retry: OnRetry | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(inner)
        self.policy = policy
        self._on_retry = on_retry
        self._sleep = sleep
        self._backoff = wait_exponential_jitter(
            multiplier=policy.initial_wait,
            max=policy.max_wait,
            exp_base=policy.multiplier,
            jitter=policy.jitter,
        )

    async def complete(self, request: LLMRequest) -> LLMResponse:
        return await self._call(lambda: self.inner.complete(request))

    async def stream(self, request: LLMRequest) -> AsyncGenerator[StreamDelta, None]:
        deltas, first = await self._call(lambda: start_stream(self.inner, request))
        async with aclosing(deltas):
            yield first
            async for delta in deltas:
                yield delta

    async def _call(self, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except self.policy.retry_on as error:
            if not self._retryable(error):
                raise
            first_error = error
        return await self._retry(call, first_error)

    async def _retry(self, call: Callable[[], Awaitable[T]], first_error: LLMError) -> T:
        # Attempt 1 already failed outside tenacity; replaying its error as tenacity's
        # first attempt keeps attempt numbers, waits and logging in one place.
        replay: list[LLMError] = [first_error]
        retrying = AsyncRetrying(
            sleep=self._sleep,
            stop=stop_after_attempt(self.policy.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(self._retryable),
            before_sleep=self._before_sleep,
            reraise=True,  # the last LLMError itself, not a tenacity RetryError
        )
        async for attempt in retrying:
            with attempt:
                if replay:
                    raise replay.pop()
                return await call()
        raise AssertionError("tenacity stopped without a result or an error")  # pragma: no cover

    def _retryable(self, error: BaseException) -> bool:
        if not isinstance(error, self.policy.retry_on):
            return False
        retry_after = _retry_after(error)
        if retry_after is not None and retry_after > self.policy.max_retry_after:
            logger.warning(
                "%s: not retrying, the provider asks to wait %.1f s, more than "
                "max_retry_after (%.1f s): %s",
                self.model_name,
                retry_after,
                self.policy.max_retry_after,
                error,
            )
            return False
        return True

    def _wait(self, state: RetryCallState) -> float:
        retry_after = _retry_after(_error_of(state))
        if retry_after is not None:
            return max(0.0, retry_after)
        return self._backoff(state)

    async def _before_sleep(self, state: RetryCallState) -> None:
        error = _error_of(state)
        attempt = RetryAttempt(
            model_name=self.model_name,
            attempt=state.attempt_number,
            max_attempts=self.policy.max_attempts,
            error=error,
            wait=state.upcoming_sleep,
        )
        logger.warning(
            "%s: attempt %d/%d failed with %s: %s; retrying in %.2f s",
            attempt.model_name,
            attempt.attempt,
            attempt.max_attempts,
            type(error).__name__,
            error,
            attempt.wait,
        )
        if self._on_retry is not None:
            result = self._on_retry(attempt)
            if inspect.isawaitable(result):
                await result


def _error_of(state: RetryCallState) -> LLMError:
    assert state.outcome is not None  # tenacity calls wait and before_sleep after an outcome
    error = state.outcome.exception()
    assert isinstance(error, LLMError)  # only LLMErrors pass the retry predicate
    return error


def _retry_after(error: BaseException) -> float | None:
    return error.retry_after if isinstance(error, RateLimitError) else None
