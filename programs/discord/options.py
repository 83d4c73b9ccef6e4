"""What the bot answers, where and how often: its options, apart from discord.py, so the
flags can be read (and ``--help`` shown) on a machine without it."""

from __future__ import annotations

from dataclasses import dataclass, field

from programs.discord.ratelimit import RateLimit
from programs.discord.split import DISCORD_LIMIT


@dataclass(frozen=True)
class BotOptions:
    """How the bot decides what to answer.

    Args:
        allowed_channels: channel ids the bot answers in; empty means every channel.
        allow_dms: answer direct messages.
        rate_limit: prompts each user may send per window; ``None`` turns the limit off.
        limit: the longest message Discord takes (2,000 characters).
    """

    allowed_channels: frozenset[int] = field(default_factory=frozenset)
    allow_dms: bool = True
    rate_limit: RateLimit | None = field(default_factory=lambda: RateLimit(5, 60))
    limit: int = DISCORD_LIMIT
