"""The edges of an app, each one clear line: retries kept off the console, an OTLP endpoint
or an MLflow server that does not answer, a sessions folder that cannot be used."""

from __future__ import annotations

import errno
import logging
import shutil
import time
import traceback
from pathlib import Path

import pytest

from llmgine.bootstrap import ApplicationBootstrap
from llmgine.config import Settings, load_settings
from llmgine.context import SessionStorageError
from llmgine.context import _store_files as store_files
from llmgine.engine import PromptCommand, TurnResult
from llmgine.sinks import TracingSetupError
from llmgine.testing import FakeLLMServer, Fault, text
from tests.bootstrap.conftest import closed_port

OFFLINE = "offline:stand-in"


def settings(tmp_path: Path, **fields: object) -> Settings:
    return load_settings(sessions_dir=tmp_path / "sessions", log_dir=tmp_path / "logs", **fields)


def prompt(text: str, session_id: str = "s1") -> PromptCommand:
    return PromptCommand(prompt=text, session_id=session_id)


# -- retries: in the log file, not over the chat ------------------------------------------


@pytest.mark.parametrize(("level", "on_console"), [("WARNING", False), ("INFO", True)])
async def test_a_retry_is_logged_to_the_file_and_to_the_console_only_at_info(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], level: str, on_console: bool
) -> None:
    async with FakeLLMServer([Fault.rate_limit(retry_after=0), text("Fine.")]) as server:
        config = settings(
            tmp_path, model="openai:gpt-4o-mini", openai_api_key="sk-test",
            openai_base_url=server.openai_base_url, retry_max_attempts=2, log_level=level,
        )  # fmt: skip
        async with ApplicationBootstrap(config) as app:
            result = await app.bus.execute(prompt("Hi"))
    assert isinstance(result.result, TurnResult), result.error
    retried = "attempt 1/2 failed with RateLimitError"
    assert retried in (tmp_path / "logs" / "llmgine.log").read_text()
    assert (retried in capsys.readouterr().err) is on_console


# -- OpenTelemetry and MLflow that do not answer ------------------------------------------


async def stop_seconds(app: ApplicationBootstrap) -> float:
    async with app:
        result = await app.bus.execute(prompt("What is 2 + 2?"))
        assert result.success, result.error
        started = time.monotonic()
    return time.monotonic() - started


async def test_an_otlp_endpoint_nobody_listens_on_is_one_warning_and_no_slow_stop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    plain = await stop_seconds(ApplicationBootstrap(settings(tmp_path / "plain", model=OFFLINE)))
    endpoint = f"http://127.0.0.1:{closed_port()}"
    traced = ApplicationBootstrap(
        settings(tmp_path / "traced", model=OFFLINE, otel_exporter_endpoint=endpoint)
    )
    caplog.set_level(logging.WARNING, logger="opentelemetry")
    assert await stop_seconds(traced) < plain + 2.0
    console = capsys.readouterr().err.splitlines()
    (warning,) = [line for line in console if "OpenTelemetry" in line]
    assert f"nothing answers at the OpenTelemetry endpoint {endpoint}/v1/traces" in warning
    assert "unset OTEL_EXPORTER_OTLP_ENDPOINT" in warning
    assert [r.getMessage() for r in caplog.records if r.name.startswith("opentelemetry")] == []


async def test_an_mlflow_server_that_does_not_answer_is_one_clear_line(tmp_path: Path) -> None:
    uri = f"http://127.0.0.1:{closed_port()}"
    app = ApplicationBootstrap(settings(tmp_path, model=OFFLINE, mlflow_tracking_uri=uri))
    with pytest.raises(TracingSetupError) as caught:
        await app.start()
    error = caught.value
    assert str(error).startswith(f"could not reach the MLflow server at {uri!r}")
    assert "ConnectionRefusedError" in str(error)
    assert "unset LLMGINE_MLFLOW_TRACKING_URI" in str(error)
    assert "\n" not in str(error)
    assert error.__cause__ is None  # urllib's chain adds nothing the line does not say
    assert len("".join(traceback.format_exception(error)).splitlines()) < 40
    assert app.state == "closed"


# -- a sessions folder that cannot be used ------------------------------------------------


