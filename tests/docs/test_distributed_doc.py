"""docs/distributed.md: its example runs as written (it starts a nats-server of its own), and
so does its walk-through: a server, two workers and the chat as a front end, as processes."""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from llmgine.transports.nats._server import free_port
from tests.docs._blocks import claim
from tests.docs._examples import OFFLINE, python_blocks, run_example
from tests.programs._chat import chat_env

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "distributed.md"
EXAMPLE = claim(PAGE, [b for b in python_blocks(PAGE) if "print(" in b])


def test_the_first_example_greets_across_two_buses(tmp_path: Path) -> None:
    [block] = EXAMPLE
    done = run_example(block, tmp_path, OFFLINE)
    assert done.stdout.strip() == "Hello, Ada!"


def walk_through() -> list[str]:
    """The command lines of the walk-through, in order (comments left out)."""
    text = PAGE.read_text()
    after = text[text.index("<!-- walk-through") :]
    found = re.search(r"```sh\n(.*?)```", after, flags=re.DOTALL)
    assert found is not None
    claim(PAGE, [found.group(1)])
    return [line for line in found.group(1).splitlines() if line and not line.startswith("#")]


WALK_THROUGH = walk_through()  # claimed when the module is read


def as_argv(line: str, url: str) -> list[str]:
    """A line of the page as this test runs it: this Python, another port."""
    words = shlex.split(line.replace("nats://127.0.0.1:4222", url))
    if words[0] == "llmgine":
        return [sys.executable, "-m", "llmgine.cli", *words[1:]]
    assert words[0] == "./run_function_chat.sh"
    return [sys.executable, "-m", "programs.function_chat", *words[1:]]


@pytest.mark.timeout(120)
def test_the_walk_through_runs_a_chat_on_two_workers(tmp_path: Path) -> None:
    up_line, worker_line, chat_line = WALK_THROUGH
    port, monitor = free_port(), free_port()
    url = f"nats://127.0.0.1:{port}"
    env = chat_env(**OFFLINE, PYTHONUNBUFFERED="1", LLMGINE_SESSIONS_DIR=str(tmp_path / "sessions"),
                   LLMGINE_LOG_DIR=str(tmp_path / "logs"))  # fmt: skip
    started: list[subprocess.Popen[str]] = []
    readers: list[threading.Thread] = []

    def start(argv: list[str], ready: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)  # fmt: skip
        started.append(process)
        said = threading.Event()
        lines: list[str] = []

        def read() -> None:  # drains the pipe until the process ends
            assert process.stdout is not None
            with process.stdout:
                for line in process.stdout:
                    lines.append(line)
                    if ready in line:
                        said.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        readers.append(reader)
        assert said.wait(30), f"{argv} did not say {ready!r}: {lines}"
        return process

    try:
        up = [*as_argv(up_line, url), "--port", str(port), "--monitor-port", str(monitor),
              "--dir", str(tmp_path / "nats-data")]  # fmt: skip
        start(up, "Ctrl-C stops.")
        for _ in range(2):
            start(as_argv(worker_line, url), "llmgine worker: serving chat turns")
        chat = subprocess.run(
            as_argv(chat_line, url), cwd=ROOT, env=env, capture_output=True, text=True,
            input="What is 12*7?\nWhat is the weather in Paris?\n", timeout=60,
        )  # fmt: skip
        for process in reversed(started):
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
    finally:
        for process in started:
            process.kill()
            process.wait(timeout=10)
        for reader in readers:
            reader.join(timeout=10)
    assert chat.returncode == 0, chat.stderr
    assert f"turns run on the workers of {url}" in chat.stderr
    assert "calculate returned: 84" in chat.stdout
    assert "Paris: 18°C" in chat.stdout
    [saved] = (tmp_path / "sessions").glob("*.json")
    session = json.loads(saved.read_text())
    asked = [m["content"] for m in session["messages"] if m["role"] == "user"]
    assert asked == ["What is 12*7?", "What is the weather in Paris?"]  # one history, whole
