"""SIGTERM to the function chat in the middle of a turn: the turn finishes, the session is
saved, the JSONL log holds the whole turn, and the program exits with status 0."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import orjson

from llmgine.engine import PromptCommand, ResponseCompletedEvent
from llmgine.logs import read_log
from llmgine.messages import CommandResult
from llmgine.testing import FakeLLMServer, RecordedRequest, Step, text
from tests._transcript import Child
from tests.programs._chat import PROGRAM, chat_env, server_env


def test_sigterm_during_a_turn(tmp_path: Path) -> None:
    arrived, release = threading.Event(), threading.Event()

    def model(request: RecordedRequest) -> Step:
        arrived.set()
        release.wait(timeout=30)
        return text("Finished before stopping.")

    with FakeLLMServer(responder=model) as server:
        env = chat_env(**server_env("anthropic", server))
        with Child([sys.executable, *PROGRAM], cwd=tmp_path, env=env) as chat:
            try:
                chat.write(b"Take your time\n")  # stdin stays open: the chat waits for more
                assert arrived.wait(timeout=30), chat.stderr.text
                chat.process.send_signal(signal.SIGTERM)
                chat.stderr.expect(r"SIGTERM: stopping; 1 turn\(s\) in flight")
            finally:
                release.set()
            assert chat.wait() == 0, chat.stderr.text
    assert chat.stdout.text == "Finished before stopping.\n"
    assert "Traceback" not in chat.stderr.text

    (path,) = (tmp_path / "sessions").glob("*.json")
    session = orjson.loads(path.read_bytes())
    assert [m["content"] for m in session["messages"]] == [
        "Take your time",
        "Finished before stopping.",
    ]
    (log,) = (tmp_path / "logs").glob("llmgine-*.jsonl")
    messages = list(read_log(log))
    (prompt,) = [m for m in messages if isinstance(m, PromptCommand)]
    assert prompt.session_id == session["id"]
    assert any(isinstance(m, ResponseCompletedEvent) for m in messages)
    results = [m for m in messages if isinstance(m, CommandResult)]
    assert [r.success for r in results if r.command_id == prompt.command_id] == [True]


def test_ctrl_c_between_turns_ends_a_piped_chat_gracefully(tmp_path: Path) -> None:
    with Child([sys.executable, *PROGRAM], cwd=tmp_path, env=chat_env()) as chat:
        chat.write(b"What is 2+3?\n")  # stdin stays open: the chat waits for more
        chat.stdout.expect(r"calculate returned: 5")
        chat.stderr.expect(r"\[offline:stand-in · 2 rounds")
        chat.process.send_signal(signal.SIGINT)
        assert chat.wait() == 0, chat.stderr.text
    assert "is saved; resume it with --session" in chat.stderr.text
    assert "Traceback" not in chat.stderr.text
