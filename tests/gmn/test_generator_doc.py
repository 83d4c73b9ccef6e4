"""docs/gmn.md is true about the generator: its examples print what the page says, its
tables name the package's commands and events, and its command-line session prints what
it shows. (``tests/docs/test_gmn_doc.py`` checks the notation's part of the page.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

import llmgine.gmn
from llmgine.gmn import validate
from tests.docs._blocks import claim
from tests.docs._examples import OFFLINE, run_example
from tests.gmn._generation import run_cli

PATH = Path(__file__).resolve().parents[2] / "docs" / "gmn.md"
PAGE = PATH.read_text()
PART = PAGE[PAGE.index("## The generator on the bus") : PAGE.index("## How this differs")]
EXAMPLES = re.findall(
    r"```python\n(.*?\n)```\n\nOutput[^\n]*:\n\n```text\n(.*?\n)```", PART, flags=re.DOTALL
)
SESSIONS = re.findall(r"```shell\n(.*?)```", PART, flags=re.DOTALL)
claim(PATH, [*(text for pair in EXAMPLES for text in pair), *SESSIONS])


def test_the_part_has_its_examples_and_a_session() -> None:
    assert len(EXAMPLES) == 3
    assert len(SESSIONS) == 1


@pytest.mark.parametrize(("code", "printed"), EXAMPLES, ids=["repair", "offline", "factory"])
def test_python_example_prints_what_the_page_says(code: str, printed: str, tmp_path: Path) -> None:
    done = run_example(code, tmp_path, OFFLINE)
    assert done.stdout.splitlines() == printed.splitlines()


def test_the_tables_name_every_command_and_event() -> None:
    rows = "\n".join(line for line in PART.splitlines() if line.startswith("| `"))
    names = [name for name in llmgine.gmn.__all__ if name.endswith(("Command", "Event"))]
    assert len(names) == 11
    assert [name for name in names if f"`{name}" not in rows] == []


@pytest.mark.parametrize("session", SESSIONS, ids=["offline"])
def test_the_command_line_session_prints_what_the_page_shows(session: str, tmp_path: Path) -> None:
    commands = re.split(r"^\$ ", session, flags=re.MULTILINE)[1:]
    for command in commands:
        line, _, expected = command.partition("\n")
        words = shlex.split(line)
        assert words[0] == "llmgine"
        target = None
        if ">" in words:
            words, target = words[: words.index(">")], words[words.index(">") + 1]
        done = run_cli(*words[1:], cwd=tmp_path, env=OFFLINE)
        if target is None:
            assert done.stdout + done.stderr == expected, line
        else:
            assert done.stderr == expected, line
            (tmp_path / target).write_text(done.stdout)
            assert validate((tmp_path / target).read_text()).issues == ()
        assert done.returncode == 0, line
