"""``./run_function_chat.sh`` through a pipe, as the README's first command.

When the repository's ``.venv`` is installed and up to date (as ``run_tests.sh`` leaves it),
the script itself runs there; otherwise (a suite run from another environment) a copy of the
script runs in a checkout of its own whose ``.venv`` is this Python, stamped as installed.
Either way the script must run the chat without installing anything.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from tests.programs._chat import REPO, chat_env

STAMPS = (".installed", ".installed-chat")


def _up_to_date(root: Path) -> bool:
    venv = root / ".venv"
    if not (venv / "bin" / "python").exists():
        return False
    changed = (root / "pyproject.toml").stat().st_mtime
    return any((venv / s).exists() and (venv / s).stat().st_mtime >= changed for s in STAMPS)


def _checkout(folder: Path) -> Path:
    """The script, the program and pyproject.toml, with a .venv that is this Python."""
    root = folder / "checkout"
    (root / "programs").mkdir(parents=True)
    for name in ("run_function_chat.sh", "pyproject.toml", "programs/__init__.py"):
        shutil.copy2(REPO / name, root / name)
    shutil.copytree(
        REPO / "programs" / "function_chat",
        root / "programs" / "function_chat",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    python = root / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    (root / ".venv" / ".installed-chat").touch()
    return root


def _stamps(root: Path) -> dict[str, float]:
    venv = root / ".venv"
    return {s: (venv / s).stat().st_mtime for s in STAMPS if (venv / s).exists()}


def test_the_script_runs_the_chat_through_a_pipe(tmp_path: Path) -> None:
    root = REPO if _up_to_date(REPO) else _checkout(tmp_path)
    assert _up_to_date(root)
    assert os.access(root / "run_function_chat.sh", os.X_OK)
    before = _stamps(root)
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(
        [str(root / "run_function_chat.sh")],
        input="What is 2+3?\n/exit\n",
        cwd=work,
        env=chat_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "calculate returned: 5" in done.stdout
    assert "==>" not in done.stdout + done.stderr  # nothing was created or installed
    assert _stamps(root) == before
    assert len(list((work / "sessions").glob("*.json"))) == 1  # in the folder it ran from
