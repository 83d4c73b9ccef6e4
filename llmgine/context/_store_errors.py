"""The errors of the session store, one tree::

    SessionError                    every failure of the store
    ├── InvalidSessionIdError       the id breaks the id rule (also a ValueError)
    ├── SessionNotFoundError        no session for that id, name or prefix (also a LookupError)
    ├── AmbiguousSessionError       a name or id prefix that fits several sessions (also a
    │                               LookupError); it names a few of them
    ├── CorruptSessionError         the file is not JSON, not an object, or not a session
    └── SessionStorageError         the folder cannot be used: it is a file, it cannot be
                                    read or written, its disk is full (also an OSError)

Each message says what to do next.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmgine.context._store import SessionSummary

ID_RULE = "1 to 128 characters: ASCII letters, digits, '_' or '-', starting with a letter or digit"
SUFFIX = ".json"
_LISTED = 5  # candidates an ambiguity error names


class SessionError(Exception):
    """A session could not be stored or read."""


class InvalidSessionIdError(SessionError, ValueError):
    """A session id that could name a file outside the folder, or is otherwise not allowed."""

    def __init__(self, session_id: object) -> None:
        super().__init__(session_id)
        self.session_id = session_id

    def __str__(self) -> str:
        return f"invalid session id {self.session_id!r}: a session id is {ID_RULE}"


class SessionNotFoundError(SessionError, LookupError):
    """No session with that id (or, from ``SessionStore.resolve``, that name or prefix).

    ``session_id`` is what was asked for; ``reason``, when given, replaces the usual
    "no file" explanation (``resolve`` says what it tried).
    """

    def __init__(self, session_id: str, directory: Path, reason: str | None = None) -> None:
        super().__init__(session_id, directory)
        self.session_id = session_id
        self.directory = directory
        self.reason = reason

    def __str__(self) -> str:
        reason = self.reason or f"no file {self.session_id + SUFFIX!r}"
        return (
            f"no session {self.session_id!r} in {str(self.directory)!r} ({reason}); "
            "SessionStore.list() shows the sessions there"
        )


class AmbiguousSessionError(SessionError, LookupError):
    """A name or id prefix that fits several sessions; ``candidates`` are all of them,
    most recently updated first, and the message names the first few."""

    def __init__(self, ref: str, directory: Path, candidates: Sequence[SessionSummary]) -> None:
        super().__init__(ref, directory)
        self.ref = ref
        self.directory = directory
        self.candidates = tuple(candidates)

    def __str__(self) -> str:
        shown = [f"{c.id} ({c.name!r})" if c.name else c.id for c in self.candidates[:_LISTED]]
        more = len(self.candidates) - _LISTED
        if more > 0:
            shown.append(f"and {more} more")
        return (
            f"{self.ref!r} fits {len(self.candidates)} sessions in {str(self.directory)!r}: "
            f"{', '.join(shown)}; give more of the id, or the whole id"
        )


class CorruptSessionError(SessionError):
    """A session file that cannot be read as a session; ``path`` names it."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(path, problem)
        self.path = path
        self.problem = problem

    def __str__(self) -> str:
        return (
            f"session file {str(self.path)!r} is corrupt: {self.problem}. It is left as it "
            f"is; move it aside (to keep it) or delete it, then the session can be saved again"
        )


class SessionStorageError(SessionError, OSError):
    """The sessions folder cannot be used; ``path`` names the folder, the message what to do.

    An ``OSError`` too (its ``errno`` is the system's), so code that handled the file
    system's own errors still does.
    """

    def __init__(self, path: Path, action: str, cause: OSError) -> None:
        super().__init__(cause.errno, cause.strerror or str(cause))
        self.path = path
        self.action = action
        self.problem = _storage_problem(path, cause)

    def __str__(self) -> str:
        return f"cannot {self.action} in {str(self.path)!r}: {self.problem}"


_ELSEWHERE = "or set LLMGINE_SESSIONS_DIR to another folder"


def _storage_problem(folder: Path, exc: OSError) -> str:
    """What went wrong with ``folder``, and what to do about it, in one line."""
    code = exc.errno
    if code in (errno.ENOTDIR, errno.EEXIST) or isinstance(exc, NotADirectoryError):
        blocker = next((p for p in (folder, *folder.parents) if p.exists()), folder)
        if not blocker.is_dir():
            return f"{str(blocker)!r} is a file, not a folder; move it away, {_ELSEWHERE}"
    if code in (errno.EACCES, errno.EPERM):
        return f"permission denied; give this user read and write access to it, {_ELSEWHERE}"
    if code in (errno.ENOSPC, errno.EDQUOT):
        return f"the disk is full; free some space, {_ELSEWHERE} on another disk"
    if code == errno.EROFS:
        return f"the file system is read-only; {_ELSEWHERE.removeprefix('or ')}"
    return f"{exc.strerror or exc}; check the folder, {_ELSEWHERE}"
