"""The bot's command line and environment.

The token comes only from ``DISCORD_BOT_TOKEN`` (an argument would show in ``ps``) and is
kept in a ``Token`` whose ``repr`` and ``str`` mask it, so no log line, error or dump of the
configuration can carry it. The allowlist and the rate limit come from flags, from
``DISCORD_ALLOWED_CHANNELS`` and ``DISCORD_RATE_LIMIT``, or both (channel lists add up; a
flag wins over the variable for the rate limit). Everything about the model, the logs and
the sessions folder is llmgine's own settings (``LLMGINE_*`` variables, ``.env``), which the
flags here override.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from programs.discord.options import BotOptions
from programs.discord.ratelimit import RateLimit

TOKEN_VARIABLE = "DISCORD_BOT_TOKEN"
CHANNELS_VARIABLE = "DISCORD_ALLOWED_CHANNELS"
RATE_LIMIT_VARIABLE = "DISCORD_RATE_LIMIT"
DEFAULT_RATE_LIMIT = RateLimit(5, 60)
DEFAULT_SYSTEM_PROMPT = (
    "You are a helpful assistant in a Discord chat. Several people may talk to you in one "
    "channel. Answer concisely, using Discord markdown."
)


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to set."""


class Token:
    """The bot token; shown as ``Token('***')`` everywhere but ``reveal()``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Token('***')"

    __str__ = __repr__


@dataclass(frozen=True)
class BotConfig:
    token: Token
    options: BotOptions
    settings: dict[str, Any]
    """Overrides for llmgine's ``Settings`` from the flags (model, folders, log level...)."""


class _OneLineParser(argparse.ArgumentParser):
    """A flag it cannot use is one line on stderr, status 2, as every other setup error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message}; --help lists the options\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="python -m programs.discord.bot",
        description=(
            "A Discord bot that answers mentions and direct messages with an llmgine chat "
            f"engine, one conversation per channel or thread. The token is read from "
            f"{TOKEN_VARIABLE}."
        ),
    )
    parser.add_argument(
        "--allow-channel",
        metavar="ID",
        action="append",
        default=[],
        help=f"answer only in this channel (and its threads); repeat for more; adds to "
        f"{CHANNELS_VARIABLE}. Default: every channel the bot can read.",
    )
    parser.add_argument(
        "--rate-limit",
        metavar="COUNT/SECONDS",
        help=f"prompts each user may send per window, or 'off' (default: "
        f"{RATE_LIMIT_VARIABLE} or {DEFAULT_RATE_LIMIT})",
    )
    parser.add_argument("--no-dms", action="store_true", help="do not answer direct messages")
    parser.add_argument("--model", help="provider:model (default: settings, else detected)")
    parser.add_argument("--system-prompt", help="the system prompt of new conversations")
    parser.add_argument("--sessions-dir", help="where conversations are saved (default: sessions)")
    parser.add_argument("--log-dir", help="where the JSONL log and the log file go (default: logs)")
    parser.add_argument(
        "--log-level", help="level of the log lines on stderr: debug, info, warning (default)..."
    )
    parser.add_argument(
        "--bus",
        metavar="URL",
        help="run the turns on the workers of this NATS bus, nats://host:4222 (start them with "
        "`llmgine worker --bus URL`; default: LLMGINE_BUS_URL, else in this process)",
    )
    return parser


def channel_ids(texts: Sequence[str]) -> frozenset[int]:
    """Channel ids from flags or a variable: numbers separated by commas or spaces."""
    ids: set[int] = set()
    for text in texts:
        for part in re.split(r"[\s,]+", text.strip()):
            if not part:
                continue
            if not part.isdigit():
                raise ConfigError(
                    f"channel id {part!r} is not a number; copy it from Discord with "
                    "Developer Mode on (right-click the channel, Copy Channel ID)"
                )
            ids.add(int(part))
    return frozenset(ids)


def rate_limit_of(text: str | None) -> RateLimit | None:
    if text is None:
        return DEFAULT_RATE_LIMIT
    if text.strip().lower() in ("off", "none", "0"):
        return None
    try:
        return RateLimit.parse(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def load_config(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> BotConfig:
    """The configuration from parsed ``args`` and ``environ`` (default: the process's)."""
    env = os.environ if environ is None else environ
    channels = channel_ids([env.get(CHANNELS_VARIABLE, ""), *args.allow_channel])
    rate = args.rate_limit if args.rate_limit is not None else env.get(RATE_LIMIT_VARIABLE)
    options = BotOptions(
        allowed_channels=channels, allow_dms=not args.no_dms, rate_limit=rate_limit_of(rate)
    )
    token = env.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise ConfigError(
            f"{TOKEN_VARIABLE} is not set; create a bot at "
            "https://discord.com/developers/applications and export its token (see docs/discord.md)"
        )
    flags = {
        "model": args.model,
        "system_prompt": args.system_prompt,
        "sessions_dir": args.sessions_dir,
        "log_dir": args.log_dir,
        "log_level": args.log_level,
        "bus_url": args.bus,
    }
    settings = {name: value for name, value in flags.items() if value is not None}
    return BotConfig(Token(token), options, settings)
