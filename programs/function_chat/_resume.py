"""Resuming a session made with another model: keep that model, unless told otherwise.

A saved session remembers the model that answered it last. Resumed without ``--model``,
the chat goes on with that model (and says so), since the conversation was shaped by it;
with ``--model``, the chat uses the one asked for (and says what the session had). A stored
model that cannot be used here (no key for it, say) is named, with the reason, and the
chat's own model is used instead.

Servers name the model that answered with a date (``gpt-4o-mini-2024-07-18``,
``claude-3-5-haiku-20241022``): those are the same model as the name without it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from llmgine.llm import LLMError

_VERSION = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$")


def same_model(first: str, second: str) -> bool:
    return _VERSION.sub("", first) == _VERSION.sub("", second)


def resumed_model(
    stored: str | None, current: str, *, asked: bool, check: Callable[[str], object]
) -> tuple[str | None, str | None]:
    """The model to use instead of ``current`` (``None``: keep it) and what to tell the
    user (``None``: nothing). ``asked``: the user named ``current`` with ``--model``;
    ``check`` raises ``ValueError`` or ``LLMError`` when a model cannot be used."""
    if stored is None or same_model(stored, current):
        return None, None
    if asked:
        return None, f"this session was made with {stored}; going on with {current} (--model)"
    try:
        check(stored)
    except (ValueError, LLMError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return (
            None,
            f"this session was made with {stored}, which cannot be used here "
            f"({reason}); going on with {current}",
        )
    return (
        stored,
        f"this session was made with {stored}, so it goes on with it (--model picks another)",
    )
