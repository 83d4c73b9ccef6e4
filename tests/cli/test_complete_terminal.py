"""``llmgine complete`` in a pseudo-terminal of 100 columns, as a person at a terminal sees it:
the answer once, tool calls and one usage line, and nothing else unless ``--verbose``."""

from __future__ import annotations

import re
from pathlib import Path

from llmgine.testing import FakeLLMServer, text, tool_call
from tests.cli._llmgine import SCRIPT
from tests.programs._chat import chat_env, server_env
from tests.programs._terminal import Terminal

ANSWER = "6 times 7 is **42**.\n\n- six\n- seven\n"
TOOL = "programs.function_chat:calculate"
USAGE = re.compile(
    r"^\[openai:gpt-4o-mini · 2 rounds · \d+ tokens \(\d+ in, \d+ out\) · [\d.]+ s\]$"
)
TREE = ("└──", "├──", "│", "┏", "┃", "━")


def run_at_terminal(folder: Path, *flags: str) -> tuple[int, str, bytes]:
    """``llmgine complete`` with a tool round and a markdown answer; its status and what
    the terminal got (plain text, raw bytes)."""
    script = [tool_call("calculate", {"expression": "6*7"}), text(ANSWER)]
    with FakeLLMServer(script) as server:
        env = chat_env(**server_env("openai", server))
        argv = [str(SCRIPT), "complete", *flags, "--tool", TOOL, "What is 6 times 7?"]
        with Terminal(["-c", _EXEC, *argv], cwd=folder, env=env, columns=100) as terminal:
            status = terminal.wait(timeout=60)
    return status, terminal.output.text, terminal.output.raw


# The terminal helper runs `python ARGS` in the pty; this makes it run the console script.
_EXEC = "import os, sys; os.execv(sys.argv[1], sys.argv[1:])"


def test_the_answer_once_and_one_usage_line(tmp_path: Path) -> None:
    status, screen, raw = run_at_terminal(tmp_path)
    assert status == 0, screen
    lines = screen.splitlines()
    assert lines == [
        "[tool] calculate(expression='6*7')",
        "[tool] calculate -> 42",
        "6 times 7 is **42**.",
        "",
        "- six",
        "- seven",
        lines[-1],
    ], screen
    assert USAGE.match(lines[-1]), lines[-1]
    assert screen.count("6 times 7 is") == 1
    assert not [mark for mark in TREE if mark in screen]
    assert "Metrics" not in screen
    assert "PromptCommand" not in screen
    assert b"\x1b" not in raw  # plain text: no colours, no cursor movement


def test_verbose_adds_the_tree_and_the_tables_after_the_answer(tmp_path: Path) -> None:
    status, screen, _ = run_at_terminal(tmp_path, "--verbose")
    assert status == 0, screen
    answer_at = screen.index("6 times 7 is **42**.\n\n- six\n- seven\n[openai:gpt-4o-mini")
    assert screen.count("6 times 7 is") == 1
    tree_at = screen.index("PromptCommand 'What is 6 times 7?'")
    assert answer_at < tree_at < screen.index("Metrics of")
    assert "── chat openai:gpt-4o-mini round 1, tool_calls" in screen
    assert "└── chat openai:gpt-4o-mini round 2, stop" in screen
    assert "┃ command" in screen
    assert max(len(line) for line in screen.splitlines()) <= 100
