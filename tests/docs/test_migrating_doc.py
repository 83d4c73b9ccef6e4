"""The examples of docs/migrating.md run as written and print what the page says they print."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs._blocks import claim
from tests.docs._examples import OFFLINE, python_blocks, run_example

PAGE = Path(__file__).resolve().parents[2] / "docs" / "migrating.md"
_EXAMPLE = re.compile(r"```python\n((?:(?!```).)*)```\n\nprints\n\n```\n(.*?)```", flags=re.DOTALL)
"""A Python block followed by "prints" and the block of what it prints."""
EXAMPLES = [
    pytest.param(code, printed, id=f"migrating-{number}")
    for number, (code, printed) in enumerate(_EXAMPLE.findall(PAGE.read_text()))
]
claim(PAGE, [text for example in EXAMPLES for text in example.values])
SHOWN = {code for code, _ in _EXAMPLE.findall(PAGE.read_text())}
OTHERS = claim(PAGE, [b for b in python_blocks(PAGE) if "print(" in b and b not in SHOWN])


def test_the_page_has_its_three_sections_in_order() -> None:
    headings = re.findall(r"^## (.+)$", PAGE.read_text(), flags=re.MULTILINE)
    assert headings == ["From the original LLMgine", "From GlueLLM", "From FreeAgentics"]


def test_the_examples_are_found() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("code", OTHERS, ids=[f"other-{n}" for n in range(len(OTHERS))])
def test_the_other_examples_run(code: str, tmp_path: Path) -> None:
    assert run_example(code, tmp_path, OFFLINE).stdout.strip()


@pytest.mark.parametrize(("code", "printed"), EXAMPLES)
def test_example_prints_what_the_page_says(code: str, printed: str, tmp_path: Path) -> None:
    done = run_example(code, tmp_path, OFFLINE)
    assert done.stdout == printed
