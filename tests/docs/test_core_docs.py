"""The examples of the core pages (the bus, the messages, the log) run as written and print
what the page says they print."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs._blocks import claim
from tests.docs._examples import OFFLINE, run_example

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ["bus.md", "messages.md", "logging.md", "bootstrap.md"]
_EXAMPLE = re.compile(r"```python\n((?:(?!```).)*)```\n\nprints\n\n```\n(.*?)```", flags=re.DOTALL)
"""A Python block followed by "prints" and the block of what it prints."""
EXAMPLES = [
    pytest.param(code, printed, id=f"{page}-{number}")
    for page in PAGES
    for number, (code, printed) in enumerate(_EXAMPLE.findall((DOCS / page).read_text()))
]
for _page in PAGES:
    for _code, _printed in _EXAMPLE.findall((DOCS / _page).read_text()):
        claim(DOCS / _page, [_code, _printed])


@pytest.mark.parametrize("page", PAGES)
def test_every_core_page_shows_what_its_examples_print(page: str) -> None:
    assert _EXAMPLE.search((DOCS / page).read_text())


@pytest.mark.parametrize(("code", "printed"), EXAMPLES)
def test_example_prints_what_the_page_says(code: str, printed: str, tmp_path: Path) -> None:
    done = run_example(code, tmp_path, OFFLINE)
    assert done.stdout == printed
