"""The session store: one JSON file per session, ``<directory>/<id>.json``.

A session id must match ``[A-Za-z0-9][A-Za-z0-9_-]{0,127}`` (the whole id), and every method
that takes one checks it before touching the disk, so no id can name a file outside the
folder. Writes are atomic and owner-only (see ``_store_files``). A file that cannot be read
is never overwritten: ``save`` of an id this store has not itself loaded or saved first
reads the file already there, and refuses if it is corrupt. Listing never fails because of
one bad file. The methods are synchronous: callers on an event loop run them in a thread.

Its errors are drawn in ``_store_errors``; ``_resolve`` finds a session by name, id prefix
or ``latest``.

A write that fails leaves the file as it was (see ``_store_files``), and the store itself
holds nothing that a failure could lose: what is in memory is the caller's.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    ValidationError,
    field_validator,
)

from llmgine.context._resolve import pick
from llmgine.context._store_errors import SUFFIX as _SUFFIX
from llmgine.context._store_errors import (
    CorruptSessionError,
    InvalidSessionIdError,
    SessionError,
    SessionNotFoundError,
    SessionStorageError,
)
from llmgine.context._store_files import make_private_folder, write_atomic
from llmgine.llm import ChatMessage, Usage
from llmgine.messages import new_session_id

FORMAT = 1
"""The version of the file format this module writes and reads."""

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")  # used with fullmatch: "$" allows "\n"


def check_session_id(session_id: object) -> str:
    """``session_id`` itself if it is a valid id; raises ``InvalidSessionIdError`` otherwise."""
    if not isinstance(session_id, str) or _ID.fullmatch(session_id) is None:
        raise InvalidSessionIdError(session_id)
    return session_id


def _utc_now() -> datetime:
    return datetime.now(UTC)


UTCDatetime = Annotated[AwareDatetime, AfterValidator(lambda value: value.astimezone(UTC))]


class SessionRecord(BaseModel):
    """Everything persisted about one session. Frozen: change it with ``model_copy``.

    ``messages`` is the history without the system prompt, which is ``system_prompt``;
    ``usage`` is the session's token totals. ``format`` comes first in the file so a reader
    can tell the version before reading anything else.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: int = FORMAT
    id: str
    name: str = ""
    created_at: UTCDatetime
    updated_at: UTCDatetime
    model: str | None = None
    system_prompt: str | None = None
    messages: list[ChatMessage] = []
    usage: Usage = Usage()

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: int) -> int:
        if value != FORMAT:
            raise ValueError(f"format {value} is not one this llmgine reads (format {FORMAT})")
        return value

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        return check_session_id(value)

    @classmethod
    def new(
        cls,
        id: str | None = None,
        *,
        name: str = "",
        model: str | None = None,
        system_prompt: str | None = None,
    ) -> SessionRecord:
        """An empty session created now; ``id=None`` makes a fresh one."""
        session_id = new_session_id() if id is None else check_session_id(id)
        now = _utc_now()
        return cls(
            id=session_id,
            name=name,
            created_at=now,
            updated_at=now,
            model=model,
            system_prompt=system_prompt,
        )


@dataclass(frozen=True)
class SessionSummary:
    """One line of ``SessionStore.list()``; ``error`` says why the file could not be read."""

    id: str
    name: str
    updated_at: datetime | None
    message_count: int
    path: Path
    error: str | None = None


