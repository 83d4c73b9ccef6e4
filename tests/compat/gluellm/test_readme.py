"""The README the examples come from is GlueLLM's, byte for byte; every Python block of it
has exactly one test; and the only change made to a block is the one a user makes."""

from __future__ import annotations

import difflib

import pytest

from tests.compat.gluellm import test_readme_api, test_readme_support, test_readme_workflows
from tests.compat.gluellm._readme import BLOCKS, SEED_SHA256, read_blocks, rewrite, seed_digest

MODULES = (test_readme_api, test_readme_support, test_readme_workflows)


def test_the_readme_is_gluellm_s_verbatim() -> None:
    assert seed_digest() == SEED_SHA256


def test_every_python_block_of_the_readme_has_exactly_one_test() -> None:
    tested = [block for module in MODULES for block in module.CASES]
    assert sorted(tested) == sorted(BLOCKS)
    assert len(tested) == len(set(tested)) == 54


@pytest.mark.parametrize("block", sorted(BLOCKS))
def test_a_block_changes_in_its_import_lines_only(block: str) -> None:
    code = BLOCKS[block].code
    changed = [
        line
        for line in difflib.ndiff(code.splitlines(), rewrite(code).splitlines())
        if line.startswith(("- ", "+ "))
    ]
    for line in changed:
        assert line[2:].lstrip().startswith(("from ", "import ")), line
    removed = [line[2:] for line in changed if line.startswith("- ")]
    added = [line[2:] for line in changed if line.startswith("+ ")]
    assert [r.replace("gluellm.", "llmgine.compat.gluellm.", 1) for r in removed] == added
    assert "from gluellm" not in rewrite(code)
    assert "import gluellm" not in rewrite(code)


def test_blocks_are_found_under_their_headings() -> None:
    found = read_blocks("## A\n\n```python\nx = 1\n```\n\n```bash\ny\n```\n```python\nz = 2\n```\n")
    assert [(b.id, b.line, b.code) for b in found.values()] == [
        ("a", 4, "x = 1\n"),
        ("a-2", 11, "z = 2\n"),
    ]
    assert BLOCKS["simple-completion"].heading == "Simple Completion"
