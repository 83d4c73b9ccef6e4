"""The programs use llmgine only through its public API (SPEC section 2).

Every ``llmgine`` import under ``programs/`` must name a public module (no ``_private``
part) and, for ``from ... import name``, a name that module lists in ``__all__`` (or a
public subpackage of it). What a program needs and the API lacks belongs in the library.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).resolve().parents[2] / "programs"


def llmgine_imports(path: Path) -> Iterator[tuple[int, str, str | None]]:
    """``(line, module, name)`` of each llmgine import; ``name`` is None for ``import m``."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "llmgine":
                    yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            for alias in node.names if node.module.split(".")[0] == "llmgine" else ():
                yield node.lineno, node.module, alias.name


def problems_of(path: Path) -> list[str]:
    found = []
    for line, module, name in llmgine_imports(path):
        where = f"{path.name}:{line}"
        if any(part.startswith("_") for part in module.split(".")):
            found.append(f"{where} imports the private module {module!r}")
            continue
        if name is None:
            continue
        public = set(getattr(importlib.import_module(module), "__all__", ()))
        if name not in public and not _public_subpackage(module, name):
            found.append(f"{where} imports {name!r}, which {module!r} does not export")
    return found


def _public_subpackage(module: str, name: str) -> bool:
    if name.startswith("_"):
        return False
    try:
        importlib.import_module(f"{module}.{name}")
    except ImportError:
        return False
    return True


SOURCES = sorted(PROGRAMS.rglob("*.py"))


def test_there_are_programs_to_check() -> None:
    assert any(path.name == "bot.py" for path in SOURCES)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PROGRAMS)))
def test_programs_import_only_public_names(path: Path) -> None:
    assert problems_of(path) == []


def test_the_check_catches_private_imports(tmp_path: Path) -> None:
    fake = tmp_path / "bad.py"
    fake.write_text(
        "from llmgine.llm._env import redact\n"
        "import llmgine.bus._bus\n"
        "from llmgine.bus import _bus\n"
        "from llmgine.engine import Turn\n"
        "from llmgine.engine import ToolChatEngine\n"
        "from llmgine import bus\n"
    )
    problems = problems_of(fake)
    assert len(problems) == 4, problems
    assert "bad.py:1 imports the private module 'llmgine.llm._env'" in problems[0]
