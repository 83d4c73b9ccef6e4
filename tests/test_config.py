"""Settings: where each value comes from, and that secrets stay masked."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import ValidationError

from llmgine.config import Settings, load_settings, setting_variables, unknown_variables

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


GLUELLM_DOTENV = """\
# GlueLLM's .env (README, "Environment Variables"), its prefix renamed
LLMGINE_DEFAULT_MODEL=openai:gpt-4o-mini
LLMGINE_DEFAULT_SYSTEM_PROMPT=You are a helpful assistant.
LLMGINE_MAX_TOOL_ITERATIONS=7
LLMGINE_RETRY_MAX_ATTEMPTS=4
LLMGINE_RETRY_MIN_WAIT=2
LLMGINE_RETRY_MAX_WAIT=30
LLMGINE_RETRY_MULTIPLIER=1
LLMGINE_LOG_LEVEL=INFO
LLMGINE_LOG_FILE_LEVEL=DEBUG
LLMGINE_LOG_DIR=gluellm-logs
LLMGINE_LOG_FILE_NAME=gluellm.log
LLMGINE_LOG_JSON_FORMAT=true
LLMGINE_LOG_MAX_BYTES=10485760
LLMGINE_LOG_BACKUP_COUNT=3
LLMGINE_ENABLE_TRACING=true
LLMGINE_MLFLOW_TRACKING_URI=http://127.0.0.1:5000
LLMGINE_MLFLOW_EXPERIMENT_NAME=gluellm
LLMGINE_OPENAI_API_KEY=sk-gluellm-0123456789
"""


@pytest.fixture
def warnings_said(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no unknown variable warned about yet in this process."""
    monkeypatch.setattr("llmgine.config._warned", set())


@pytest.mark.usefixtures("warnings_said")
def test_a_gluellm_dotenv_with_our_prefix_is_read_whole(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / ".env").write_text(GLUELLM_DOTENV)
    settings = load_settings()
    assert settings.model == "openai:gpt-4o-mini"
    assert settings.system_prompt == "You are a helpful assistant."
    assert settings.max_tool_iterations == 7
    assert (settings.retry_max_attempts, settings.retry_initial_wait) == (4, 2.0)
    assert (settings.retry_max_wait, settings.retry_multiplier) == (30.0, 1.0)
    assert (settings.log_level, settings.log_file_level) == ("INFO", "DEBUG")
    assert (settings.log_dir, settings.log_file_name) == (Path("gluellm-logs"), "gluellm.log")
    assert settings.log_json_format
    assert (settings.log_max_bytes, settings.log_backup_count) == (10485760, 3)
    assert settings.tracing
    assert settings.mlflow_tracking_uri == "http://127.0.0.1:5000"
    assert settings.mlflow_experiment_name == "gluellm"
    assert settings.api_key_for("openai") == "sk-gluellm-0123456789"
    assert caplog.records == []  # every name of it is read by a setting


def test_our_names_win_over_gluellm_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMGINE_DEFAULT_MODEL", "openai:from-gluellm-name")
    monkeypatch.setenv("LLMGINE_MODEL", "anthropic:from-our-name")
    monkeypatch.setenv("LLMGINE_RETRY_MIN_WAIT", "9")
    monkeypatch.setenv("LLMGINE_RETRY_INITIAL_WAIT", "1")
    settings = load_settings()
    assert settings.model == "anthropic:from-our-name"
    assert settings.retry_initial_wait == 1.0
    assert load_settings(model="openai:argument").model == "openai:argument"


@pytest.mark.usefixtures("warnings_said")
def test_a_variable_no_setting_reads_is_one_warning_naming_the_closest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("LLMGINE_RETRY_MAX_ATEMPTS", "5")
    (tmp_path / ".env").write_text("LLMGINE_LOG_LEVL=debug\nLLMGINE_XAI_BASE_URL=http://x\n")
    with caplog.at_level(logging.WARNING, logger="llmgine.config"):
        settings = load_settings()
        load_settings()  # once per name and process, not per load
    assert settings.retry_max_attempts == 3  # the typo changed nothing: hence the warning
    assert sorted(r.getMessage() for r in caplog.records) == [
        "LLMGINE_LOG_LEVL is set, but no setting reads it; did you mean LLMGINE_LOG_LEVEL?",
        "LLMGINE_RETRY_MAX_ATEMPTS is set, but no setting reads it; did you mean "
        "LLMGINE_RETRY_MAX_ATTEMPTS?",
    ]


def test_every_setting_and_gluellm_alias_is_a_known_variable() -> None:
    known = setting_variables()
    assert known["LLMGINE_MODEL"] == known["LLMGINE_DEFAULT_MODEL"] == "model"
    assert known["LLMGINE_RETRY_MIN_WAIT"] == "retry_initial_wait"
    assert known["LLMGINE_ENABLE_TRACING"] == "tracing"
    assert known["LLMGINE_OTEL_EXPORTER_ENDPOINT"] == "otel_exporter_endpoint"
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in known  # not ours to warn about
    assert set(known.values()) == set(Settings.model_fields)
    assert unknown_variables({"LLMGINE_SESION_DIR": "x", "OTHER": "y"}) == {
        "LLMGINE_SESION_DIR": "LLMGINE_SESSIONS_DIR"
    }


def test_loading_again_reads_only_what_changed_and_gives_a_copy_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Settings] = []
    original = Settings.__init__

    def counting(self: Settings, **values: object) -> None:
        built.append(self)
        original(self, **values)

    monkeypatch.setattr(Settings, "__init__", counting)
    first = load_settings(max_tool_iterations=4)
    again = load_settings(max_tool_iterations=4)
    assert len(built) == 1  # nothing changed: not parsed again
    assert again == first
    assert again is not first
    again.model = "openai:changed-by-the-caller"
    assert load_settings(max_tool_iterations=4).model is None

    (tmp_path / ".env").write_text("LLMGINE_MODEL=ollama:a\n")
    assert load_settings(max_tool_iterations=4).model == "ollama:a"
    (tmp_path / ".env").write_text("LLMGINE_MODEL=ollama:b\n")  # same size, same moment
    assert load_settings(max_tool_iterations=4).model == "ollama:b"
    monkeypatch.setenv("LLMGINE_MODEL", "openai:from-env")
    assert load_settings(max_tool_iterations=4).model == "openai:from-env"
    assert load_settings(max_tool_iterations=5).max_tool_iterations == 5
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("LLMGINE_MODEL")
    assert load_settings(max_tool_iterations=5).model is None  # no .env here
    assert len(built) == 6
