"""docs/gmn.md is true: its examples print what it says, its GMN blocks load, its table of
codes is the code's, and its ``llmgine gmn`` commands print what it shows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from llmgine.cli import main
from llmgine.gmn import CODES, load, validate
from tests.docs._blocks import claim
from tests.docs._examples import OFFLINE, run_example

PATH = Path(__file__).resolve().parents[2] / "docs" / "gmn.md"
PAGE = PATH.read_text()
EXAMPLES = re.findall(r"```python\n(.*?)```\n\nIt prints:\n\n```\n(.*?)```", PAGE, flags=re.DOTALL)
FILES = dict(re.findall(r"File `([\w.]+)`:\n\n```gmn\n(.*?)```", PAGE, flags=re.DOTALL))
BLOCKS = re.findall(r"```(?:gmn|json)\n(.*?)```", PAGE, flags=re.DOTALL)
CONSOLE = re.findall(r"```console\n(.*?)```", PAGE, flags=re.DOTALL)
claim(PATH, [text for pair in EXAMPLES for text in pair])
claim(PATH, [*FILES.values(), *BLOCKS, *CONSOLE])


def test_the_page_has_examples_files_and_commands() -> None:
    assert len(EXAMPLES) == 2
    assert set(FILES) == {"corridor.gmn", "broken.gmn"}
    assert len(CONSOLE) == 2


@pytest.mark.parametrize(("code", "printed"), EXAMPLES, ids=["first-model", "pymdp-agent"])
def test_python_example_prints_what_the_page_says(code: str, printed: str, tmp_path: Path) -> None:
    done = run_example(code, tmp_path, OFFLINE)
    assert done.stdout.splitlines() == printed.splitlines()


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.splitlines()[0][:30])
def test_every_gmn_and_json_block_loads(block: str) -> None:
    document = load(block)
    assert document.model.states


def test_the_corridor_on_the_page_is_clean() -> None:
    assert validate(FILES["corridor.gmn"]).issues == ()


def test_the_table_lists_every_code_once() -> None:
    rows = re.findall(r"^\| ([EW]\d{3}) \| (error|warning) \|", PAGE, flags=re.MULTILINE)
    assert [code for code, _ in rows] == list(CODES)
    assert all(severity == ("error" if code[0] == "E" else "warning") for code, severity in rows)


@pytest.mark.parametrize("block", CONSOLE, ids=lambda b: b.splitlines()[0][2:])
def test_console_sample(
    block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    command, _, expected = block.partition("\n")
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    status = main(shlex.split(command)[2:])
    assert capsys.readouterr().out == expected
    assert status == (1 if " error(s)" in expected and "\n0 error(s)" not in expected else 0)
