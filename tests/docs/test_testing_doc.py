"""docs/testing.md: its files are an app and its tests; saved side by side, they pass under
pytest, and they fail when the app's own tool is broken (so they test something)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.docs._blocks import claim

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "testing.md"


def page_files() -> dict[str, str]:
    """The page's Python blocks that start with ``# <file name>``, by file name."""
    files = {}
    for code in re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.DOTALL):
        named = re.match(r"# (\w+\.py)\n", code)
        if named is not None:
            files[named[1]] = code
    return files


FILES = page_files()
claim(PAGE, FILES.values())


def run_pytest(folder: Path, files: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``pytest`` in ``folder`` holding ``files``, with no key, no base URL, this llmgine."""
    for name, code in files.items():
        (folder / name).write_text(code)
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LLMGINE_") and not key.endswith(("_API_KEY", "_BASE_URL"))
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=folder,
        env=clean | {"PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)])},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_page_has_the_app_and_its_tests() -> None:
    assert set(FILES) == {
        "orders.py",
        "conftest.py",
        "test_scripted.py",
        "test_function.py",
        "test_server.py",
    }


def test_the_examples_pass(tmp_path: Path) -> None:
    done = run_pytest(tmp_path, FILES)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^6 passed in ", done.stdout, flags=re.MULTILINE), done.stdout


def test_they_fail_when_the_tool_is_broken(tmp_path: Path) -> None:
    broken = FILES["orders.py"].replace('"shipped on 2 May"', '"lost"')
    assert broken != FILES["orders.py"]
    done = run_pytest(tmp_path, FILES | {"orders.py": broken})
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"^2 failed, 4 passed in ", done.stdout, flags=re.MULTILINE), done.stdout
