"""The version is written in one place, ``llmgine/version.py``, and read from there."""

from __future__ import annotations

import tomllib
from pathlib import Path

import llmgine
import llmgine.version

ROOT = Path(__file__).resolve().parents[1]


def test_the_top_level_package_re_exports_the_version() -> None:
    assert llmgine.__version__ is llmgine.version.__version__


def test_pyproject_reads_the_version_from_the_version_module() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())

    assert "version" not in project["project"], "write the version in llmgine/version.py only"
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["hatch"]["version"]["path"] == "llmgine/version.py"
