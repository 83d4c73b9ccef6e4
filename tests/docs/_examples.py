"""Running a documentation example as a user would: a script of its own, in a fresh process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

OFFLINE = {"LLMGINE_MODEL": "offline:stand-in"}
"""Pins auto-detection to the offline stand-in, so an example answers the same everywhere."""


def python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.DOTALL)


def run_example(
    code: str, folder: Path, env: dict[str, str], *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` as ``folder/example.py`` with the machine's own keys and model settings
    removed from the environment and ``env`` added; fails the test on a non-zero exit
    unless ``check`` is False."""
    script = folder / "example.py"
    script.write_text(code)
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LLMGINE_") and not key.endswith(("_API_KEY", "_BASE_URL"))
    }
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=folder,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done
