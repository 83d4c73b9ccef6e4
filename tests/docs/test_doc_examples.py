"""Every Python example of the concept pages runs as written, with no key and no network.

The examples choose their model with auto-detection, as a user's script would; here
``LLMGINE_MODEL`` pins it to the offline stand-in, so they run the same on every machine.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ["tools.md", "sessions.md", "engine.md", "api.md", "hooks.md"]
EXAMPLES = [
    pytest.param(page, number, block, id=f"{page}-{number}")
    for page in PAGES
    for number, block in enumerate(
        b
        for b in re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), re.DOTALL)
        if "print(" in b
    )
]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_a_runnable_example(page: str) -> None:
    assert any(p.values[0] == page for p in EXAMPLES)


@pytest.mark.parametrize(("page", "number", "block"), EXAMPLES)
def test_example_runs(page: str, number: int, block: str, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(block)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LLMGINE_") and not key.endswith(("_API_KEY", "_BASE_URL"))
    }
    env["LLMGINE_MODEL"] = "offline:stand-in"
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), "every example prints what it got"
