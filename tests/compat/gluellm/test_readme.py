"""The blocks the examples come from are GlueLLM's README's, verbatim; every Python block of
it has exactly one test; and the only change made to a block is the one a user makes."""

from __future__ import annotations

import difflib

import pytest

from tests.compat._readme_code import extractor, manifest
from tests.compat.gluellm import test_readme_api, test_readme_support, test_readme_workflows
from tests.compat.gluellm._readme import BLOCKS, README, rewrite

MODULES = (test_readme_api, test_readme_support, test_readme_workflows)

README_SHA256 = "e6ed51ea04828feb21b3b41c6e0c6de5d8d32ce857921c234908826b8a2c14b5"
"""Of GlueLLM's README as llmgine grew from it (``../shared/seeds/000_c531897ca50e536a.txt``)."""


def test_the_blocks_are_those_of_gluellm_s_readme_verbatim() -> None:
    entry = manifest()[README]
    assert entry["readme_sha256"] == README_SHA256
    # Each block's hash is checked as it is read (BLOCKS), against the one extract.py recorded.
    assert list(BLOCKS) == [block["file"] for block in entry["blocks"]]  # type: ignore[attr-defined]


def test_every_python_block_of_the_readme_has_exactly_one_test() -> None:
    tested = [block for module in MODULES for block in module.CASES]
    assert sorted(tested) == sorted(BLOCKS)
    assert len(tested) == len(set(tested)) == 54


@pytest.mark.parametrize("block", sorted(BLOCKS))
def test_a_block_changes_in_its_import_lines_only(block: str) -> None:
    code = BLOCKS[block]
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
    found = extractor().blocks(
        "## A\n\n```python\nx = 1\n```\n\n```bash\ny\n```\n```python\nz = 2\n```\n"
    )
    assert found == [("01-a.py", 4, "x = 1\n"), ("02-a.py", 11, "z = 2\n")]
    # Under "Default Provider", after a shell block whose "# .env file" is no heading.
    assert list(BLOCKS)[:6] == [
        "01-simple-completion.py",
        "02-tool-execution.py",
        "03-structured-output.py",
        "04-model-specification-format.py",
        "05-switching-providers.py",
        "06-default-provider.py",
    ]
