"""Which saved session a user means: ``SessionStore.resolve`` after the exact id.

A reference is, in this order: the word ``latest`` (the most recently updated readable
session), else every session whose name equals it (ignoring case and runs of spaces) or
whose id starts with it (4 characters or more, ignoring case). One match is the answer;
several are an ``AmbiguousSessionError`` naming them, none a ``SessionNotFoundError`` saying
what was tried. Never a guess: a name and a prefix fitting two sessions are ambiguous too.
Pure: it reads only the summaries it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from llmgine.context._store_errors import AmbiguousSessionError, SessionNotFoundError

if TYPE_CHECKING:
    from llmgine.context._store import SessionSummary

LATEST = "latest"
MIN_PREFIX = 4


def pick(ref: str, summaries: Sequence[SessionSummary], directory: Path) -> str:
    """The id of the one session ``ref`` names among ``summaries`` (newest first)."""
    wanted = ref.strip()
    if wanted.casefold() == LATEST:
        newest = next((s for s in summaries if s.error is None), None)
        if newest is None:
            raise SessionNotFoundError(ref, directory, reason="there are no saved sessions yet")
        return newest.id
    name = _folded(wanted)
    prefix = wanted.casefold() if len(wanted) >= MIN_PREFIX else None
    matches = [
        s
        for s in summaries
        if (name and s.error is None and _folded(s.name) == name)
        or (prefix is not None and s.id.casefold().startswith(prefix))
    ]
    if len(matches) == 1:
        return matches[0].id
    if matches:
        raise AmbiguousSessionError(ref, directory, matches)
    if prefix is None:
        reason = (
            f"no session has that id or name, and an id prefix needs {MIN_PREFIX} "
            "characters or more"
        )
    else:
        reason = "no session has that id or name, nor an id starting with it"
    raise SessionNotFoundError(ref, directory, reason=reason)


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()
