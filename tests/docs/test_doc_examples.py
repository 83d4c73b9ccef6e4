"""Every Python example of the concept pages runs as written, with no key and no network.

The examples choose their model with auto-detection, as a user's script would; here
``LLMGINE_MODEL`` pins it to the offline stand-in, so they run the same on every machine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs._examples import OFFLINE, python_blocks, run_example

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ["tools.md", "sessions.md", "engine.md", "api.md", "hooks.md", "observability.md"]
EXAMPLES = [
    pytest.param(page, number, block, id=f"{page}-{number}")
    for page in PAGES
    for number, block in enumerate(b for b in python_blocks(DOCS / page) if "print(" in b)
]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_a_runnable_example(page: str) -> None:
    assert any(p.values[0] == page for p in EXAMPLES)


@pytest.mark.parametrize(("page", "number", "block"), EXAMPLES)
def test_example_runs(page: str, number: int, block: str, tmp_path: Path) -> None:
    done = run_example(block, tmp_path, OFFLINE)
    assert done.stdout.strip(), "every example prints what it got"