class SessionStore:
    """Sessions as JSON files in ``directory`` (created with mode 0o700 on the first save).

    ``clock`` gives the time ``save`` stamps as ``updated_at`` (tz-aware; for tests).
    Several stores, or processes, saving the same session do not lock: the last save wins.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] = "sessions",
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.directory = Path(directory)
        self._clock = clock
        self._known: set[str] = set()  # ids whose file this store has read or written whole

    def path(self, id: str) -> Path:
        """The file of session ``id`` (which need not exist)."""
        return self.directory / (check_session_id(id) + _SUFFIX)

    def exists(self, id: str) -> bool:
        path = self.path(id)
        with self._disk(f"look for session {id!r}"):
            return path.is_file()

    def check(self) -> None:
        """Raise ``SessionStorageError`` now if the folder cannot hold sessions (a file in
        its place or in its path, no permission to write); creates nothing.

        An app calls it when it starts, so such a folder is one clear line then rather
        than a failed save after the first answer. A full disk shows only when a save
        fails; that save leaves the file it would have replaced as it was.
        """
        folder = self.directory
        nearest = next((p for p in (folder, *folder.parents) if p.exists()), Path("."))
        with self._disk("use the sessions folder"):
            if not nearest.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, "Not a directory", str(nearest))
            if not os.access(nearest, os.W_OK | os.X_OK):
                raise PermissionError(errno.EACCES, "Permission denied", str(nearest))

    def new_id(self) -> str:
        """A fresh valid id, unique and sortable by creation time."""
        return new_session_id()

    def resolve(self, ref: str) -> str:
        """The id of the session ``ref`` names: its exact id, the word ``latest`` (the most
        recently updated), its name (any case), or a unique start of its id (4 characters
        or more).

        Raises ``SessionNotFoundError`` when nothing fits and ``AmbiguousSessionError``
        (which names the candidates) when several do; see ``_resolve`` for the order.
        """
        if _ID.fullmatch(ref) and self.exists(ref):
            return ref
        return pick(ref, self.list(), self.directory)

    def load(self, id: str) -> SessionRecord:
        """The session ``id``; raises ``SessionNotFoundError`` or ``CorruptSessionError``."""
        record = self._read(id, self.path(id))
        self._known.add(id)
        return record

    def save(self, record: SessionRecord) -> Path:
        """Write ``record`` with ``updated_at`` set to now, atomically; returns the file.

        The record given is not changed (it is frozen): the file holds a copy with the new
        ``updated_at``, which ``load`` returns. Raises ``CorruptSessionError``, leaving the
        file as it is, when an existing file this store has not read or written is corrupt.
        """
        path = self.path(record.id)
        action = f"save session {record.id!r}"
        if record.id not in self._known:
            with contextlib.suppress(SessionNotFoundError):  # a new session: nothing to keep
                self._read(record.id, path, action)
        stamped = record.model_copy(update={"updated_at": self._clock().astimezone(UTC)})
        data = orjson.dumps(
            stamped.model_dump(mode="json"), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
        )
        with self._disk(action):
            make_private_folder(self.directory)
            write_atomic(path, data, prefix=f".{record.id}.")
        self._known.add(record.id)
        return path

    def delete(self, id: str) -> bool:
        """Remove the session's file, even a corrupt one; ``False`` if there was none."""
        path = self.path(id)
        self._known.discard(id)
        with self._disk(f"delete session {id!r}"):
            try:
                path.unlink()
            except FileNotFoundError:
                return False
        return True

    def list(self) -> builtins.list[SessionSummary]:
        """Every session in the folder, most recently updated first; unreadable ones last.

        Only ``<valid id>.json`` files count, so temporary files are never listed.
        """
        with self._disk("list the sessions"):
            try:
                with os.scandir(self.directory) as scan:
                    entries = builtins.list(scan)
            except FileNotFoundError:
                return []
        summaries = [
            self._summarize(entry.name.removesuffix(_SUFFIX), Path(entry.path))
            for entry in entries
            if entry.name.endswith(_SUFFIX)
            and _ID.fullmatch(entry.name.removesuffix(_SUFFIX))
            and entry.is_file()
        ]
        summaries.sort(key=lambda summary: summary.id)
        # Stable even with reverse=True: equal times stay in id order.
        summaries.sort(key=lambda summary: summary.updated_at or _OLDEST, reverse=True)
        return summaries

    def _summarize(self, id: str, path: Path) -> SessionSummary:
        try:
            record = self._read(id, path)
        except (CorruptSessionError, SessionNotFoundError, OSError) as exc:
            problem = exc.problem if isinstance(exc, CorruptSessionError) else str(exc)
            return SessionSummary(id, "", None, 0, path, error=problem)
        return SessionSummary(id, record.name, record.updated_at, len(record.messages), path)

    @contextlib.contextmanager
    def _disk(self, action: str) -> Iterator[None]:
        """The file system's errors inside, as ``SessionStorageError``s that say what to do."""
        try:
            yield
        except SessionError:
            raise
        except OSError as exc:
            raise SessionStorageError(self.directory, action, exc) from exc

    def _read(self, id: str, path: Path, action: str | None = None) -> SessionRecord:
        with self._disk(action or f"read session {id!r}"):
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                raise SessionNotFoundError(id, self.directory) from None
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise CorruptSessionError(path, f"it is not JSON ({exc})") from exc
        if not isinstance(data, dict):
            found = type(data).__name__
            raise CorruptSessionError(path, f"it holds a JSON {found}, not an object")
        try:
            record = SessionRecord.model_validate(data)
        except ValidationError as exc:
            raise CorruptSessionError(path, f"it is not a session: {_describe(exc)}") from exc
        if record.id != id:
            raise CorruptSessionError(path, f"it holds session {record.id!r}, not {id!r}")
        return record


_OLDEST = datetime.min.replace(tzinfo=UTC)


def _describe(error: ValidationError, most: int = 3) -> str:
    """The first few problems of a validation error on one line (pydantic's own is long)."""
    problems: list[dict[str, Any]] = [dict(item) for item in error.errors()]
    parts = [
        f"{'.'.join(str(part) for part in item['loc']) or 'top level'}: {item['msg']}"
        for item in problems[:most]
    ]
    more = len(problems) - most
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")
