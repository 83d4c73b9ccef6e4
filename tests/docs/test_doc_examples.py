"""Every Python example of the concept pages runs as written, with no key and no network;
an example followed by "prints" and a block prints exactly that block.

The examples choose their model with auto-detection, as a user's script would; here
``LLMGINE_MODEL`` pins it to the offline stand-in, so they run the same on every machine.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs._blocks import claim
from tests.docs._examples import OFFLINE, python_blocks, run_example

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ["tools.md", "sessions.md", "engine.md", "api.md", "hooks.md", "observability.md"]
_PRINTS = re.compile(r"```python\n((?:(?!```).)*)```\n\nprints\n\n```\n(.*?)```", flags=re.DOTALL)
"""A Python block followed by "prints" and the block of what it prints."""


def printed_by(page: str) -> dict[str, str]:
    return dict(_PRINTS.findall((DOCS / page).read_text()))


EXAMPLES = [
    pytest.param(page, number, block, printed_by(page).get(block), id=f"{page}-{number}")
    for page in PAGES
    for number, block in enumerate(
        claim(DOCS / page, (b for b in python_blocks(DOCS / page) if "print(" in b))
    )
]
for _page in PAGES:
    claim(DOCS / _page, printed_by(_page).values())


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_a_runnable_example(page: str) -> None:
    assert any(p.values[0] == page for p in EXAMPLES)


@pytest.mark.parametrize(("page", "number", "block", "printed"), EXAMPLES)
def test_example_runs(
    page: str, number: int, block: str, printed: str | None, tmp_path: Path
) -> None:
    done = run_example(block, tmp_path, OFFLINE)
    assert done.stdout.strip(), "every example prints what it got"
    if printed is not None:
        assert done.stdout == printed