async def test_an_app_refuses_to_start_on_a_sessions_folder_that_is_a_file(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "sessions"
    folder.write_text("not a folder")
    app = ApplicationBootstrap(settings(tmp_path, model=OFFLINE))
    with pytest.raises(SessionStorageError) as caught:
        await app.start()
    assert str(caught.value) == (
        f"cannot use the sessions folder in {str(folder)!r}: {str(folder)!r} is a file, not "
        f"a folder; move it away, or set LLMGINE_SESSIONS_DIR to another folder"
    )
    assert app.state == "closed"
    assert folder.read_text() == "not a folder"


async def test_a_sessions_folder_that_becomes_a_file_is_one_clear_error_and_loses_nothing(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "sessions"
    async with ApplicationBootstrap(settings(tmp_path, model=OFFLINE)) as app:
        shutil.rmtree(folder, ignore_errors=True)
        folder.write_text("not a folder")
        first = await app.bus.execute(prompt("What is 2 + 2?"))
        assert first.success  # the answer stands; only its save failed
        conversation = await app.context.session("s1")
        with pytest.raises(SessionStorageError) as caught:
            app.store.save(conversation.to_record())
        assert str(caught.value) == (
            f"cannot save session 's1' in {str(folder)!r}: {str(folder)!r} is a file, not a "
            f"folder; move it away, or set LLMGINE_SESSIONS_DIR to another folder"
        )
        assert caught.value.path == folder
        assert isinstance(caught.value, OSError)
        assert app.context.save_error("s1") is not None
        folder.unlink()  # the user moves the file away, and the next turn saves them both
        await app.bus.execute(prompt("And 3 + 3?"))
        assert app.context.save_error("s1") is None
    assert [m.content for m in app.store.load("s1").messages if m.role == "user"] == [
        "What is 2 + 2?",
        "And 3 + 3?",
    ]


@pytest.mark.parametrize(
    ("failing", "code", "advice"),
    [
        ("replace", errno.EACCES, "permission denied; give this user read and write access"),
        ("fsync", errno.ENOSPC, "the disk is full; free some space"),
    ],
)
async def test_a_folder_that_cannot_be_written_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str, code: int, advice: str
) -> None:
    async with ApplicationBootstrap(settings(tmp_path, model=OFFLINE)) as app:
        await app.bus.execute(prompt("What is 2 + 2?"))
        saved = app.store.path("s1").read_bytes()
        conversation = await app.context.session("s1")

        def fail(*args: object) -> None:
            raise OSError(code, "refused by the test")  # root may write anywhere: simulated

        monkeypatch.setattr(store_files.os, failing, fail)
        with pytest.raises(SessionStorageError) as caught:
            app.store.save(conversation.to_record())
        monkeypatch.undo()
    message = str(caught.value)
    assert message.startswith(f"cannot save session 's1' in {str(tmp_path / 'sessions')!r}: ")
    assert advice in message
    assert "or set LLMGINE_SESSIONS_DIR to another folder" in message
    assert caught.value.errno == code
    assert app.store.path("s1").read_bytes() == saved  # the file on disk is as it was


# -- settings: GlueLLM's names, and typos ---------------------------------------------------


async def test_a_gluellm_dotenv_reaches_the_app_and_a_typo_is_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("llmgine.config._warned", set())
    (tmp_path / ".env").write_text(
        "LLMGINE_DEFAULT_MODEL=offline:stand-in\n"
        "LLMGINE_DEFAULT_SYSTEM_PROMPT=Be brief.\n"
        "LLMGINE_MAX_TOOL_ITERATIONS=2\n"
        "LLMGINE_SESION_DIR=elsewhere\n"
    )
    with caplog.at_level(logging.WARNING, logger="llmgine.config"):
        async with ApplicationBootstrap() as app:
            assert app.model == "offline:stand-in"
            assert app.context.system_prompt == "Be brief."
            assert app.engine.max_tool_rounds == 2
            assert app.settings.sessions_dir == Path("sessions")  # the typo moved nothing
    assert [r.getMessage() for r in caplog.records if r.name == "llmgine.config"] == [
        "LLMGINE_SESION_DIR is set, but no setting reads it; did you mean LLMGINE_SESSIONS_DIR?"
    ]
