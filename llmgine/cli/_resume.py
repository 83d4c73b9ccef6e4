"""Which saved conversation ``llmgine complete`` goes on with: ``--continue`` or ``--session``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from llmgine.context import ContextManager, SessionNotFoundError, SessionRecord, SessionStore

LATEST = "latest"


@dataclass(frozen=True)
class Resumed:
    """A saved conversation to go on with."""

    record: SessionRecord

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def model(self) -> str | None:
        """The model that served it last (None for a session that never had an answer)."""
        return self.record.model

    async def restore(self, context: ContextManager) -> None:
        """Put the conversation into ``context`` as it was saved (for a context that does
        not read the store itself)."""
        await context.replace(self.id, self.record.messages)
        if self.record.system_prompt is not None:
            await context.set_system_prompt(self.id, self.record.system_prompt)


def resume(directory: Path, ref: str | None, *, latest: bool) -> Resumed | None:
    """The session ``ref`` names (a name, an id or a unique start of one), the most recent
    one when ``latest``, or None when neither is asked for. Raises ``SessionError``
    subclasses whose message says what to do."""
    if ref is None and not latest:
        return None
    store = SessionStore(directory)
    try:
        return Resumed(store.load(store.resolve(LATEST if latest else ref or "")))
    except SessionNotFoundError as exc:
        raise NoSuchSession(exc, latest=latest) from None


class NoSuchSession(SessionNotFoundError):
    """``SessionNotFoundError`` as a command-line user reads it."""

    def __init__(self, cause: SessionNotFoundError, *, latest: bool) -> None:
        super().__init__(cause.session_id, cause.directory, cause.reason)
        self.latest = latest

    def __str__(self) -> str:
        folder = str(self.directory)
        if self.latest:
            return f"no conversation to continue in {folder!r}: none was saved there yet"
        reason = f" ({self.reason})" if self.reason else ""
        return (
            f"no saved session {self.session_id!r} in {folder!r}{reason}; "
            "`llmgine sessions list` shows the saved ones"
        )
