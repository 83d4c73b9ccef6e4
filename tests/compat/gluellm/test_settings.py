"""GlueLLM's settings: GLUELLM_* variables read as LLMGINE_* ones (ours win), GlueLLM's
names for the settings named otherwise, a typo warned about, secrets kept secret."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmgine.compat.gluellm import config
from llmgine.compat.gluellm.api import complete
from llmgine.config import GLUELLM_NAMES, Settings
from llmgine.testing import FakeLLMServer, text


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    yield
    monkeypatch.undo()
    config.reload_settings()  # as the environment is again


def test_a_gluellm_variable_sets_what_our_variable_would(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLUELLM_MAX_TOOL_ITERATIONS", "4")
    monkeypatch.setenv("GLUELLM_DEFAULT_MODEL", "anthropic:claude-haiku-4-5")
    monkeypatch.setenv("GLUELLM_LOG_JSON_FORMAT", "true")
    settings = config.reload_settings()
    assert isinstance(settings, Settings)
    assert config.settings is settings
    assert settings.max_tool_iterations == 4
    assert settings.model == settings.default_model == "anthropic:claude-haiku-4-5"
    assert settings.log_json_format is True


def test_ours_win_over_gluellm_s_wherever_each_is_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GLUELLM_DEFAULT_MODEL", "openai:from-gluellm")
    monkeypatch.setenv("LLMGINE_DEFAULT_MODEL", "openai:ours-by-gluellm-s-name")
    monkeypatch.setenv("GLUELLM_RETRY_MAX_ATTEMPTS", "7")
    (tmp_path / ".env").write_text("LLMGINE_RETRY_MAX_ATTEMPTS=2\nGLUELLM_LOG_LEVEL=error\n")
    settings = config.reload_settings()
    assert settings.model == "openai:ours-by-gluellm-s-name"
    assert settings.retry_max_attempts == 2  # ours in .env beats GlueLLM's in the environment
    assert settings.log_level == "ERROR"  # GlueLLM's alone, from .env


def test_an_argument_wins_over_every_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLUELLM_LOG_LEVEL", "ERROR")
    assert config.load_settings(log_level="debug").log_level == "DEBUG"
    assert config.load_settings(log_level=None).log_level == "ERROR"


def test_gluellm_s_name_of_each_setting_named_otherwise_reads_ours(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GLUELLM_RETRY_MIN_WAIT", "1.5")
    monkeypatch.setenv("GLUELLM_ENABLE_TRACING", "true")
    monkeypatch.setenv("GLUELLM_DEFAULT_SYSTEM_PROMPT", "Be brief.")
    settings = config.reload_settings()
    for ours, theirs in GLUELLM_NAMES.items():
        assert getattr(settings, theirs) == getattr(settings, ours), theirs
    assert (settings.retry_initial_wait, settings.tracing) == (1.5, True)
    assert settings.system_prompt == "Be brief."


def test_a_gluellm_variable_nothing_reads_is_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("GLUELLM_MAX_TOOL_ITERATION", "3")
    with caplog.at_level(logging.WARNING, "llmgine.compat.gluellm"):
        config.reload_settings()
        config.reload_settings()
    (record,) = [r for r in caplog.records if "GLUELLM_MAX_TOOL_ITERATION " in r.getMessage()]
    assert record.getMessage() == (
        "GLUELLM_MAX_TOOL_ITERATION is set, but no setting reads it; "
        "did you mean GLUELLM_MAX_TOOL_ITERATIONS?"
    )


async def test_a_gluellm_key_reaches_the_provider_and_stays_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with FakeLLMServer([text("Hi.")]) as fake:
        monkeypatch.setenv("GLUELLM_OPENAI_API_KEY", "sk-gluellm-secret-0123456789")
        monkeypatch.setenv("OPENAI_BASE_URL", fake.openai_base_url)
        monkeypatch.setenv("GLUELLM_DEFAULT_MODEL", "openai:gpt-4o-mini")
        settings = config.reload_settings()
        assert "sk-gluellm-secret" not in repr(settings)
        assert "sk-gluellm-secret" not in str(settings.describe())
        result = await complete("Hello", log_dir=None)
        assert result.final_response == "Hi."
        assert fake.requests[0].api_key == "sk-gluellm-secret-0123456789"
