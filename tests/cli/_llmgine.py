"""Running the installed ``llmgine`` command as a user does: a fresh process in a folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.programs._chat import Run, chat_env

SCRIPT = Path(sys.executable).parent / "llmgine"


def run_llmgine(
    folder: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> Run:
    """``llmgine args`` in ``folder``, with no keys and this checkout's llmgine."""
    assert SCRIPT.is_file(), f"the console script is not installed next to {sys.executable}"
    done = subprocess.run(
        [str(SCRIPT), *args],
        cwd=folder,
        env=chat_env(**(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)
