"""Running a seed README's code block as its reader would: a script of its own, in a fresh
process, with only the mechanical rewrite the migration asks for.

The blocks are the files under ``seeds/``, copied verbatim from the READMEs by
``seeds/extract.py``; ``block`` refuses one whose text no longer matches the hash recorded
when it was copied. ``run_block`` puts the test's completion before or after the block (a
fragment needs one; each test says what and why), rewrites FreeAgentics' ``from llm
import`` to ``from llmgine.compat.freeagentics.llm import``, and runs the whole as one
script with top-level ``await`` allowed, under ``asyncio.run``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

SEEDS = Path(__file__).resolve().parent / "seeds"

_RUNNER = """\
import ast
import asyncio
import inspect

SOURCE = {source!r}
code = compile(SOURCE, "readme_block.py", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
outcome = eval(code, {{"__name__": "__main__"}})
if inspect.iscoroutine(outcome):  # the block awaits at top level: run it in an event loop
    asyncio.run(outcome)
"""


def manifest() -> dict[str, dict[str, object]]:
    return json.loads((SEEDS / "MANIFEST.json").read_text())  # type: ignore[no-any-return]


def extractor() -> ModuleType:
    """``seeds/extract.py``, loaded as a module."""
    spec = importlib.util.spec_from_file_location("extract", SEEDS / "extract.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def block(readme: str, name: str) -> str:
    """The code of block ``name`` of ``readme``, checked against its recorded hash."""
    entry = next(b for b in manifest()[readme]["blocks"] if b["file"] == name)  # type: ignore[attr-defined]
    code = (SEEDS / readme / name).read_text()
    assert hashlib.sha256(code.encode()).hexdigest() == entry["sha256"], (
        f"seeds/{readme}/{name} is not the README's block any more: run seeds/extract.py"
    )
    return code


def rewritten(code: str) -> str:
    """The one change a FreeAgentics reader makes: the import of its ``llm`` module."""
    return re.sub(
        r"^(\s*)from llm import ", r"\1from llmgine.compat.freeagentics.llm import ", code,
        flags=re.MULTILINE,
    )  # fmt: skip


def run_block(
    code: str,
    folder: Path,
    env: dict[str, str] | None = None,
    *,
    before: str = "",
    after: str = "",
) -> subprocess.CompletedProcess[str]:
    """Run ``before``, the rewritten block and ``after`` as one script in ``folder``, with
    the machine's keys, base URLs and model choices removed from the environment, no Ollama
    to find, and ``env`` added; fails the test on a non-zero exit."""
    source = "\n".join(part for part in (before, rewritten(code), after) if part)
    script = folder / "readme_block_runner.py"
    script.write_text(_RUNNER.format(source=source))
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LLMGINE_", "OPENAI_", "ANTHROPIC_", "OLLAMA_", "LLM_"))
    }
    clean["OLLAMA_HOST"] = "127.0.0.1:9"  # nothing listens there
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=folder,
        env=clean | (env or {}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done
