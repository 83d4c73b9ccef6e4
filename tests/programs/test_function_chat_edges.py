"""The edges of the function chat, as a user meets them through a pipe: each is one line,
the right exit status, and nothing of the conversation lost."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from llmgine.testing import FakeLLMServer, Fault, text, tool_call
from tests.programs._chat import PROGRAM, chat_env, closed_port, run_piped, server_env

WAIT = 30.0


def wait_until(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the chat did not get there in time"
        time.sleep(0.02)


def test_a_turn_that_runs_out_of_tool_rounds_says_so(tmp_path: Path) -> None:
    asking = tool_call("calculate", {"expression": "1+1"})
    with FakeLLMServer([asking] * 3) as server:
        env = server_env("openai", server) | {"LLMGINE_MAX_TOOL_ITERATIONS": "2"}
        run = run_piped(tmp_path, "Add it up.\n/exit\n", env=env)
    assert run.status == 0, run.stderr  # the chat goes on; only the turn was cut short
    assert run.stderr.count("[tool] calculate -> 2") == 2
    (note,) = [line for line in run.stderr.splitlines() if line.startswith("stopped after")]
    assert note == (
        "stopped after 2 tool rounds with the model still asking for 1 more tool call, "
        "so this answer may be unfinished; raise LLMGINE_MAX_TOOL_ITERATIONS to allow more rounds"
    )


def test_a_sessions_folder_that_is_a_file_is_one_line_before_the_chat(tmp_path: Path) -> None:
    (tmp_path / "sessions").write_text("not a folder")
    run = run_piped(tmp_path, "What is 2+3?\n/exit\n")
    assert run.status == 2
    assert run.stdout == ""
    (line,) = run.stderr.splitlines()
    assert line == (
        "error: cannot start: cannot use the sessions folder in 'sessions': 'sessions' is a "
        "file, not a folder; move it away, or set LLMGINE_SESSIONS_DIR to another folder"
    )
    assert (tmp_path / "sessions").read_text() == "not a folder"


def test_a_folder_lost_during_the_chat_is_one_line_a_turn_and_the_log_keeps_it(
    tmp_path: Path,
) -> None:
    chat = subprocess.Popen(
        [sys.executable, *PROGRAM],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=chat_env(),
        text=True,
    )
    try:
        assert chat.stdin is not None
        chat.stdin.write("What is 2+3?\n")
        chat.stdin.flush()

        def named() -> bool:
            files = list((tmp_path / "sessions").glob("*.json"))
            return bool(files) and orjson.loads(files[0].read_bytes())["name"] == "What is 2+3?"

        wait_until(named)  # the first turn is saved, its name too
        shutil.rmtree(tmp_path / "sessions")
        (tmp_path / "sessions").write_text("in the way")
        out, err = chat.communicate("What is 4+3?\n/exit\n", timeout=WAIT)
    finally:
        if chat.poll() is None:
            chat.kill()
            chat.communicate()
    assert chat.returncode == 2
    assert "calculate returned: 7" in out  # the turn was answered all the same
    assert "Traceback" not in err
    problem = "'sessions' is a file, not a folder; move it away"
    lines = [line for line in err.splitlines() if problem in line]
    assert len(lines) == 2  # the failed save of the turn, then the last word
    assert "the session stays in memory, the next change saves it" in lines[0]
    (log,) = (tmp_path / "logs").glob("llmgine-*.jsonl")
    assert lines[1].startswith("error: cannot save session ")
    assert lines[1].endswith(f"this run's turns are in the log 'logs/{log.name}'")
    assert b"What is 4+3?" in log.read_bytes()


def test_an_mlflow_server_that_does_not_answer_is_one_line_and_status_2(tmp_path: Path) -> None:
    uri = f"http://127.0.0.1:{closed_port()}"
    run = run_piped(tmp_path, "Hi\n", env={"LLMGINE_MLFLOW_TRACKING_URI": uri})
    assert run.status == 2
    (line,) = run.stderr.splitlines()
    assert line.startswith(f"error: cannot start: could not reach the MLflow server at {uri!r}")
    assert "unset LLMGINE_MLFLOW_TRACKING_URI" in line


def test_an_otlp_endpoint_nobody_listens_on_is_one_warning_and_a_quick_goodbye(
    tmp_path: Path,
) -> None:
    typed = "What is 2+3?\n/exit\n"
    for side in ("plain", "traced"):
        (tmp_path / side).mkdir()
    started = time.monotonic()
    plain = run_piped(tmp_path / "plain", typed)
    plain_seconds = time.monotonic() - started
    endpoint = f"http://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    traced = run_piped(tmp_path / "traced", typed, env={"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint})
    traced_seconds = time.monotonic() - started
    assert plain.status == traced.status == 0, traced.stderr
    assert "calculate returned: 5" in traced.stdout
    (warning,) = [line for line in traced.stderr.splitlines() if "OpenTelemetry" in line]
    assert f"nothing answers at the OpenTelemetry endpoint {endpoint}" in warning
    assert "Traceback" not in traced.stderr
    assert traced_seconds < plain_seconds + 2.5


def test_a_retry_is_not_written_over_the_chat(tmp_path: Path) -> None:
    script = [Fault.rate_limit(retry_after=0), text("Fine, thanks.")]
    with FakeLLMServer(script) as server:
        env = server_env("openai", server) | {"LLMGINE_RETRY_MAX_ATTEMPTS": "2"}
        run = run_piped(tmp_path, "How are you?\n/exit\n", env=env)
    assert run.status == 0, run.stderr
    assert run.stdout == "Fine, thanks.\n"
    assert "RateLimitError" not in run.stderr
    assert (
        "attempt 1/2 failed with RateLimitError" in (tmp_path / "logs" / "llmgine.log").read_text()
    )
