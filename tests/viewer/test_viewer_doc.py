"""docs/viewer.md is true: its example prints what the page says, its picture is there, and
what it says of the command and the search language is what they do."""

from __future__ import annotations

import re
from pathlib import Path

from llmgine.cli._logs_serve import DEFAULT_PORT
from llmgine.viewer._query import KEYS
from tests.docs._blocks import ROOT, blocks, claim
from tests.docs._examples import OFFLINE, run_example

PAGE = ROOT / "docs" / "viewer.md"
_BLOCKS = blocks(PAGE)
(EXAMPLE,) = [b for b in _BLOCKS if b.info == "python"]
PRINTED = _BLOCKS[_BLOCKS.index(EXAMPLE) + 1]
claim(PAGE, [EXAMPLE.code, PRINTED.code])


def test_the_example_prints_what_the_page_says(tmp_path: Path) -> None:
    assert PAGE.read_text().count("```\n\nprints\n\n```") == 1
    done = run_example(EXAMPLE.code, tmp_path, OFFLINE)
    assert done.stdout == PRINTED.code


def test_the_picture_is_the_one_the_browser_tests_take() -> None:
    (picture,) = re.findall(r"!\[[^]]*\]\((img/[\w.]+)\)", PAGE.read_text())
    path = PAGE.parent / picture
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture == "img/viewer.png"
    assert 'docs" / "img" / "viewer.png' in (ROOT / "tests/viewer/test_browser.py").read_text()


def test_the_page_says_what_the_command_and_the_search_do() -> None:
    text = PAGE.read_text()
    assert f"{DEFAULT_PORT} by default" in text
    assert f"http://127.0.0.1:{DEFAULT_PORT}/" in text
    table = set(re.findall(r"^\| `(\w+):", text, flags=re.MULTILINE))
    assert table == set(KEYS)
    assert all(b.fragment for b in blocks(PAGE) if b.info.startswith(("console", "text")))
