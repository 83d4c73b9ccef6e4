"""A per-user sliding-window rate limit: at most ``count`` prompts in any ``seconds``.

``check(user)`` either admits a prompt (and counts it) or says how long until the next one
would be admitted. It also says whether this is the first refusal since the user was last
admitted, so the bot can explain the limit once instead of answering every extra message.
Memory stays bounded: a user's entry holds at most ``count`` times, and entries whose
window has emptied are dropped by a sweep that runs as the table grows.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RateLimit:
    """At most ``count`` prompts per user in any window of ``seconds``."""

    count: int
    seconds: float

    def __post_init__(self) -> None:
        if self.count < 1 or self.seconds <= 0:
            raise ValueError(
                f"a rate limit needs count >= 1 and seconds > 0, got {self.count}/{self.seconds}"
            )

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """``"5/60"`` (five prompts per sixty seconds) as a ``RateLimit``."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*", text)
        if match is None:
            raise ValueError(
                f"rate limit {text!r} is not COUNT/SECONDS; write for instance '5/60' "
                "for five prompts per minute"
            )
        return cls(int(match.group(1)), float(match.group(2)))

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds:g}"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float = 0.0
    """Seconds until the user's next prompt would be admitted (0 when allowed)."""
    first_refusal: bool = False
    """The first refusal since the user's last admitted prompt."""


@dataclass
class _Window:
    times: deque[float] = field(default_factory=deque)
    warned: bool = False


class UserRateLimiter:
    """Applies a ``RateLimit`` to each user separately; ``clock`` is for tests."""

    def __init__(
        self,
        limit: RateLimit,
        *,
        clock: Callable[[], float] = time.monotonic,
        sweep_at: int = 1024,
    ) -> None:
        self.limit = limit
        self._clock = clock
        self._users: dict[int, _Window] = {}
        self._sweep_at = sweep_at

    def __len__(self) -> int:
        """How many users are being tracked."""
        return len(self._users)

    def check(self, user_id: int) -> Verdict:
        """Admit and count one prompt of ``user_id``, or refuse it with the time to wait."""
        now = self._clock()
        if len(self._users) >= self._sweep_at:
            self._sweep(now)
        window = self._users.setdefault(user_id, _Window())
        self._expire(window, now)
        if len(window.times) < self.limit.count:
            window.times.append(now)
            window.warned = False
            return Verdict(True)
        retry_after = window.times[0] + self.limit.seconds - now
        first = not window.warned
        window.warned = True
        return Verdict(False, retry_after=max(retry_after, 0.0), first_refusal=first)

    def _expire(self, window: _Window, now: float) -> None:
        horizon = now - self.limit.seconds
        while window.times and window.times[0] <= horizon:
            window.times.popleft()

    def _sweep(self, now: float) -> None:
        for user_id, window in list(self._users.items()):
            self._expire(window, now)
            if not window.times:
                del self._users[user_id]
        # Every tracked user is active: let the table grow, and sweep again when it doubles.
        self._sweep_at = max(self._sweep_at, 2 * len(self._users))
