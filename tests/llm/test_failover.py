"""FailoverProvider: order of preference, cool-downs, trials, and the health it reports."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from llmgine.llm import (
    APIConnectionError,
    AuthenticationError,
    FailoverProvider,
    InvalidRequestError,
    KeyPoolProvider,
    LLMError,
    MalformedResponseError,
    ProviderHealth,
    RateLimitError,
    RetryingProvider,
    ServerError,
    StreamEnd,
)
from tests.llm._doubles import (
    REQUEST,
    Breaks,
    FakeClock,
    FakeProvider,
    Outcome,
    RecordingSleep,
    collect,
    texts,
)


def down(cls: type[LLMError] = ServerError, name: str = "primary") -> LLMError:
    return cls("unavailable", provider=name, model="m")


def pair(
    primary: list[Outcome], backup: list[Outcome] | None = None, **options: Any
) -> tuple[FailoverProvider, FakeProvider, FakeProvider, FakeClock]:
    clock = FakeClock()
    first = FakeProvider(primary, provider="primary", default="from primary")
    second = FakeProvider(backup or [], provider="backup", default="from backup")
    return FailoverProvider([first, second], clock=clock, **options), first, second, clock


async def test_the_first_candidate_serves_while_it_is_healthy() -> None:
    provider, _, second, _ = pair([])
    response = await provider.complete(REQUEST)
    assert response.content == "from primary"
    assert second.calls == 0
    assert provider.model_name == "primary:m"


@pytest.mark.parametrize(
    "cls",
    [RateLimitError, APIConnectionError, ServerError, AuthenticationError, MalformedResponseError],
)
async def test_a_failover_error_moves_to_the_next_candidate(
    cls: type[LLMError], caplog: pytest.LogCaptureFixture
) -> None:
    provider, first, second, _ = pair([down(cls)])
    with caplog.at_level(logging.WARNING, logger="llmgine.llm.failover"):
        response = await provider.complete(REQUEST)
    assert response.content == "from backup"
    assert response.model_name == "backup:m"  # the response names who really served
    assert provider.model_name == "primary:m"  # the wrapper keeps the first one's name
    assert (first.calls, second.calls) == (1, 1)
    [record] = [r for r in caplog.records if r.name == "llmgine.llm.failover"]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert "primary:m" in message
    assert cls.__name__ in message
    assert "failing over to backup:m" in message


async def test_a_failed_candidate_is_skipped_during_its_cool_down() -> None:
    provider, first, _, clock = pair([down()], cooldown=30.0)
    await provider.complete(REQUEST)
    clock.advance(29.0)
    for _ in range(3):
        assert (await provider.complete(REQUEST)).content == "from backup"
    assert first.calls == 1
    health = provider.health()[0]
    assert health.state == "cooling_down"
    assert health.cooling_until == 1030.0


async def test_after_the_cool_down_a_successful_trial_makes_it_preferred_again() -> None:
    provider, _, second, clock = pair([down()], cooldown=30.0)
    await provider.complete(REQUEST)
    clock.advance(30.0)
    assert provider.health()[0].state == "trial"
    assert (await provider.complete(REQUEST)).content == "from primary"
    assert provider.health()[0].state == "healthy"
    assert provider.health()[0].cooling_until is None
    assert (await provider.complete(REQUEST)).content == "from primary"
    assert second.calls == 1


async def test_a_failed_trial_cools_down_again() -> None:
    provider, first, _, clock = pair([down(), down()], cooldown=30.0)
    await provider.complete(REQUEST)
    clock.advance(31.0)
    assert (await provider.complete(REQUEST)).content == "from backup"
    assert first.calls == 2
    health = provider.health()[0]
    assert health.state == "cooling_down"
    assert health.cooling_until == 1031.0 + 30.0
    assert (await provider.complete(REQUEST)).content == "from backup"
    assert first.calls == 2


async def test_failure_threshold_counts_consecutive_failures() -> None:
    provider, first, _, _ = pair([down(), down(), down()], failure_threshold=3)
    await provider.complete(REQUEST)
    await provider.complete(REQUEST)
    assert provider.health()[0].state == "healthy"  # two failures: still tried first
    assert first.calls == 2
    await provider.complete(REQUEST)
    assert provider.health()[0].state == "cooling_down"
    assert provider.health()[0].consecutive_failures == 3
    await provider.complete(REQUEST)
    assert first.calls == 3


async def test_a_success_resets_the_failure_count() -> None:
    provider, _, _, _ = pair([down(), "ok", down()], failure_threshold=2)
    for _ in range(3):
        await provider.complete(REQUEST)
    assert provider.health()[0].state == "healthy"
    assert provider.health()[0].consecutive_failures == 1


@pytest.mark.parametrize("cls", [InvalidRequestError])
async def test_other_errors_propagate_and_leave_health_alone(cls: type[LLMError]) -> None:
    failure = down(cls)
    provider, _, second, _ = pair([failure])
    with pytest.raises(cls) as caught:
        await provider.complete(REQUEST)
    assert caught.value is failure
    assert second.calls == 0
    health = provider.health()[0]
    assert (health.state, health.consecutive_failures, health.success_rate) == ("healthy", 0, 1.0)
    assert health.total_calls == 1


async def test_failover_on_chooses_what_fails_over() -> None:
    provider, _, second, _ = pair([down(RateLimitError)], failover_on=(ServerError,))
    with pytest.raises(RateLimitError):
        await provider.complete(REQUEST)
    assert second.calls == 0


async def test_when_every_candidate_fails_the_last_error_is_raised() -> None:
    last = down(ServerError, name="backup")
    provider, _, _, _ = pair([down(RateLimitError)], [last])
    with pytest.raises(ServerError) as caught:
        await provider.complete(REQUEST)
    assert caught.value is last


async def test_when_all_cool_down_they_are_still_tried_soonest_return_first() -> None:
    clock = FakeClock()
    x = FakeProvider([down(), down()], provider="x", default="x")
    y = FakeProvider(["y", down()], provider="y", default="y")
    provider = FailoverProvider([x, y], cooldown=30.0, clock=clock)
    assert (await provider.complete(REQUEST)).content == "y"  # x fails at t=0: cools to 30
    clock.advance(25.0)
    with pytest.raises(ServerError):
        await provider.complete(REQUEST)  # only y is usable; it fails: cools to t=55
    clock.advance(5.0)
    with pytest.raises(ServerError):
        await provider.complete(REQUEST)  # x's trial fails: cools to t=60
    assert [h.state for h in provider.health()] == ["cooling_down", "cooling_down"]
    assert [h.cooling_until for h in provider.health()] == [1060.0, 1055.0]
    # Nobody is usable, yet the call is made: y first, as it comes back sooner than x.
    assert (await provider.complete(REQUEST)).content == "y"
    assert x.calls == 2
    assert [h.state for h in provider.health()] == ["cooling_down", "healthy"]


async def test_one_trial_at_a_time() -> None:
    clock = FakeClock()
    gate = asyncio.Event()
    a = FakeProvider([down()], provider="a", default="a")
    b = FakeProvider(provider="b", default="b")
    provider = FailoverProvider([a, b], cooldown=30.0, clock=clock)
    await provider.complete(REQUEST)  # a fails and cools down
    clock.advance(30.0)
    a.gate, a.started = gate, asyncio.Event()
    trial = asyncio.create_task(provider.complete(REQUEST))
    await a.started.wait()
    async with asyncio.timeout(5):  # were the trial not exclusive, this call would wait on a
        assert (await provider.complete(REQUEST)).content == "b"
    gate.set()
    assert (await trial).content == "a"
    assert provider.health()[0].state == "healthy"


async def test_health_reports_the_window() -> None:
    clock = FakeClock()
    latencies = iter([1.0, 3.0, 2.0, 10.0])

    def takes_time() -> None:
        clock.advance(next(latencies, 0.0))

    primary = FakeProvider(["ok", down(), "ok", "ok", "ok"], provider="primary", on_call=takes_time)
    provider = FailoverProvider(
        [primary, FakeProvider(provider="backup", default="b")],
        window=4,
        failure_threshold=5,
        clock=clock,
    )
    for _ in range(5):
        await provider.complete(REQUEST)
    primary_health, backup_health = provider.health()
    # the window holds the last four outcomes: failure, ok (2 s), ok (10 s), ok (0 s)
    assert primary_health == ProviderHealth(
        model_name="primary:m",
        state="healthy",
        success_rate=0.75,
        latency=2.0,
        consecutive_failures=0,
        total_calls=5,
        cooling_until=None,
    )
    assert backup_health.total_calls == 1
    assert backup_health.success_rate == 1.0
    assert backup_health.latency == 0.0


def test_health_before_any_call() -> None:
    provider, _, _, _ = pair([])
    assert [(h.state, h.success_rate, h.latency, h.total_calls) for h in provider.health()] == [
        ("healthy", 1.0, None, 0),
        ("healthy", 1.0, None, 0),
    ]


async def test_a_stream_fails_over_before_its_first_delta() -> None:
    provider, first, _, _ = pair([down()])
    deltas = await collect(provider.stream(REQUEST))
    assert texts(deltas) == ["from", "backup"]
    assert isinstance(deltas[-1], StreamEnd)
    assert first.streams_closed == 1
    assert provider.health()[1].success_rate == 1.0


async def test_a_stream_does_not_fail_over_after_a_delta_but_counts_the_failure() -> None:
    failure = down(APIConnectionError)
    provider, _, second, _ = pair([Breaks("half a reply", failure)])
    with pytest.raises(APIConnectionError) as caught:
        await collect(provider.stream(REQUEST))
    assert caught.value is failure
    assert second.calls == 0
    assert provider.health()[0].state == "cooling_down"


async def test_a_stream_closed_early_counts_as_a_success() -> None:
    provider, first, _, _ = pair([])
    stream = provider.stream(REQUEST)
    await anext(stream)
    await stream.aclose()
    assert first.streams_closed == 1
    assert provider.health()[0].success_rate == 1.0
    assert provider.health()[0].consecutive_failures == 0


async def test_aclose_closes_every_candidate() -> None:
    provider, first, second, _ = pair([])
    async with provider:
        pass
    assert first.closed
    assert second.closed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"candidates": []}, "at least one"),
        ({"failure_threshold": 0}, "failure_threshold"),
        ({"cooldown": -1}, "cooldown"),
        ({"window": 0}, "window"),
        ({"failover_on": (KeyError,)}, "failover_on"),
    ],
)
def test_validation(args: dict[str, Any], message: str) -> None:
    options: dict[str, Any] = {"candidates": [FakeProvider()], **args}
    with pytest.raises(ValueError, match=message):
        FailoverProvider(options.pop("candidates"), **options)


async def test_wrappers_compose_around_and_inside_failover() -> None:
    sleep = RecordingSleep()
    primary = FakeProvider([down(), down(), down()], provider="primary", default="never")
    keys = {"sk-key-one-aaaaaaaa": [down(RateLimitError, name="backup")], "sk-key-two-bbbbbbbb": []}
    backup = KeyPoolProvider(
        lambda key: FakeProvider(keys[key], provider="backup", default="from backup"), list(keys)
    )
    provider = RetryingProvider(
        FailoverProvider([RetryingProvider(primary, sleep=sleep), backup]), sleep=sleep
    )
    # primary is retried three times by its own wrapper, then the backup's first key is
    # rate limited and its second key serves; the outer retry never needs to act
    deltas = await collect(provider.stream(REQUEST))
    assert texts(deltas) == ["from", "backup"]
    assert primary.calls == 3
    assert len(sleep.waits) == 2
    assert provider.model_name == "primary:m"


# -- one candidate alone ---------------------------------------------------------------------


async def test_only_serves_with_that_candidate_and_counts_in_the_failovers_health() -> None:
    provider, first, second, _ = pair([], [down(name="backup")])
    backup = provider.only("backup:m")

    with pytest.raises(ServerError):
        await backup.complete(REQUEST)  # no failover to the primary
    response = await backup.complete(REQUEST)
    streamed = await collect(backup.stream(REQUEST))

    assert response.content == "from backup"
    assert backup.model_name == "backup:m"
    assert texts(streamed) == ["from", "backup"]
    assert (first.calls, second.calls) == (0, 3)
    health = {h.model_name: h for h in provider.health()}
    assert health["backup:m"].total_calls == 3
    assert health["backup:m"].success_rate == pytest.approx(2 / 3)
    assert health["primary:m"].total_calls == 0


async def test_only_goes_to_a_candidate_that_is_cooling_down() -> None:
    provider, _, second, _ = pair([], [down(name="backup")], cooldown=60)
    with pytest.raises(ServerError):
        await provider.only("backup:m").complete(REQUEST)
    assert {h.model_name: h.state for h in provider.health()}["backup:m"] == "cooling_down"

    response = await provider.only("backup:m").complete(REQUEST)

    assert response.content == "from backup"
    assert second.calls == 2


async def test_only_names_the_candidates_when_the_model_is_not_one_of_them() -> None:
    provider, *_ = pair([])
    with pytest.raises(ValueError, match=r"'other:m' is not a candidate .*primary:m, backup:m"):
        provider.only("other:m")


async def test_closing_the_one_candidate_leaves_it_open_for_the_failover() -> None:
    provider, first, _, _ = pair([])
    await provider.only("primary:m").aclose()
    assert first.closed is False
