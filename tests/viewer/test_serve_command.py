"""``llmgine logs serve`` as a user runs it: a process that serves until Ctrl-C."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

import orjson
import pytest

from llmgine.cli._logs_serve import start_lines, token_for
from tests.cli._llmgine import SCRIPT, run_llmgine
from tests.logs._logs import NEW_LOG
from tests.programs._chat import chat_env


def test_it_serves_the_log_folder_of_the_settings_on_loopback_until_ctrl_c(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "somewhere"
    folder.mkdir()
    shutil.copyfile(NEW_LOG, folder / "llmgine-20261202-010509-a1b2c3d4e5f6.jsonl")
    process = subprocess.Popen(
        [str(SCRIPT), "logs", "serve", "--port", "0"],
        cwd=tmp_path,
        env=chat_env(LLMGINE_LOG_DIR=str(folder)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        found = re.search(r"at (http://127\.0\.0\.1:\d+/)$", first.strip())
        assert found, first
        assert str(folder) in first
        assert "Ctrl-C stops it" in process.stdout.readline()
        with urlopen(found[1] + "api/runs", timeout=10) as response:
            runs = orjson.loads(response.read())
        assert runs["folder"] == str(folder)
        assert runs["runs"][0]["messages"] == 102
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 0, err
    assert out.strip() == "stopped"
    assert "Traceback" not in err


def test_a_missing_folder_is_one_line_and_status_1(tmp_path: Path) -> None:
    done = run_llmgine(tmp_path, "logs", "serve", "nowhere")
    assert done.status == 1
    assert done.stderr.strip().splitlines() == [
        "llmgine logs: error: no log folder 'nowhere': name one (llmgine logs serve LOG_DIR), "
        "or run an app first: a bus writes its logs to its log_dir"
    ]


def test_a_port_in_use_says_to_pick_another(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_llmgine(tmp_path, "logs", "serve", str(tmp_path), "--port", str(port))
    assert done.status == 1
    assert "pass another --port (--port 0 takes any free one)" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("port", ["70000", "web"])
def test_a_bad_port_is_a_usage_error(tmp_path: Path, port: str) -> None:
    done = run_llmgine(tmp_path, "logs", "serve", "--port", port)
    assert done.status == 2
    assert "--port" in done.stderr


def test_only_another_address_gets_a_token_and_it_is_printed() -> None:
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        assert token_for(host) is None, host
    token = token_for("0.0.0.0")
    assert token is not None
    assert len(token) >= 30
    assert token != token_for("0.0.0.0")
    lines = start_lines(Path("logs"), f"http://box:8484/#token={token}", "0.0.0.0", token)
    assert lines[0] == f"llmgine logs serve: the logs in 'logs' at http://box:8484/#token={token}"
    assert f"token: {token}" in lines
    assert start_lines(Path("logs"), "http://127.0.0.1:8484/", "127.0.0.1", None) == [
        "llmgine logs serve: the logs in 'logs' at http://127.0.0.1:8484/",
        "it only reads the logs; Ctrl-C stops it",
    ]


def test_serve_is_listed_in_the_logs_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "llmgine.cli", "logs", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env=chat_env(),
    )
    assert done.returncode == 0
    assert "--host H" in done.stdout
    assert "default 127.0.0.1" in done.stdout
