"""The examples of docs/workflows.md run as written and print what the page says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs._blocks import claim
from tests.docs._examples import OFFLINE, python_blocks, run_example

PAGE = Path(__file__).resolve().parents[2] / "docs" / "workflows.md"
_EXAMPLE = re.compile(r"```python\n((?:(?!```).)*)```\n\nprints\n\n```\n(.*?)```", flags=re.DOTALL)
EXAMPLES = _EXAMPLE.findall(PAGE.read_text())
claim(PAGE, [text for pair in EXAMPLES for text in pair])


def test_every_example_of_the_page_says_what_it_prints() -> None:
    assert len(EXAMPLES) == len(python_blocks(PAGE)) == 11


@pytest.mark.parametrize(
    ("code", "printed"), EXAMPLES, ids=[f"example-{n}" for n in range(len(EXAMPLES))]
)
def test_example_prints_what_the_page_says(code: str, printed: str, tmp_path: Path) -> None:
    assert run_example(code, tmp_path, OFFLINE).stdout == printed
