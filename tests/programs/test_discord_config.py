"""The bot's flags and environment variables."""

from __future__ import annotations

import pytest

from programs.discord.config import (
    DEFAULT_RATE_LIMIT,
    BotConfig,
    ConfigError,
    Token,
    build_parser,
    load_config,
)
from programs.discord.ratelimit import RateLimit

TOKEN = "MTIzNDU2Nzg5.secret-part.do-not-show"


def config(*argv: str, **environ: str) -> BotConfig:
    return load_config(build_parser().parse_args(argv), {"DISCORD_BOT_TOKEN": TOKEN} | environ)


def test_defaults() -> None:
    loaded = config()
    assert loaded.token.reveal() == TOKEN
    assert loaded.options.allowed_channels == frozenset()
    assert loaded.options.allow_dms
    assert loaded.options.rate_limit == DEFAULT_RATE_LIMIT == RateLimit(5, 60)
    assert loaded.settings == {}


@pytest.mark.parametrize("value", ["", "   "])
def test_a_missing_token_says_what_to_set(value: str) -> None:
    args = build_parser().parse_args([])
    with pytest.raises(ConfigError, match="DISCORD_BOT_TOKEN is not set") as caught:
        load_config(args, {"DISCORD_BOT_TOKEN": value} if value else {})
    assert "\n" not in str(caught.value)


def test_the_token_never_shows_in_reprs() -> None:
    loaded = config()
    for shown in (repr(loaded), str(loaded), repr(loaded.token), f"{loaded.token}"):
        assert TOKEN not in shown
    assert repr(Token("x")) == "Token('***')"


def test_allowlist_from_flags_and_variable_add_up() -> None:
    loaded = config(
        "--allow-channel", "1", "--allow-channel", "22", DISCORD_ALLOWED_CHANNELS="333, 4444 5"
    )
    assert loaded.options.allowed_channels == {1, 22, 333, 4444, 5}


@pytest.mark.parametrize("bad", ["general", "12a", "-5"])
def test_a_channel_that_is_not_an_id_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="is not a number; copy it from Discord"):
        config(DISCORD_ALLOWED_CHANNELS=bad)


def test_rate_limit_flag_wins_over_the_variable() -> None:
    assert config(DISCORD_RATE_LIMIT="2/10").options.rate_limit == RateLimit(2, 10)
    loaded = config("--rate-limit", "3/30", DISCORD_RATE_LIMIT="2/10")
    assert loaded.options.rate_limit == RateLimit(3, 30)


@pytest.mark.parametrize("off", ["off", "OFF", "none", "0"])
def test_rate_limit_can_be_turned_off(off: str) -> None:
    assert config("--rate-limit", off).options.rate_limit is None


def test_a_bad_rate_limit_says_how_to_write_one() -> None:
    with pytest.raises(ConfigError, match="write for instance '5/60'"):
        config("--rate-limit", "fast")


def test_llmgine_settings_come_from_the_flags_given() -> None:
    loaded = config(
        "--model", "openai:gpt-4o-mini", "--sessions-dir", "/tmp/s", "--log-level", "info",
        "--no-dms",
    )  # fmt: skip
    assert loaded.settings == {
        "model": "openai:gpt-4o-mini",
        "sessions_dir": "/tmp/s",
        "log_level": "info",
    }
    assert not loaded.options.allow_dms
