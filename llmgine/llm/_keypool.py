"""Spreading calls over several API keys, and resting the keys the provider pushes back on.

A ``KeyPool`` hands out its keys round-robin. A key that meets a 429 rests for the
provider's ``retry_after`` (else ``rest_seconds``); a key that is refused (401/403) rests
for ``auth_rest_seconds``, long enough not to hammer the provider with a revoked key, short
enough to pick up a key that was fixed. ``KeyPoolProvider`` moves on to the next key at
once; only when every key rests does the caller get an error, saying when one comes back.

Keys are secrets: the pool shows them only as a fingerprint (``…abcd``) in its status, its
repr, its logs and its errors.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Literal, TypeVar

from llmgine.llm._env import redact
from llmgine.llm._errors import AuthenticationError, LLMError, RateLimitError
from llmgine.llm._provider import LLMProvider, start_stream
from llmgine.llm._types import LLMRequest, LLMResponse, StreamDelta

logger = logging.getLogger("llmgine.llm.keypool")

T = TypeVar("T")

RestReason = Literal["rate_limit", "authentication"]


def fingerprint(key: str) -> str:
    """``…`` and the last four characters; nothing of a key too short to spare four."""
    return "…" + key[-4:] if len(key) >= 12 else "…"


@dataclass(frozen=True)
class KeyStatus:
    """One key as ``KeyPool.status`` shows it: never the key itself."""

    index: int
    fingerprint: str
    resting_for: float  # seconds until it may be used again; 0.0 when available
    reason: RestReason | None  # why it rests, None when available


class _Key:
    __slots__ = ("reason", "rest_until", "secret")

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.rest_until = 0.0
        self.reason: RestReason | None = None


class KeyPool:
    """API keys handed out round-robin, skipping the ones that rest."""

    def __init__(
        self,
        keys: Sequence[str],
        *,
        rest_seconds: float = 60.0,
        auth_rest_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(keys, str):
            raise ValueError("keys is a sequence of API keys, not one key: wrap it in a list")
        if not keys:
            raise ValueError("a KeyPool needs at least one API key")
        if any(not isinstance(key, str) or not key.strip() for key in keys):
            raise ValueError("every API key must be a non-empty string")
        if len(set(keys)) != len(keys):
            raise ValueError(
                "the same API key is listed twice; each key should appear once "
                "(duplicates would share one rate limit while counting as two)"
            )
        if rest_seconds < 0 or auth_rest_seconds < 0:
            raise ValueError("rest_seconds and auth_rest_seconds cannot be negative")
        self.rest_seconds = rest_seconds
        self.auth_rest_seconds = auth_rest_seconds
        self._keys = [_Key(key) for key in keys]
        self._by_secret = {key.secret: key for key in self._keys}
        self._clock = clock
        self._next = 0

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def first_key(self) -> str:
        """The first key given, whatever its state."""
        return self._keys[0].secret

    def acquire(self, *, provider: str = "unknown", model: str = "unknown") -> str:
        """The next key that is not resting.

        When every key rests, raises ``RateLimitError`` with ``retry_after`` set to when the
        first comes back, or ``AuthenticationError`` when every key was refused;
        ``provider`` and ``model`` name the caller in that error.
        """
        now = self._clock()
        count = len(self._keys)
        for step in range(count):
            key = self._keys[(self._next + step) % count]
            if key.rest_until <= now:
                self._next = (self._next + step + 1) % count
                return key.secret
        raise self.exhausted_error(provider=provider, model=model)

    def rest(self, key: str, seconds: float, reason: RestReason = "rate_limit") -> None:
        """Keep ``key`` out of use for ``seconds`` (a longer rest already set stays)."""
        entry = self._by_secret.get(key)
        if entry is None:
            raise ValueError(f"key {fingerprint(key)} is not in this pool")
        until = self._clock() + max(0.0, seconds)
        if until >= entry.rest_until:
            entry.rest_until = until
            entry.reason = reason

    def status(self) -> list[KeyStatus]:
        """Each key's fingerprint and rest, in the order the keys were given."""
        now = self._clock()
        return [
            KeyStatus(
                index=index,
                fingerprint=fingerprint(key.secret),
                resting_for=max(0.0, key.rest_until - now),
                reason=key.reason if key.rest_until > now else None,
            )
            for index, key in enumerate(self._keys)
        ]

    def exhausted_error(self, *, provider: str, model: str) -> LLMError:
        """The error for a pool whose every key rests."""
        now = self._clock()
        wait = max(0.0, min(key.rest_until for key in self._keys) - now)
        if all(key.reason == "authentication" for key in self._keys):
            return AuthenticationError(
                f"all {len(self._keys)} API keys were refused (401/403); check that they "
                f"are valid and allowed to use this model (they are tried again in "
                f"{wait:.0f} s)",
                provider=provider,
                model=model,
            )
        return RateLimitError(
            f"all {len(self._keys)} API keys are resting after rate limits; the first is "
            f"usable again in {wait:.1f} s. Wait that long, add keys, or slow down with "
            f"RateLimitedProvider",
            retry_after=wait,
            provider=provider,
            model=model,
        )

    def __repr__(self) -> str:
        now = self._clock()
        resting = sum(key.rest_until > now for key in self._keys)
        return f"<KeyPool {len(self._keys)} keys, {resting} resting>"


