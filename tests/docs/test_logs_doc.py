"""The "Reading logs with `llmgine logs`" section of docs/observability.md is real output.

Each ``console`` block is a command and what it prints, for the newer fixture log saved
under a bus's usual file name; the test runs the command and compares, character for
character. The Python example runs on the offline stand-in and prints what the page says.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from llmgine.cli import main
from tests.docs._blocks import claim
from tests.docs._examples import OFFLINE, run_example
from tests.logs._logs import NEW_LOG

PAGE = Path(__file__).resolve().parents[2] / "docs" / "observability.md"
TITLE = "## Reading logs with `llmgine logs`\n"
LOG_NAME = "llmgine-20261202-010509-a1b2c3d4e5f6.jsonl"


def section() -> str:
    text = PAGE.read_text()
    start = text.index(TITLE)
    end = text.find("\n## ", start + len(TITLE))
    return text[start : end if end != -1 else len(text)]


CONSOLE = claim(PAGE, re.findall(r"```console\n(.*?)```", section(), flags=re.DOTALL))
PYTHON_EXAMPLE = claim(
    PAGE,
    re.findall(
        r"```python\n(.*?)```\n\nOn the offline stand-in it prints:\n\n```\n(.*?)```",
        section(),
        flags=re.DOTALL,
    )[0],
)


def test_the_section_shows_every_action() -> None:
    commands = [block.splitlines()[0] for block in CONSOLE]
    for action in ("list", "show", "stats", "search"):
        assert any(c.startswith(f"$ llmgine logs {action}") for c in commands), action


@pytest.mark.parametrize("block", CONSOLE, ids=lambda b: b.splitlines()[0][2:])
def test_console_sample(
    block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    command, _, expected = block.partition("\n")
    assert command.startswith("$ llmgine "), command
    (tmp_path / "logs").mkdir()
    shutil.copyfile(NEW_LOG, tmp_path / "logs" / LOG_NAME)
    monkeypatch.chdir(tmp_path)
    assert main(shlex.split(command)[2:]) == 0
    assert capsys.readouterr().out == expected


def test_python_example_prints_what_the_page_says(tmp_path: Path) -> None:
    code, printed = PYTHON_EXAMPLE
    done = run_example(code, tmp_path, OFFLINE)
    assert [line.rstrip() for line in done.stdout.splitlines()] == printed.splitlines()
    assert list((tmp_path / "logs").glob("llmgine-*.jsonl"))
