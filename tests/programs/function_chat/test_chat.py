"""FunctionChat on a started app, fed lines in process: turns, sessions, slash commands."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import pytest

from llmgine.bootstrap import ApplicationBootstrap
from llmgine.config import load_settings
from llmgine.context import SessionStore
from programs.function_chat import DEMO_TOOLS, ChatOptions, ChatView, FunctionChat


class Lines:
    """A reader that types ``lines`` one by one, then ends the input."""

    interactive = False

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = list(lines)

    async def read(self, prompt: str) -> str | None:
        return self.lines.pop(0) if self.lines else None


async def chat(
    tmp_path: Path, lines: Iterable[str], options: ChatOptions | None = None
) -> tuple[str, str, FunctionChat]:
    settings = load_settings(
        model="offline:stand-in", sessions_dir=tmp_path / "sessions", log_dir=tmp_path / "logs"
    )
    out, err = io.StringIO(), io.StringIO()
    async with ApplicationBootstrap(settings, tools=DEMO_TOOLS, setup_logging=False) as app:
        program = FunctionChat(app, ChatView(out, err), Lines(lines), options or ChatOptions())
        assert await program.run() == 0
    return out.getvalue(), err.getvalue(), program


async def test_a_turn_calls_the_calculator_and_the_session_is_saved(tmp_path: Path) -> None:
    out, err, program = await chat(tmp_path, ["What is 2+3?"])
    assert "calculate returned: 5" in out
    assert "[tool] calculate(expression='2+3')" in err
    assert "[tool] calculate -> 5" in err
    assert err.count("offline stand-in") == 1  # said once, at the start
    (summary,) = SessionStore(tmp_path / "sessions").list()
    assert (summary.id, summary.name, summary.message_count) == (
        program.session_id,
        "What is 2+3?",
        4,
    )
    assert f"resume it with --session {program.session_id}" in err


async def test_a_session_resumes_with_its_history(tmp_path: Path) -> None:
    _, _, first = await chat(tmp_path, ["What is 2+3?"], ChatOptions(session_name="Sums"))
    _, err, again = await chat(tmp_path, ["What is 4*5?"], ChatOptions(session_id=first.session_id))
    assert again.session_id == first.session_id
    assert f"session {first.session_id} resumed (4 messages)" in err
    (summary,) = SessionStore(tmp_path / "sessions").list()
    assert (summary.name, summary.message_count) == ("Sums", 8)


async def test_every_slash_command(tmp_path: Path) -> None:
    out, err, program = await chat(
        tmp_path,
        [
            "/help",
            "/tools",
            "/system",
            "/system Answer in one word.",
            "/system",
            "What is 2+3?",
            "/sessions",
            "/clear",
            "/model",
            "/model offline:other",
            "/model nowhere:thing",
            "/model openai:gpt-4o-mini",
            "/frobnicate",
            "/",
            "/exit",
            "What is 9+9?",  # never read: /exit ended the chat
        ],
    )
    lines = out.splitlines()
    assert "/help              show this help" in lines
    assert "/model [name]      show or change the model, e.g. openai:gpt-4o" in lines
    assert "//text             send a message that starts with /" in lines
    assert "Alt-Enter, Ctrl-J  a new line in the message (Enter sends it)" in lines
    assert any(
        line.startswith("get_weather(location, unit)  The current weather") for line in lines
    )
    assert any(line.startswith("calculate(expression)  Evaluate") for line in lines)
    assert lines.count("no system prompt is set") == 1
    assert "system prompt: Answer in one word." in lines
    assert any(line.startswith(f"* {program.session_id}  What is 2+3?") for line in lines)
    assert "history cleared (the session, its name and system prompt are kept)" in lines
    assert "model: offline:stand-in" in lines
    assert "model: offline:other" in lines
    assert "error: no provider is registered for 'nowhere'" in err
    assert "error: openai:gpt-4o-mini: no API key" in err
    assert "error: unknown command '/frobnicate'; /help lists the commands, and a" in err
    assert "error: unknown command '/'; /help lists the commands" in err
    assert "9+9" not in out + err
    saved = SessionStore(tmp_path / "sessions").load(program.session_id)
    assert saved.system_prompt == "Answer in one word."
    assert saved.messages == []  # /clear came after the turn


@pytest.mark.parametrize("line", ["/quit", "/EXIT"])
async def test_quit_is_exit(tmp_path: Path, line: str) -> None:
    out, _, _ = await chat(tmp_path, [line, "/help"])
    assert out == ""
