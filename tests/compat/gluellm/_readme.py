"""The Python blocks of GlueLLM's README, taken verbatim, and running one as a user would.

``BLOCKS`` maps each block's file under ``tests/compat/seeds/gluellm/`` (copied from the
README by ``seeds/extract.py`` and named after the heading above it, ``01-simple-completion.py``)
to its code, read by ``tests/compat/_readme_code.block``, which checks the hash recorded
when the block was copied.

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
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.compat._readme_code import block as checked_block
from tests.compat._readme_code import manifest

README = "gluellm"
"""Its name in ``seeds/MANIFEST.json`` and its folder under ``seeds/``."""

BLOCKS: dict[str, str] = {
    entry["file"]: checked_block(README, entry["file"])
    for entry in manifest()[README]["blocks"]  # type: ignore[attr-defined]
}

_IMPORT = re.compile(r"^(\s*(?:from|import)\s+)gluellm\.", flags=re.MULTILINE)


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
