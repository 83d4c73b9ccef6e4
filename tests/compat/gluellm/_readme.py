"""The Python blocks of GlueLLM's README, taken verbatim, and running one as a user would.

``BLOCKS`` holds every block fenced as ``python`` in ``tests/compat/seeds/gluellm-README.txt``
(a byte-for-byte copy, checked by its SHA-256), in order, each under an id made from the
heading above it (``simple-completion``; a second block under one heading gets ``-2``).

``rewrite`` is the one change a user makes: ``gluellm.`` becomes ``llmgine.compat.gluellm.``
in ``from``/``import`` lines. ``execute`` runs the rewritten code in a namespace, the way
a notebook or ``python -m asyncio`` would: a block with ``await`` at the top level is
compiled as one coroutine and run with ``asyncio.run``; a block with an ``asyncio.run`` of
its own runs as it is. What it prints is captured.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEED = Path(__file__).resolve().parents[1] / "seeds" / "gluellm-README.txt"
SEED_SHA256 = "e6ed51ea04828feb21b3b41c6e0c6de5d8d32ce857921c234908826b8a2c14b5"
"""Of GlueLLM's README as llmgine grew from it (``../shared/seeds/000_c531897ca50e536a.txt``)."""

_FENCE = re.compile(r"^```(\w*)$")
_IMPORT = re.compile(r"^(\s*(?:from|import)\s+)gluellm\.", flags=re.MULTILINE)


@dataclass(frozen=True)
class Block:
    id: str
    heading: str
    line: int
    """The line of the README where the block's code starts."""
    code: str

    @property
    def rewritten(self) -> str:
        return rewrite(self.code)


def read_blocks(text: str) -> dict[str, Block]:
    blocks: dict[str, Block] = {}
    seen: dict[str, int] = {}
    heading = ""
    fence: str | None = None
    start = 0
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        opening = _FENCE.match(line)
        if fence is None and line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif fence is None and opening is not None:
            fence, start, lines = opening[1], number + 1, []
        elif fence is not None and line.startswith("```"):
            if fence == "python":
                slug = re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")
                seen[slug] = seen.get(slug, 0) + 1
                name = slug if seen[slug] == 1 else f"{slug}-{seen[slug]}"
                blocks[name] = Block(name, heading, start, "\n".join(lines) + "\n")
            fence = None
        elif fence is not None:
            lines.append(line)
    return blocks


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def seed_digest() -> str:
    return hashlib.sha256(SEED.read_bytes()).hexdigest()


BLOCKS = read_blocks(seed_text())


def rewrite(code: str) -> str:
    """The block as a GlueLLM user moving to llmgine writes it: only the imports change."""
    return _IMPORT.sub(r"\1llmgine.compat.gluellm.", code)


@dataclass
class Ran:
    """What running a block left: its printed text and its variables."""

    printed: str
    namespace: dict[str, Any]

    @property
    def lines(self) -> list[str]:
        return self.printed.splitlines()

    def __getitem__(self, name: str) -> Any:
        return self.namespace[name]


def execute(code: str, namespace: dict[str, Any] | None = None, *, name: str = "block") -> Ran:
    """Run ``code`` (top-level ``await`` allowed) in ``namespace``, capturing its prints."""
    namespace = {"__name__": "__main__"} if namespace is None else namespace
    namespace.setdefault("__name__", "__main__")
    compiled = compile(code, name, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        pending = eval(compiled, namespace)
        if pending is not None:
            asyncio.run(pending)
    return Ran(out.getvalue(), namespace)


Case = Callable[..., None]
"""A test of one block: takes the ``example`` fixture, and any other fixture it names."""


def register(cases: dict[str, Case]) -> Callable[[str], Callable[[Case], Case]]:
    """A decorator that files a test function as the case of one README block."""

    def case(block: str) -> Callable[[Case], Case]:
        if block not in BLOCKS:
            raise KeyError(f"the README has no Python block {block!r}")

        def file(function: Case) -> Case:
            if block in cases:
                raise KeyError(f"two cases for block {block!r}")
            cases[block] = function
            return function

        return file

    return case


def run_case(cases: dict[str, Case], block: str, example: Any, request: Any) -> None:
    """Run the case of ``block`` with ``example`` and the other fixtures it names."""
    run = cases[block]
    wanted = run.__code__.co_varnames[: run.__code__.co_argcount]
    extra = {name: request.getfixturevalue(name) for name in wanted if name != "example"}
    run(example, **extra)
