"""The bot's chat backend: one llmgine conversation per Discord channel or thread.

Conversation ``discord-<channel id>`` is both a bus session (its messages carry that
session id in the JSONL log) and a saved chat session (``sessions/discord-<id>.json``), so
a restarted bot carries on where it stopped. A ``ToolChatEngine`` registered bus-wide
answers the turns; its ``ContextManager`` (with a ``SessionStore``) keeps the histories.

Bus sessions open on a conversation's first message and stay open while it is in use. At
most ``max_open`` stay open: past that, the least recently used idle conversation is closed
and dropped from memory (its file stays, and its next message loads it again).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol

from llmgine.bus import BusSession
from llmgine.engine import PromptCommand, ToolChatEngine, TurnResult

SESSION_PREFIX = "discord-"


def session_id_for(channel_id: int) -> str:
    """The session id of a channel or thread: ``discord-<id>`` (a valid ``SessionStore`` id)."""
    if not isinstance(channel_id, int) or isinstance(channel_id, bool) or channel_id < 0:
        raise ValueError(f"a Discord channel id is a non-negative int, got {channel_id!r}")
    return f"{SESSION_PREFIX}{channel_id}"


class TurnError(Exception):
    """A turn did not produce an answer; the message says why (for the log, not the user)."""


class ChatBackend(Protocol):
    """What the bot needs from a chat engine."""

    async def answer(self, session_id: str, prompt: str, *, title: str) -> str:
        """The answer to ``prompt`` in conversation ``session_id`` (named ``title`` when new);
        raises ``TurnError`` when the turn fails."""
        ...

    async def clear(self, session_id: str) -> None:
        """Forget the conversation's history."""
        ...


class EngineBackend:
    """``ChatBackend`` over a started ``ToolChatEngine`` registered on its whole bus."""

    def __init__(self, engine: ToolChatEngine, *, max_open: int = 1000) -> None:
        if max_open < 1:
            raise ValueError(f"max_open must be 1 or more, got {max_open}")
        self.engine = engine
        self.max_open = max_open
        self._open: OrderedDict[str, BusSession] = OrderedDict()  # least recently used first
        self._busy: dict[str, int] = {}

    @property
    def open_sessions(self) -> list[str]:
        """Ids of the bus sessions open now, least recently used first."""
        return list(self._open)

    async def answer(self, session_id: str, prompt: str, *, title: str) -> str:
        self._busy[session_id] = self._busy.get(session_id, 0) + 1
        try:
            session = await self._session(session_id)
            context = self.engine.context
            if not (await context.session(session_id)).name:
                await context.rename(session_id, title)
            result = await session.execute(PromptCommand(prompt=prompt, session_id=session_id))
        finally:
            self._busy[session_id] -= 1
            if not self._busy[session_id]:
                del self._busy[session_id]
        if not result.success or not isinstance(result.result, TurnResult):
            raise TurnError(result.error or "the turn returned no answer")
        return result.result.content

    async def clear(self, session_id: str) -> None:
        await self.engine.context.clear(session_id)

    async def aclose(self) -> None:
        """End every open bus session (histories are already saved after each turn)."""
        while self._open:
            _, session = self._open.popitem(last=False)
            await session.end()

    async def _session(self, session_id: str) -> BusSession:
        session = self._open.get(session_id)
        if session is not None:
            self._open.move_to_end(session_id)
            return session
        session = self.engine.bus.session(session_id)
        self._open[session_id] = session  # before any await, so a second caller reuses it
        try:
            await session.start()  # opens the session before its first await
        except BaseException:
            del self._open[session_id]
            raise
        await self._close_idle()
        return session

    async def _close_idle(self) -> None:
        for session_id in list(self._open):
            if len(self._open) <= self.max_open:
                return
            if session_id in self._busy:
                continue
            await self._open.pop(session_id).end()
            self.engine.context.forget(session_id)
