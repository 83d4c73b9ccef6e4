"""Every code block of the README and docs/ runs in a test or is marked as a fragment.

The test modules that run blocks note them with ``tests.docs._blocks.claim``; this test
imports each of them (every test module that calls ``claim``) and then looks at every
block of every page. A block added to a page is either covered by a test or marked
```` ```<language> fragment ````, on purpose.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.docs._blocks import PAGES, ROOT, Block, blocks, claimed

TESTS = ROOT / "tests"


def claiming_modules() -> list[str]:
    names = []
    for path in sorted(TESTS.rglob("*.py")):
        if path.name == "_blocks.py" or "claim(" not in path.read_text():
            continue
        names.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return names


@pytest.fixture(scope="module")
def every_block() -> list[Block]:
    for name in claiming_modules():
        importlib.import_module(name)
    return [block for page in PAGES for block in blocks(page)]


def test_the_claiming_modules_are_found() -> None:
    names = claiming_modules()
    assert "tests.docs.test_doc_examples" in names
    assert "tests.docs.test_readme" in names


def test_every_block_is_run_or_marked_as_a_fragment(every_block: list[Block]) -> None:
    loose = [f"{b.where} ```{b.info}" for b in every_block if not b.fragment and not claimed(b)]
    assert not loose, (
        "these code blocks are neither run by a test (tests.docs._blocks.claim) nor marked "
        "as fragments (```<language> fragment):\n  " + "\n  ".join(loose)
    )


def test_no_block_is_both_run_and_marked(every_block: list[Block]) -> None:
    both = [b.where for b in every_block if b.fragment and claimed(b)]
    assert not both, f"marked as fragments but run by a test: {both}"


def test_a_page_of_blocks_is_read_whole(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("text\n\n```python\nprint(1)\n```\n\n```text fragment\nout\n```\n")
    first, second = blocks(page)
    assert (first.line, first.info, first.code, first.fragment) == (
        3,
        "python",
        "print(1)\n",
        False,
    )
    assert (second.line, second.info, second.fragment) == (7, "text fragment", True)