class KeyPoolProvider(LLMProvider):
    """One provider per key of ``pool``, each built by ``factory(key)`` on first use.

    A call goes to the next key's provider; on a 429 or a refused key it rests that key and
    tries the next one at once. Provider and model names are those of the first key's
    provider.
    """

    def __init__(self, factory: Callable[[str], LLMProvider], pool: KeyPool | Sequence[str]):
        self.pool = pool if isinstance(pool, KeyPool) else KeyPool(pool)
        self._factory = factory
        self._providers: dict[str, LLMProvider] = {}
        first = self._provider_for(self.pool.first_key)
        self.provider = first.provider
        self.model = first.model

    async def complete(self, request: LLMRequest) -> LLMResponse:
        return await self._with_a_key(lambda provider: provider.complete(request))

    async def stream(self, request: LLMRequest) -> AsyncGenerator[StreamDelta, None]:
        deltas, first = await self._with_a_key(lambda p: start_stream(p, request))
        async with aclosing(deltas):
            yield first
            async for delta in deltas:
                yield delta

    async def aclose(self) -> None:
        providers, self._providers = list(self._providers.values()), {}
        for provider in providers:
            await provider.aclose()

    async def _with_a_key(self, call: Callable[[LLMProvider], Awaitable[T]]) -> T:
        # Each key is tried at most once per call: a key whose rest is already over (a
        # retry_after of 0) must not loop forever.
        last_error: LLMError | None = None
        for _ in range(len(self.pool)):
            key = self.pool.acquire(provider=self.provider, model=self.model)
            try:
                return await call(self._provider_for(key))
            except RateLimitError as error:
                seconds = self.pool.rest_seconds if error.retry_after is None else error.retry_after
                self._rest(key, seconds, "rate_limit", error)
                last_error = error
            except AuthenticationError as error:
                self._rest(key, self.pool.auth_rest_seconds, "authentication", error)
                last_error = error
        assert last_error is not None
        if all(key.resting_for > 0 for key in self.pool.status()):
            raise self.pool.exhausted_error(
                provider=self.provider, model=self.model
            ) from last_error
        raise last_error

    def _rest(self, key: str, seconds: float, reason: RestReason, error: LLMError) -> None:
        self.pool.rest(key, seconds, reason)
        logger.warning(
            "%s: key %s %s (%s); resting it %.1f s and trying the next key",
            self.model_name,
            fingerprint(key),
            "is rate limited" if reason == "rate_limit" else "was refused",
            redact(str(error), key),
            seconds,
        )

    def _provider_for(self, key: str) -> LLMProvider:
        provider = self._providers.get(key)
        if provider is None:
            provider = self._providers[key] = self._factory(key)
        return provider

    def __repr__(self) -> str:
        return f"<KeyPoolProvider {self.model_name} {self.pool!r}>"
