"""A real SIGTERM to a program run by ``ApplicationBootstrap.run``, in the middle of a turn:
the turn finishes, the session is saved, the shutdown callback runs, the log is flushed and
the process exits with status 0."""

from __future__ import annotations

import os
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

PROGRAM = """
import asyncio
import sys

from llmgine.bootstrap import ApplicationBootstrap
from llmgine.engine import PromptCommand


async def main(app: ApplicationBootstrap) -> int:
    app.on_shutdown(lambda: print("shutdown callback ran", flush=True))
    await app.bus.execute(PromptCommand(prompt="Hello", session_id="held-turn"))
    await asyncio.Event().wait()  # the stop ends main
    return 5


sys.exit(ApplicationBootstrap().run(main))
"""


def test_sigterm_during_a_turn(tmp_path: Path) -> None:
    arrived, release = threading.Event(), threading.Event()

    def held(request: RecordedRequest) -> Step:
        arrived.set()
        release.wait(timeout=30)
        return text("Hello back")

    (tmp_path / "program.py").write_text(PROGRAM)
    with FakeLLMServer(responder=held) as server:
        env = os.environ | {
            "LLMGINE_MODEL": "openai:gpt-4o-mini",
            "OPENAI_API_KEY": "sk-test-sigterm",
            "OPENAI_BASE_URL": server.openai_base_url,
            "LLMGINE_SESSIONS_DIR": str(tmp_path / "sessions"),
            "LLMGINE_LOG_DIR": str(tmp_path / "logs"),
        }
        with Child([sys.executable, "program.py"], cwd=tmp_path, env=env) as child:
            try:
                assert arrived.wait(timeout=30), child.stderr.text
                child.process.send_signal(signal.SIGTERM)
                child.stderr.expect(
                    r"SIGTERM: stopping; 1 turn\(s\) in flight get up to 10 s to finish"
                )
            finally:
                release.set()
            assert child.wait() == 0, child.stderr.text
    assert "shutdown callback ran" in child.stdout.text
    assert "Traceback" not in child.stderr.text

    saved = orjson.loads((tmp_path / "sessions" / "held-turn.json").read_bytes())
    assert [m["content"] for m in saved["messages"]] == ["Hello", "Hello back"]
    (log,) = (tmp_path / "logs").glob("llmgine-*.jsonl")
    messages = list(read_log(log))
    command = messages[0]
    assert isinstance(command, PromptCommand)
    assert any(isinstance(m, ResponseCompletedEvent) for m in messages)
    results = [m for m in messages if isinstance(m, CommandResult)]
    assert [r.success for r in results if r.command_id == command.command_id] == [True]
