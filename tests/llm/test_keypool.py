"""KeyPool and KeyPoolProvider: rotation, resting on 429 and 401, and keys kept secret."""

from __future__ import annotations

import logging

import pytest

from llmgine.llm import (
    AuthenticationError,
    InvalidRequestError,
    KeyPool,
    KeyPoolProvider,
    RateLimitError,
    StreamEnd,
)
from tests.llm._doubles import REQUEST, Breaks, FakeClock, FakeProvider, Outcome, collect, texts

KEY_A = "sk-test-aaaaaaaaaaaaaaaa-A111"
KEY_B = "sk-test-bbbbbbbbbbbbbbbb-B222"
KEY_C = "sk-test-cccccccccccccccc-C333"
KEYS = [KEY_A, KEY_B, KEY_C]


def limited(retry_after: float | None = None, key: str = "") -> RateLimitError:
    return RateLimitError(
        f"slow down, {key}", retry_after=retry_after, provider="fake", model="m", status_code=429
    )


def refused(key: str = "") -> AuthenticationError:
    return AuthenticationError(f"invalid key {key}", provider="fake", model="m", status_code=401)


class Factory:
    """Builds one FakeProvider per key, scripted per key; remembers what it built."""

    def __init__(self, scripts: dict[str, list[Outcome]] | None = None) -> None:
        self.scripts = scripts or {}
        self.built: dict[str, FakeProvider] = {}
        self.builds = 0

    def __call__(self, key: str) -> FakeProvider:
        self.builds += 1
        provider = FakeProvider(
            self.scripts.get(key, []), model=f"m{len(self.built)}", default=f"served by {key}"
        )
        self.built[key] = provider
        return provider


def make(
    scripts: dict[str, list[Outcome]] | None = None, keys: list[str] = KEYS, **options: float
) -> tuple[KeyPoolProvider, Factory, FakeClock]:
    clock = FakeClock()
    factory = Factory(scripts)
    pool = KeyPool(keys, clock=clock, **options)
    return KeyPoolProvider(factory, pool), factory, clock


def test_acquire_goes_round_robin() -> None:
    pool = KeyPool(KEYS)
    assert [pool.acquire() for _ in range(5)] == [KEY_A, KEY_B, KEY_C, KEY_A, KEY_B]


def test_a_resting_key_is_skipped_until_its_rest_is_over() -> None:
    clock = FakeClock()
    pool = KeyPool(KEYS, clock=clock)
    pool.rest(KEY_B, 10.0)
    assert [pool.acquire() for _ in range(4)] == [KEY_A, KEY_C, KEY_A, KEY_C]
    clock.advance(10.0)
    assert KEY_B in {pool.acquire() for _ in range(3)}


def test_a_longer_rest_is_not_shortened() -> None:
    clock = FakeClock()
    pool = KeyPool(KEYS, clock=clock)
    pool.rest(KEY_A, 3600.0, "authentication")
    pool.rest(KEY_A, 5.0, "rate_limit")
    status = pool.status()[0]
    assert status.resting_for == 3600.0
    assert status.reason == "authentication"


def test_status_shows_fingerprints_never_keys() -> None:
    clock = FakeClock()
    pool = KeyPool(KEYS, clock=clock)
    pool.rest(KEY_C, 30.0)
    status = pool.status()
    assert [s.fingerprint for s in status] == ["…A111", "…B222", "…C333"]
    assert [s.resting_for for s in status] == [0.0, 0.0, 30.0]
    assert [s.reason for s in status] == [None, None, "rate_limit"]
    shown = repr(status) + repr(pool) + str(pool)
    assert not any(key in shown for key in KEYS)
    assert "aaaaaaaa" not in shown


