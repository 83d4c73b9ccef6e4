"""Comparing two model requests field by field: the key of a request, and where two differ.

A request is compared as JSON, in the order a reader would look: the model first, then the
messages in order (role, content, tool calls, tool results), then the tool schemas, then
the options. Each leaf has a path such as ``messages[0].content`` or
``tools[1].parameters.properties.city.type``; the first leaf that differs names the
difference. Pure functions, no I/O.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from llmgine.llm import LLMRequest

_MISSING = object()
_WINDOW = 36  # characters shown either side of where two texts part
_DIFF_LINES = 8


def request_data(model: str, request: LLMRequest) -> dict[str, Any]:
    """The request as JSON data, its model first: what a replay compares."""
    return {"model": model, **request.model_dump(mode="json")}


def request_key(data: dict[str, Any]) -> str:
    """A digest of ``request_data``: equal for requests a provider could not tell apart."""
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of ``value`` with its path, in document order."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from leaves(item, f"{path}.{name}" if path else str(name))
    elif isinstance(value, list):
        if not value:
            yield path, []
        for index, item in enumerate(value):
            yield from leaves(item, f"{path}[{index}]")
    else:
        yield path, value


@dataclass(frozen=True)
class Difference:
    """Where a request first differs from a recorded one, and the two values there."""

    path: str
    recorded: Any
    actual: Any

    def describe(self) -> str:
        """The path and a short diff of the two values, over a few lines."""
        return f"{self.path}:\n{short_diff(self.recorded, self.actual)}"


def differences(recorded: Any, actual: Any, path: str = "") -> Iterator[Difference]:
    """The leaves where ``actual`` differs from ``recorded``, in document order."""
    if isinstance(recorded, dict) and isinstance(actual, dict):
        for name in [*recorded, *(k for k in actual if k not in recorded)]:
            inner = f"{path}.{name}" if path else str(name)
            yield from differences(recorded.get(name, _MISSING), actual.get(name, _MISSING), inner)
    elif isinstance(recorded, list) and isinstance(actual, list):
        for index in range(max(len(recorded), len(actual))):
            yield from differences(
                recorded[index] if index < len(recorded) else _MISSING,
                actual[index] if index < len(actual) else _MISSING,
                f"{path}[{index}]",
            )
    elif recorded != actual or type(recorded) is not type(actual):
        yield Difference(path, recorded, actual)


def first_difference(recorded: dict[str, Any], actual: dict[str, Any]) -> Difference | None:
    return next(differences(recorded, actual), None)


def closeness(recorded: dict[str, Any], actual: dict[str, Any]) -> tuple[int, int]:
    """How near ``actual`` is to ``recorded``: the number of leading leaves they share, and
    minus the number of leaves that differ (larger is nearer on both)."""
    shared = 0
    for (p1, v1), (p2, v2) in zip(leaves(recorded), leaves(actual), strict=False):
        if p1 != p2 or v1 != v2:
            break
        shared += 1
    return shared, -sum(1 for _ in differences(recorded, actual))


def short_diff(recorded: Any, actual: Any) -> str:
    """Two values side by side, texts cut down to where they part (or a few diff lines)."""
    if recorded is _MISSING:
        return f"  recorded: (nothing)\n  now:      {_shown(actual)}"
    if actual is _MISSING:
        return f"  recorded: {_shown(recorded)}\n  now:      (nothing)"
    if isinstance(recorded, str) and isinstance(actual, str):
        if "\n" in recorded or "\n" in actual:
            lines = difflib.unified_diff(
                recorded.splitlines(), actual.splitlines(), "recorded", "now", n=1, lineterm=""
            )
            shown = [line for line in list(lines)[2:] if not line.startswith("@@")]
            more = len(shown) > _DIFF_LINES
            body = "\n".join(f"  {line}" for line in shown[:_DIFF_LINES])
            return body + ("\n  ..." if more else "")
        start = _parting(recorded, actual)
        return f"  recorded: {_excerpt(recorded, start)}\n  now:      {_excerpt(actual, start)}"
    return f"  recorded: {_shown(recorded)}\n  now:      {_shown(actual)}"


def _parting(a: str, b: str) -> int:
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return min(len(a), len(b))


def _excerpt(text: str, at: int) -> str:
    start = max(0, at - _WINDOW)
    end = at + _WINDOW
    head = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    return head + repr(text[start:end]) + tail


def _shown(value: Any) -> str:
    text = orjson.dumps(value).decode() if not isinstance(value, str) else repr(value)
    return text if len(text) <= 2 * _WINDOW + 8 else text[: 2 * _WINDOW] + "…"
