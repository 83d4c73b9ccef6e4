"""The function chat in a pseudo-terminal, typed at as a person would: the prompt with its
history, markdown rendered as it streams, Ctrl-C cancelling a turn, Ctrl-D leaving."""

from __future__ import annotations

import threading
from pathlib import Path

import orjson
import pytest

from llmgine.testing import FakeLLMServer, RecordedRequest, Step, text
from tests.programs._chat import PROGRAM, chat_env, server_env
from tests.programs._terminal import Terminal

PROMPT = r"you>"


def test_offline_chat_with_history_and_ctrl_d(tmp_path: Path) -> None:
    with Terminal([*PROGRAM], cwd=tmp_path, env=chat_env()) as terminal:
        terminal.expect(r"offline stand-in")
        terminal.expect(PROMPT)
        terminal.type("What is 2+3?\r")
        terminal.expect(r"\[tool\] calculate\(expression='2\+3'\)")
        terminal.expect(r"\[tool\] calculate -> 5")
        terminal.expect(r"calculate returned: 5")
        terminal.expect(r"\[offline:stand-in · 2 rounds · \d+ tokens")
        terminal.expect(PROMPT)
        terminal.type("/tools\r")
        terminal.expect(r"calculate\(expression\)")
        terminal.expect(PROMPT)
        terminal.type("\x1b[A\r")  # arrow up: the last line again, from the history
        terminal.expect(r"/tools")
        terminal.expect(r"calculate\(expression\)")
        terminal.expect(PROMPT)
        terminal.type("\x04")  # Ctrl-D on an empty line
        terminal.expect(r"is saved; resume it with --session")
        assert terminal.wait() == 0
    assert "Traceback" not in terminal.output.text
    history = (tmp_path / "sessions" / ".history").read_text()
    assert "+What is 2+3?" in history
    assert "+/tools" in history


@pytest.mark.parametrize("adapter", ["openai", "anthropic"])
def test_the_answer_is_rendered_as_markdown(adapter: str, tmp_path: Path) -> None:
    script = [text("Here is **bold** and a list:\n\n- one\n- two\n")]
    with FakeLLMServer(script) as server:
        env = chat_env(**server_env(adapter, server))
        with Terminal([*PROGRAM], cwd=tmp_path, env=env) as terminal:
            terminal.expect(PROMPT)
            terminal.type("Show me markdown\r")
            terminal.expect(r"Here is bold and a list:")
            terminal.expect(r"• one")
            terminal.expect(r"• two")
            terminal.expect(PROMPT)
            terminal.type("/exit\r")
            assert terminal.wait() == 0
        assert server.requests[0].stream
    assert "**bold**" not in terminal.output.text


def test_ctrl_c_cancels_the_turn_and_the_chat_goes_on(tmp_path: Path) -> None:
    arrived, release = threading.Event(), threading.Event()

    def model(request: RecordedRequest) -> Step:
        if request.number == 1:
            arrived.set()
            release.wait(timeout=30)  # a reply that takes its time
            return text("This reply is never shown.")
        return text("Still here.")

    with FakeLLMServer(responder=model) as server:
        env = chat_env(**server_env("openai", server))
        with Terminal([*PROGRAM], cwd=tmp_path, env=env) as terminal:
            try:
                terminal.expect(PROMPT)
                terminal.type("Tell me a very long story\r")
                assert arrived.wait(timeout=30), terminal.output.text
                terminal.type("\x03")  # Ctrl-C: SIGINT from the terminal
                terminal.expect(r"turn cancelled; the conversation is as it was before it")
                terminal.expect(PROMPT)
                terminal.type("Are you there?\r")
                terminal.expect(r"Still here\.")
                terminal.expect(PROMPT)
                terminal.type("/exit\r")
                assert terminal.wait() == 0
            finally:
                release.set()
    assert "never shown" not in terminal.output.text
    (path,) = (tmp_path / "sessions").glob("*.json")
    messages = orjson.loads(path.read_bytes())["messages"]
    assert [m["content"] for m in messages] == ["Are you there?", "Still here."]
    (log,) = (tmp_path / "logs").glob("llmgine-*.jsonl")
    assert b'"type":"TurnCancelledEvent"' in log.read_bytes()