def test_a_short_key_shows_nothing_of_itself() -> None:
    pool = KeyPool(["abcd1234", "efgh5678"])
    assert [s.fingerprint for s in pool.status()] == ["…", "…"]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ([], "at least one"),
        ([KEY_A, ""], "non-empty"),
        ([KEY_A, "   "], "non-empty"),
        ([KEY_A, KEY_B, KEY_A], "twice"),
        (KEY_A, "not one key"),
    ],
)
def test_bad_key_lists_are_refused_without_showing_keys(keys: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        KeyPool(keys)
    assert KEY_A not in str(caught.value)


def test_resting_an_unknown_key_is_an_error_that_hides_it() -> None:
    pool = KeyPool(KEYS)
    with pytest.raises(ValueError, match="not in this pool") as caught:
        pool.rest("sk-test-unknown-key-9999", 5)
    assert "sk-test-unknown" not in str(caught.value)
    assert "…9999" in str(caught.value)


async def test_calls_rotate_over_the_keys_with_one_provider_each() -> None:
    provider, factory, _ = make()
    served = [(await provider.complete(REQUEST)).content for _ in range(4)]
    assert served == [f"served by {k}" for k in (KEY_A, KEY_B, KEY_C, KEY_A)]
    assert factory.builds == 3  # built once per key, then reused
    assert provider.model_name == "fake:m0"  # the first key's provider names the wrapper


async def test_a_rate_limited_key_rests_for_retry_after_and_the_next_key_serves() -> None:
    provider, factory, _ = make({KEY_A: [limited(retry_after=5.0)]})
    response = await provider.complete(REQUEST)
    assert response.content == f"served by {KEY_B}"
    status = provider.pool.status()
    assert status[0].resting_for == 5.0
    assert status[0].reason == "rate_limit"
    assert factory.built[KEY_A].calls == 1


async def test_without_retry_after_a_key_rests_rest_seconds() -> None:
    provider, _, _ = make({KEY_A: [limited()]}, rest_seconds=42.0)
    await provider.complete(REQUEST)
    assert provider.pool.status()[0].resting_for == 42.0


async def test_a_refused_key_rests_auth_rest_seconds() -> None:
    provider, _, clock = make({KEY_A: [refused()]}, auth_rest_seconds=600.0)
    assert (await provider.complete(REQUEST)).content == f"served by {KEY_B}"
    assert provider.pool.status()[0].resting_for == 600.0
    assert provider.pool.status()[0].reason == "authentication"
    served = {(await provider.complete(REQUEST)).content for _ in range(4)}
    assert f"served by {KEY_A}" not in served
    clock.advance(600.0)
    served = {(await provider.complete(REQUEST)).content for _ in range(3)}
    assert f"served by {KEY_A}" in served


async def test_when_every_key_rests_the_error_says_when_one_returns() -> None:
    scripts: dict[str, list[Outcome]] = {
        KEY_A: [limited(retry_after=20.0)],
        KEY_B: [limited(retry_after=8.0)],
        KEY_C: [limited(retry_after=30.0)],
    }
    provider, factory, clock = make(scripts)
    with pytest.raises(RateLimitError) as caught:
        await provider.complete(REQUEST)
    error = caught.value
    assert error.retry_after == 8.0
    assert error.model_name == "fake:m0"
    assert "add keys" in error.message
    assert isinstance(error.__cause__, RateLimitError)
    assert [p.calls for p in factory.built.values()] == [1, 1, 1]

    clock.advance(3.0)  # a call while all still rest fails at once, without calling anyone
    with pytest.raises(RateLimitError) as caught:
        await provider.complete(REQUEST)
    assert caught.value.retry_after == 5.0
    assert [p.calls for p in factory.built.values()] == [1, 1, 1]


async def test_when_every_key_is_refused_the_error_is_an_authentication_error() -> None:
    scripts: dict[str, list[Outcome]] = {k: [refused()] for k in KEYS}
    provider, _, _ = make(scripts, auth_rest_seconds=900.0)
    with pytest.raises(AuthenticationError) as caught:
        await provider.complete(REQUEST)
    assert "check that they are valid" in caught.value.message
    assert caught.value.model_name == "fake:m0"


async def test_a_zero_retry_after_does_not_loop_forever() -> None:
    last = limited(0.0)
    scripts: dict[str, list[Outcome]] = {KEY_A: [limited(0.0)], KEY_B: [last]}
    provider, factory, _ = make(scripts, keys=[KEY_A, KEY_B])
    with pytest.raises(RateLimitError) as caught:
        await provider.complete(REQUEST)
    assert caught.value is last  # each key tried once; none rests, so the provider's own error
    assert [p.calls for p in factory.built.values()] == [1, 1]


async def test_other_errors_propagate_without_resting_the_key() -> None:
    failure = InvalidRequestError("bad request", provider="fake", model="m")
    provider, factory, _ = make({KEY_A: [failure]})
    with pytest.raises(InvalidRequestError) as caught:
        await provider.complete(REQUEST)
    assert caught.value is failure
    assert all(s.resting_for == 0 for s in provider.pool.status())
    assert factory.builds == 1


async def test_logs_name_the_key_by_fingerprint_only(caplog: pytest.LogCaptureFixture) -> None:
    provider, _, _ = make({KEY_A: [limited(5.0, key=KEY_A)], KEY_B: [refused(key=KEY_B)]})
    with caplog.at_level(logging.WARNING, logger="llmgine.llm.keypool"):
        await provider.complete(REQUEST)
    assert "…A111" in caplog.text
    assert "…B222" in caplog.text
    assert "resting it 5.0 s" in caplog.text
    assert not any(key in caplog.text for key in KEYS)
    assert "aaaaaaaa" not in caplog.text


async def test_a_stream_moves_to_the_next_key_before_its_first_delta() -> None:
    provider, factory, _ = make({KEY_A: [limited(5.0)]})
    deltas = await collect(provider.stream(REQUEST))
    assert texts(deltas) == ["served", "by", KEY_B]
    assert isinstance(deltas[-1], StreamEnd)
    assert factory.built[KEY_A].streams_closed == 1


async def test_a_stream_does_not_switch_keys_after_a_delta() -> None:
    provider, factory, _ = make({KEY_A: [Breaks("partial reply", limited(5.0))]})
    with pytest.raises(RateLimitError):
        await collect(provider.stream(REQUEST))
    assert KEY_B not in factory.built


async def test_aclose_closes_every_built_provider() -> None:
    provider, factory, _ = make()
    async with provider:
        await provider.complete(REQUEST)
        await provider.complete(REQUEST)
    assert [p.closed for p in factory.built.values()] == [True, True]


def test_a_plain_key_list_makes_a_pool_and_repr_hides_keys() -> None:
    provider = KeyPoolProvider(lambda key: FakeProvider(), KEYS)
    assert len(provider.pool) == 3
    assert not any(key in repr(provider) for key in KEYS)
