"""Settings: where each value comes from, and that secrets stay masked."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from llmgine.config import Settings, load_settings

CANARY = "sk-canary-0123456789abcdef"


@pytest.fixture(autouse=True)
def _no_dotenv_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test reads ``.env`` from an empty folder of its own, not the repository's."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults_need_nothing() -> None:
    settings = load_settings()
    assert settings.model is None
    assert settings.max_tool_iterations == 10
    assert settings.log_dir == Path("logs")
    assert settings.sessions_dir == Path("sessions")
    assert settings.log_level == "WARNING"
    assert not settings.tracing_enabled
    assert settings.secrets == ()


def test_arguments_beat_llmgine_variables_which_beat_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        "LLMGINE_MODEL=ollama:from-dotenv\nLLMGINE_MAX_TOOL_ITERATIONS=4\n"
        "LLMGINE_SYSTEM_PROMPT=from dotenv\n"
    )
    monkeypatch.setenv("LLMGINE_MODEL", "anthropic:from-env")
    monkeypatch.setenv("LLMGINE_MAX_TOOL_ITERATIONS", "7")
    settings = load_settings(model="openai:from-argument")
    assert settings.model == "openai:from-argument"
    assert settings.max_tool_iterations == 7
    assert settings.system_prompt == "from dotenv"


def test_none_arguments_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMGINE_MODEL", "anthropic:from-env")
    assert load_settings(model=None).model == "anthropic:from-env"


def test_keys_come_from_the_usual_variables_and_llmgine_ones_win(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-usual-00000000")
    assert load_settings().api_key_for("openai") == "sk-usual-00000000"
    monkeypatch.setenv("LLMGINE_OPENAI_API_KEY", "sk-llmgine-11111111")
    assert load_settings().api_key_for("openai") == "sk-llmgine-11111111"
    assert load_settings(openai_api_key="sk-arg-22222222").api_key_for("openai") == (
        "sk-arg-22222222"
    )
    assert load_settings().api_key_for("anthropic") is None
    assert load_settings().api_key_for("no-such-provider") is None


def test_otel_endpoint_from_the_standard_variable_turns_tracing_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    settings = load_settings()
    assert settings.otel_exporter_endpoint == "http://127.0.0.1:4318"
    assert settings.tracing_enabled
    assert load_settings(mlflow_tracking_uri="http://127.0.0.1:5000").tracing_enabled


def test_log_levels_are_read_in_any_case_or_as_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMGINE_LOG_LEVEL", "info")
    assert load_settings().log_level == "INFO"
    assert load_settings(log_file_level=10).log_file_level == "DEBUG"


@pytest.mark.parametrize(
    ("field", "value"),
    [("log_level", "LOUD"), ("max_tool_iterations", -1), ("request_timeout", 0)],
)
def test_a_bad_value_names_the_setting(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=field):
        load_settings(**{field: value})


def test_secrets_are_masked_everywhere_but_api_key_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", CANARY)
    settings = load_settings(openai_api_key=CANARY, xai_api_key=CANARY)
    for text in (
        repr(settings),
        str(settings),
        str(settings.describe()),
        settings.model_dump_json(),
    ):
        assert CANARY not in text
    assert settings.describe()["anthropic_api_key"] == "**********"
    assert settings.api_key_for("anthropic") == CANARY
    assert settings.secrets == (CANARY, CANARY, CANARY)


def test_settings_is_the_class_load_settings_builds() -> None:
    assert type(load_settings()) is Settings


def test_the_reply_size_limit_defaults_to_the_adapters_own() -> None:
    from llmgine.llm._replysize import DEFAULT_MAX_REPLY_BYTES

    assert load_settings().max_reply_bytes == DEFAULT_MAX_REPLY_BYTES
    with pytest.raises(ValidationError, match="max_reply_bytes"):
        load_settings(max_reply_bytes=0)
