"""Starting: settings, then the bus and its sinks, then the components, then the model."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from llmgine.bootstrap import ApplicationBootstrap, SettingsProviders, SinkSet, choose_model
from llmgine.bus import UsageError
from llmgine.config import Settings, load_settings
from llmgine.engine import PromptCommand, TurnResult
from llmgine.llm import (
    AuthenticationError,
    RateLimitedProvider,
    RetryingProvider,
)
from llmgine.logs import read_log
from llmgine.sinks import MemorySink
from llmgine.testing import FakeLLMServer, Fault, ScriptedProvider, text


def settings(tmp_path: Path, **fields: object) -> Settings:
    return load_settings(sessions_dir=tmp_path / "sessions", log_dir=tmp_path / "logs", **fields)


def get_weather(location: str) -> str:
    """The weather in a place.

    Args:
        location: the city.
    """
    return f"{location}: 21 degrees"


async def test_the_parts_follow_the_settings(tmp_path: Path) -> None:
    config = settings(
        tmp_path, model="offline:stand-in", tool_timeout=7.0, max_tool_iterations=4,
        system_prompt="Be brief.",
    )  # fmt: skip
    async with ApplicationBootstrap(config, tools=[get_weather]) as app:
        assert app.state == "running"
        assert app.model == "offline:stand-in"
        assert app.store.directory == tmp_path / "sessions"
        assert app.context.store is app.store
        assert app.context.system_prompt == "Be brief."
        assert app.tools.names == ("get_weather",)
        assert app.tools.default_timeout == 7.0
        assert app.engine.max_tool_rounds == 4
        log_path = app.bus.log_path
        assert log_path is not None
        assert log_path.parent == tmp_path / "logs"
        result = await app.bus.execute(
            PromptCommand(prompt="What is the weather in Paris?", session_id="s1")
        )
        assert isinstance(result.result, TurnResult)
        assert "Paris: 21 degrees" in result.result.content
    assert app.state == "closed"
    types = [type(m).__name__ for m in read_log(log_path)]
    assert types[0] == "PromptCommand"
    assert "ResponseCompletedEvent" in types
    assert (tmp_path / "sessions" / "s1.json").is_file()


async def test_no_jsonl_log_when_the_settings_turn_it_off(tmp_path: Path) -> None:
    async with ApplicationBootstrap(settings(tmp_path, jsonl_log=False, model="offline:x")) as app:
        assert app.bus.log_path is None
    assert not list((tmp_path / "logs").glob("*.jsonl"))


async def test_extra_sinks_and_settings_sinks_both_record(tmp_path: Path) -> None:
    from_settings = MemorySink()

    class WithSink(ApplicationBootstrap):
        def build_sinks(self) -> SinkSet:
            return SinkSet((from_settings,))

    extra = MemorySink()
    app = WithSink(settings(tmp_path, model="offline:stand-in"), sinks=[extra])
    async with app:
        await app.bus.execute(PromptCommand(prompt="hello", session_id="s1"))
    for sink in (from_settings, extra):
        assert next(type(m).__name__ for m in sink.messages) == "PromptCommand"
    assert len(from_settings.messages) == len(extra.messages)


def test_settings_or_overrides_not_both(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="not both"):
        ApplicationBootstrap(settings(tmp_path), log_dir="elsewhere")


def test_overrides_build_the_settings(tmp_path: Path) -> None:
    app = ApplicationBootstrap(log_dir=tmp_path / "x", stop_timeout=3)
    assert app.settings.log_dir == tmp_path / "x"
    assert app.settings.stop_timeout == 3


async def test_the_parts_are_not_there_before_the_start(tmp_path: Path) -> None:
    app = ApplicationBootstrap(settings(tmp_path))
    with pytest.raises(UsageError, match="has not started"):
        _ = app.bus
    report = await app.stop()  # stopping an app that never started is harmless
    assert report.reason == "never started"
    with pytest.raises(UsageError, match="cannot restart"):
        await app.start()


async def test_a_model_without_its_key_fails_the_start_and_undoes_it(tmp_path: Path) -> None:
    app = ApplicationBootstrap(settings(tmp_path, model="openai:gpt-4o-mini"))
    before = list(logging.getLogger("llmgine").handlers)
    with pytest.raises(AuthenticationError, match="no API key"):
        await app.start()
    assert app.state == "closed"
    assert logging.getLogger("llmgine").handlers == before


async def test_an_unknown_provider_fails_the_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no provider is registered for 'nowhere'"):
        await ApplicationBootstrap(settings(tmp_path, model="nowhere:model")).start()


async def test_a_provider_object_is_used_as_it_is(tmp_path: Path) -> None:
    provider = ScriptedProvider([text("scripted answer")])
    async with ApplicationBootstrap(settings(tmp_path), model=provider) as app:
        result = await app.bus.execute(PromptCommand(prompt="hi", session_id="s1"))
    assert isinstance(result.result, TurnResult)
    assert result.result.content == "scripted answer"


# -- which model -----------------------------------------------------------------------------


async def test_the_model_named_in_the_settings_wins(tmp_path: Path) -> None:
    config = settings(tmp_path, model="offline:chosen", openai_api_key="sk-test-unused")
    assert await choose_model(config) == "offline:chosen"


async def test_a_key_in_the_settings_picks_its_provider(tmp_path: Path) -> None:
    assert await choose_model(settings(tmp_path, openai_api_key="sk-t")) == "openai:gpt-4o-mini"
    anthropic = settings(tmp_path, anthropic_api_key="sk-ant-t")
    assert await choose_model(anthropic) == "anthropic:claude-haiku-4-5"


async def test_with_nothing_configured_the_offline_stand_in(tmp_path: Path) -> None:
    assert await choose_model(settings(tmp_path)) == "offline:stand-in"
    async with ApplicationBootstrap(settings(tmp_path)) as app:
        assert app.model == "offline:stand-in"


# -- providers from the settings -----------------------------------------------------------


def test_providers_are_wrapped_as_the_settings_say(tmp_path: Path) -> None:
    config = settings(
        tmp_path, openai_api_key="sk-test-1234", retry_max_attempts=4,
        rate_limit_requests_per_second=5, rate_limit_burst_size=2,
    )  # fmt: skip
    providers = SettingsProviders(config)
    provider = providers("openai:gpt-4o-mini")
    assert isinstance(provider, RetryingProvider)
    assert provider.policy.max_attempts == 4
    inner = provider.inner
    assert isinstance(inner, RateLimitedProvider)
    assert inner.limit is providers.rate_limit  # one budget for every model of the app
    assert (inner.limit.requests_per_second, inner.limit.burst) == (5.0, 2)
    assert providers("openai:gpt-4o").inner.limit is inner.limit  # type: ignore[attr-defined]
    plain = SettingsProviders(settings(tmp_path, retry_max_attempts=1))("offline:stand-in")
    assert type(plain).__name__ == "OfflineProvider"


def test_provider_options_come_from_the_settings(tmp_path: Path) -> None:
    config = settings(
        tmp_path, openai_api_key="sk-test-1234", anthropic_base_url="http://127.0.0.1:9",
        request_timeout=12.0,
    )  # fmt: skip
    providers = SettingsProviders(config)
    limits = {"timeout": 12.0, "max_reply_bytes": config.max_reply_bytes}
    assert providers.options("openai") == {"api_key": "sk-test-1234", **limits}
    assert providers.options("anthropic") == {"base_url": "http://127.0.0.1:9", **limits}
    assert providers.options("ollama") == limits
    assert providers.options("custom") == {}


@pytest.mark.parametrize("attempts", [1, 2])
async def test_a_rate_limited_call_is_retried_per_the_settings(
    tmp_path: Path, attempts: int
) -> None:
    script = [Fault.rate_limit(retry_after=0), text("after a retry")]
    async with FakeLLMServer(script, strict=False) as server:
        config = settings(
            tmp_path, model="openai:gpt-4o-mini", openai_api_key="sk-test-retry",
            openai_base_url=server.openai_base_url, retry_max_attempts=attempts,
            retry_initial_wait=0, stream=False,
        )  # fmt: skip
        async with ApplicationBootstrap(config) as app:
            result = await app.bus.execute(PromptCommand(prompt="hi", session_id="s1"))
        requests = len(server.requests)
    assert requests == attempts
    if attempts == 1:
        assert not result.success
        assert result.failure is not None
        assert result.failure.kind == "rate_limited"
    else:
        assert isinstance(result.result, TurnResult)
        assert result.result.content == "after a retry"


# -- logging -------------------------------------------------------------------------------


async def test_logging_goes_to_stderr_at_the_level_set_with_secrets_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = "sk-test-abcdefghijklmnop"
    config = settings(tmp_path, model="offline:stand-in", openai_api_key=key, log_level="info")
    async with ApplicationBootstrap(config):
        logging.getLogger("llmgine.example").info("calling with key %s", key)
        logging.getLogger("llmgine.example").debug("below the level")
    err = capsys.readouterr().err
    assert re.search(r"INFO +llmgine\.example \[BUS\] calling with key \*\*\*", err)
    assert re.search(r"INFO +llmgine\.bootstrap \[BUS\] started on offline:stand-in", err)
    assert "below the level" not in err
    assert key not in err
    # The file keeps everything down to log_file_level (DEBUG by default), masked too.
    in_file = (tmp_path / "logs" / "llmgine.log").read_text()
    assert "calling with key ***" in in_file
    assert "below the level" in in_file
    assert key not in in_file
    logging.getLogger("llmgine.example").warning("after the stop")
    assert "after the stop" not in capsys.readouterr().err  # the handler went with the app


async def test_setup_logging_false_leaves_logging_alone(tmp_path: Path) -> None:
    before = list(logging.getLogger("llmgine").handlers)
    async with ApplicationBootstrap(settings(tmp_path, model="offline:x"), setup_logging=False):
        assert logging.getLogger("llmgine").handlers == before


async def test_sessions_can_stay_in_memory(tmp_path: Path) -> None:
    config = settings(tmp_path, model="offline:stand-in")
    async with ApplicationBootstrap(config, save_sessions=False) as app:
        result = await app.bus.execute(PromptCommand(prompt="What is 2+3?", session_id="s1"))
        assert result.success
        assert len(app.context.history("s1")) == 2
        assert app.store.directory == tmp_path / "sessions"
    assert not (tmp_path / "sessions").exists()
