"""The ContextManager: the history of each session, its system prompt, its token totals.

A session's history grows one whole turn at a time: ``commit`` appends every message of a
finished turn at once, so a turn that fails or is cancelled leaves no trace in it (the chat
engine commits only at the end of a turn). What goes to the model is the system prompt plus
the part of the history the window strategy selects; the window never separates a tool call
from its result (see ``_window``).

With a ``SessionStore``, a session is loaded from its file on first use and saved after each
change, off the event loop. Saves of one session happen in the order of its changes: each
save waits for the previous one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from llmgine.context._store import SessionRecord, SessionStore
from llmgine.context._store_errors import SessionError
from llmgine.context._window import KeepAll, WindowStrategy
from llmgine.llm import ChatMessage, Usage
from llmgine.messages import utc_now

logger = logging.getLogger("llmgine.context")


@dataclass(slots=True, eq=False)
class Conversation:
    """The state of one session, owned by its ``ContextManager`` (change it through that)."""

    id: str
    name: str = ""
    model: str | None = None
    system_prompt: str | None = None
    messages: list[ChatMessage] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)

    def to_record(self) -> SessionRecord:
        return SessionRecord(
            id=self.id,
            name=self.name,
            created_at=self.created_at,
            updated_at=self.updated_at,
            model=self.model,
            system_prompt=self.system_prompt,
            messages=list(self.messages),
            usage=self.usage,
        )

    @classmethod
    def from_record(cls, record: SessionRecord) -> Conversation:
        return cls(
            id=record.id,
            name=record.name,
            model=record.model,
            system_prompt=record.system_prompt,
            messages=list(record.messages),
            usage=record.usage,
            created_at=record.created_at,
            updated_at=record.updated_at,
        )


class ContextManager:
    """Per-session history, system prompts and token totals, optionally kept on disk.

    Args:
        window: what part of the history each request carries (default: all of it).
        system_prompt: the system prompt of sessions that have none of their own.
        store: where sessions live between runs; ``None`` keeps them in memory only.
    """

    def __init__(
        self,
        *,
        window: WindowStrategy | None = None,
        system_prompt: str | None = None,
        store: SessionStore | None = None,
    ) -> None:
        self.window = window or KeepAll()
        self.system_prompt = system_prompt
        self.store = store
        self._sessions: dict[str, Conversation] = {}
        self._loading: dict[str, asyncio.Future[Conversation]] = {}
        self._saving: dict[str, asyncio.Task[None]] = {}
        self._save_errors: dict[str, SessionError] = {}

    # -- reading -----------------------------------------------------------------------

    def get(self, session_id: str) -> Conversation | None:
        """The session if it is in memory (``session`` also looks in the store)."""
        return self._sessions.get(session_id)

    async def session(self, session_id: str) -> Conversation:
        """The session, loaded from the store on first use, or a new empty one."""
        conversation = self._sessions.get(session_id)
        if conversation is not None:
            return conversation
        pending = self._loading.get(session_id)
        if pending is not None:  # another task is reading the file: share its result
            return await asyncio.shield(pending)
        future: asyncio.Future[Conversation] = asyncio.get_running_loop().create_future()
        self._loading[session_id] = future
        try:
            conversation = await self._load(session_id)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: the waiters, if any, get it too
            raise
        finally:
            del self._loading[session_id]
        self._sessions[session_id] = conversation
        future.set_result(conversation)
        return conversation

    async def _load(self, session_id: str) -> Conversation:
        store = self.store
        if store is None:
            return Conversation(id=session_id)
        if not await asyncio.to_thread(store.exists, session_id):
            return Conversation(id=session_id)
        return Conversation.from_record(await asyncio.to_thread(store.load, session_id))

    def history(self, session_id: str) -> list[ChatMessage]:
        """Every message of the session's committed turns (empty if it is not in memory)."""
        conversation = self._sessions.get(session_id)
        return [] if conversation is None else list(conversation.messages)

    def context(self, conversation: Conversation) -> list[ChatMessage]:
        """The part of the history the next request carries, per the window strategy."""
        return self.window.select(conversation.messages)

    def system_prompt_of(self, conversation: Conversation) -> str | None:
        return conversation.system_prompt or self.system_prompt

    @property
    def sessions(self) -> list[str]:
        """Ids of the sessions in memory."""
        return list(self._sessions)

    # -- changing ----------------------------------------------------------------------

    async def commit(
        self,
        conversation: Conversation,
        messages: Sequence[ChatMessage],
        *,
        usage: Usage | None = None,
        model: str | None = None,
    ) -> None:
        """Append one whole turn to the history and add its tokens to the totals."""
        conversation.messages.extend(messages)
        if usage is not None:
            conversation.usage = conversation.usage + usage
        if model is not None:
            conversation.model = model
        await self._changed(conversation)

    async def set_system_prompt(self, session_id: str, prompt: str | None) -> None:
        conversation = await self.session(session_id)
        conversation.system_prompt = prompt
        await self._changed(conversation)

    async def rename(self, session_id: str, name: str) -> None:
        conversation = await self.session(session_id)
        conversation.name = name
        await self._changed(conversation)

    async def clear(self, session_id: str) -> None:
        """Forget the session's history (its name, system prompt and totals stay)."""
        conversation = await self.session(session_id)
        conversation.messages.clear()
        await self._changed(conversation)

    async def replace(self, session_id: str, messages: Iterable[ChatMessage]) -> None:
        """Set the session's history to ``messages`` (for instance, rebuilt from a log)."""
        conversation = await self.session(session_id)
        conversation.messages[:] = list(messages)
        await self._changed(conversation)

    def forget(self, session_id: str) -> None:
        """Drop the session from memory; its file, if any, stays."""
        self._sessions.pop(session_id, None)

    async def flush(self) -> None:
        """Wait for every pending save."""
        while self._saving:
            await asyncio.gather(*self._saving.values(), return_exceptions=True)

    def save_error(self, session_id: str) -> SessionError | None:
        """Why the last save of the session failed; ``None`` once a save succeeds (the
        session is then on disk whole, since each save writes all of it)."""
        return self._save_errors.get(session_id)

    async def save(self, session_id: str) -> None:
        """Save the session now, after any save in flight; raises the store's error (a
        ``SessionStorageError`` says what to do). Nothing to do for a session not in
        memory or a manager without a store."""
        conversation = self._sessions.get(session_id)
        if conversation is not None and self.store is not None:
            await self._changed(conversation, quiet=True)

    # -- saving ------------------------------------------------------------------------

    async def _changed(self, conversation: Conversation, *, quiet: bool = False) -> None:
        conversation.updated_at = utc_now()
        if self.store is None:
            return
        record = conversation.to_record()  # a snapshot: later changes do not reach this save
        previous = self._saving.get(conversation.id)
        task = asyncio.create_task(self._save(record, previous, quiet))
        self._saving[conversation.id] = task
        task.add_done_callback(self._saved)
        # Shielded: a turn cancelled while its save runs still gets saved whole.
        await asyncio.shield(task)

    def _saved(self, task: asyncio.Task[None]) -> None:
        for session_id, latest in list(self._saving.items()):
            if latest is task:
                del self._saving[session_id]
        if not task.cancelled():
            task.exception()  # retrieved here; the caller that awaited it has it too

    async def _save(
        self, record: SessionRecord, previous: asyncio.Task[None] | None, quiet: bool
    ) -> None:
        """Save ``record`` after ``previous``; ``quiet`` leaves telling of a failure to the
        caller, who gets the error."""
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)
        store = self.store
        assert store is not None
        try:
            await asyncio.to_thread(store.save, record)
        except SessionError as exc:  # says what to do, in one line: no traceback
            self._save_errors[record.id] = exc
            if not quiet:
                logger.error("%s; the session stays in memory, the next change saves it", exc)
            raise
        except Exception:
            logger.exception("could not save session %r; it stays in memory", record.id)
            raise
        self._save_errors.pop(record.id, None)
