"""Taking the spec out of a model's answer, fenced or not.

Models put code in fenced blocks (```gmn ... ```), often with a sentence before or after,
sometimes with a second block (an explanation in Python, say). The spec is the first block
whose language is GMN-like (``gmn``, ``text``, ``json``, none...), else the first block. A
block whose closing fence never came (the answer hit its token limit) runs to the end.
An answer without a fence is taken from its first line that starts a GMN document (``node``,
``[nodes]``, ``{``, a ``#`` comment), or whole. What is taken is validated next, so a wrong
cut costs a repair round, never a wrong result.
"""

from __future__ import annotations

import re

_OPENING = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?P<tag>[^\s`]*)[^\n]*$", re.MULTILINE)
_SPEC_TAGS = frozenset({"", "gmn", "gnn", "text", "txt", "plaintext", "json", "yaml", "toml"})
_SPEC_START = re.compile(r"^[ \t]*(?:node\s|\[nodes\]|\{|#)", re.MULTILINE)


def extract_spec(answer: str) -> tuple[str, bool]:
    """The spec in ``answer``, and whether it came from a fenced block."""
    blocks = list(_fenced_blocks(answer))
    if blocks:
        chosen = next((body for tag, body in blocks if tag in _SPEC_TAGS), blocks[0][1])
        return _tidy(chosen), True
    start = _SPEC_START.search(answer)
    text = answer[start.start() :] if start else answer
    return _tidy(text), False


def _tidy(text: str) -> str:
    """Without blank lines around it, ending in one newline (nothing, if it is empty)."""
    text = text.strip("\n").rstrip()
    return text + "\n" if text else ""


def _fenced_blocks(answer: str) -> list[tuple[str, str]]:
    """``(language tag, body)`` of each fenced block, in order."""
    blocks: list[tuple[str, str]] = []
    position = 0
    while (opening := _OPENING.search(answer, position)) is not None:
        fence = opening.group("fence")
        body_start = opening.end() + 1
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.MULTILINE)
        close = closing.search(answer, body_start)
        end = close.start() if close else len(answer)
        blocks.append((opening.group("tag").lower(), answer[body_start:end]))
        if close is None:
            break
        position = close.end()
    return blocks
