"""The per-user sliding window, on a clock the test moves by hand."""

from __future__ import annotations

import pytest

from programs.discord.ratelimit import RateLimit, UserRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_at_most_count_prompts_in_any_window() -> None:
    clock = Clock()
    limiter = UserRateLimiter(RateLimit(3, 10), clock=clock)
    admitted = []
    for _ in range(3):  # at t = 0, 1, 2
        admitted.append(limiter.check(1).allowed)
        clock.now += 1
    assert admitted == [True, True, True]
    refused = limiter.check(1)  # t = 3
    assert not refused.allowed
    assert refused.retry_after == pytest.approx(7)
    clock.now += 4
    assert limiter.check(1).retry_after == pytest.approx(3)
    clock.now += 3  # t = 10: the first prompt leaves the window exactly now
    assert limiter.check(1).allowed
    assert not limiter.check(1).allowed  # the other two are still in it


def test_the_window_slides_instead_of_resetting() -> None:
    clock = Clock()
    limiter = UserRateLimiter(RateLimit(2, 10), clock=clock)
    assert limiter.check(1).allowed  # t = 0
    clock.now += 9
    assert limiter.check(1).allowed  # t = 9
    clock.now += 2  # t = 11: the first left, the second is still in
    assert limiter.check(1).allowed
    verdict = limiter.check(1)
    assert not verdict.allowed
    assert verdict.retry_after == pytest.approx(8)


def test_refused_prompts_do_not_count() -> None:
    clock = Clock()
    limiter = UserRateLimiter(RateLimit(1, 10), clock=clock)
    assert limiter.check(1).allowed
    for _ in range(50):
        clock.now += 0.1
        assert not limiter.check(1).allowed
    clock.now = 1010.0
    assert limiter.check(1).allowed


def test_only_the_first_refusal_says_so_until_the_user_is_admitted_again() -> None:
    clock = Clock()
    limiter = UserRateLimiter(RateLimit(1, 10), clock=clock)
    limiter.check(1)
    assert [limiter.check(1).first_refusal for _ in range(3)] == [True, False, False]
    clock.now += 10
    assert limiter.check(1).allowed
    assert limiter.check(1).first_refusal


def test_users_are_counted_apart() -> None:
    limiter = UserRateLimiter(RateLimit(1, 10), clock=Clock())
    assert limiter.check(1).allowed
    assert not limiter.check(1).allowed
    assert limiter.check(2).allowed


def test_users_whose_window_emptied_are_swept_away() -> None:
    clock = Clock()
    limiter = UserRateLimiter(RateLimit(1, 10), clock=clock, sweep_at=100)
    for user in range(100):
        limiter.check(user)
    assert len(limiter) == 100
    clock.now += 10
    limiter.check(1000)  # the table is full: the sweep runs first
    assert len(limiter) == 1


def test_a_sweep_keeps_active_users_and_lets_the_table_grow() -> None:
    limiter = UserRateLimiter(RateLimit(1, 10), clock=Clock(), sweep_at=10)
    for user in range(25):
        limiter.check(user)
    assert len(limiter) == 25
    assert not limiter.check(3).allowed  # nobody active was forgotten


@pytest.mark.parametrize(
    ("text", "count", "seconds"),
    [("5/60", 5, 60.0), (" 1 / 0.5 ", 1, 0.5), ("20/3600", 20, 3600.0)],
)
def test_parse(text: str, count: int, seconds: float) -> None:
    assert RateLimit.parse(text) == RateLimit(count, seconds)


@pytest.mark.parametrize("text", ["5", "five/60", "5/", "/60", "5/60/2", "-1/60"])
def test_parse_refuses_what_is_not_count_slash_seconds(text: str) -> None:
    with pytest.raises(ValueError, match="is not COUNT/SECONDS"):
        RateLimit.parse(text)


@pytest.mark.parametrize("text", ["0/60", "5/0"])
def test_a_limit_that_admits_nothing_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="count >= 1 and seconds > 0"):
        RateLimit.parse(text)


def test_str_round_trips() -> None:
    assert str(RateLimit(5, 60)) == "5/60"
    assert RateLimit.parse(str(RateLimit(2, 0.5))) == RateLimit(2, 0.5)
