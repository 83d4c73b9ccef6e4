"""``--tool MODULE:FUNCTION``: the functions a command offers the model, found by name.

The module is imported from the working folder first (as ``uvicorn app:app`` does), so a
project's own tools work without installing the project: ``llmgine complete --tool
myapp.tools:lookup "..."``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from typing import Any

_HELP = "offer the model this function (repeatable); the working folder is importable"


def add_tool_option(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, help: str = _HELP
) -> None:
    """``--tool MODULE:FUNCTION`` (repeatable) into ``args.tools``, a list of specs."""
    parser.add_argument(
        "--tool", dest="tools", action="append", default=[], metavar="MODULE:FUNCTION", help=help
    )


class ToolSpecError(ValueError):
    """A ``--tool`` value that does not name a function; the message says which."""


def load_tools(specs: list[str]) -> list[Callable[..., Any]]:
    """The functions ``specs`` name (``package.module:function``), in order."""
    return [_load(spec) for spec in specs]


def _load(spec: str) -> Callable[..., Any]:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ToolSpecError(
            f"--tool {spec!r}: write it as MODULE:FUNCTION, e.g. myapp.tools:lookup"
        )
    if "" not in sys.path:
        sys.path.insert(0, "")  # the working folder, as `python -m` has it
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ToolSpecError(f"--tool {spec!r}: cannot import {module_name!r} ({exc})") from exc
    function = getattr(module, attribute, None)
    if not callable(function):
        raise ToolSpecError(f"--tool {spec!r}: {module_name!r} has no function {attribute!r}")
    return function  # type: ignore[no-any-return]
