"""In-memory stand-ins for the discord.py objects the bot touches, and a bot to test.

``FakeChannel`` records what is sent to it and whether the bot was typing at the time;
``OfflineClient`` is the real client connecting nowhere; ``Harness`` builds a ``ChatBot``
on a real bus, engine and session store with a fake model.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord

from llmgine.bus import MessageBus
from llmgine.context import ContextManager, SessionStore
from llmgine.engine import ToolChatEngine
from llmgine.llm import LLMProvider
from llmgine.sinks import MemorySink
from programs.discord.backend import EngineBackend
from programs.discord.client import DiscordBot
from programs.discord.logic import BotOptions, ChatBot

BOT_ID = 4242
GUILD = object()
ME: dict[str, Any] = {
    "id": str(BOT_ID),
    "username": "llmgine-bot",
    "discriminator": "0",
    "avatar": None,
    "bot": True,
}


def logged_in(client: discord.Client) -> None:
    """What ``login()`` does with Discord's reply to ``GET /users/@me``, without the request."""
    client._connection.user = discord.ClientUser(state=client._connection, data=ME)  # type: ignore[arg-type]


@dataclass(frozen=True)
class FakeUser:
    id: int
    bot: bool = False


@dataclass
class Sent:
    content: str
    options: dict[str, Any]
    typing: bool
    """The channel showed the bot typing when this was sent."""


@dataclass(eq=False)
class FakeChannel:
    id: int
    name: str | None = "general"
    parent_id: int | None = None
    refuse_typing: bool = False
    fail_sends: bool = False
    sent: list[Sent] = field(default_factory=list)
    typing_now: int = 0
    typing_entered: int = 0
    sent_event: asyncio.Event = field(default_factory=asyncio.Event)

    @asynccontextmanager
    async def _typing(self) -> AsyncIterator[None]:
        if self.refuse_typing:
            raise PermissionError("Missing Permissions")
        self.typing_now += 1
        self.typing_entered += 1
        try:
            yield
        finally:
            self.typing_now -= 1

    def typing(self) -> Any:
        return self._typing()

    async def send(self, content: str, **options: Any) -> None:
        if self.fail_sends:
            raise ConnectionError("the send failed")
        self.sent.append(Sent(content, options, self.typing_now > 0))
        self.sent_event.set()

    @property
    def texts(self) -> list[str]:
        return [s.content for s in self.sent]

    async def wait_sent(self, count: int, timeout: float = 10.0) -> None:
        async def until() -> None:
            while len(self.sent) < count:
                self.sent_event.clear()
                await self.sent_event.wait()

        await asyncio.wait_for(until(), timeout)


@dataclass(frozen=True)
class Reference:
    message: FakeMessage
    fail_if_not_exists: bool


@dataclass(eq=False)
class FakeMessage:
    content: str
    channel: FakeChannel
    author: FakeUser = FakeUser(7)
    mentions: list[FakeUser] = field(default_factory=list)
    guild: object | None = GUILD

    def to_reference(self, *, fail_if_not_exists: bool = True) -> Reference:
        return Reference(self, fail_if_not_exists)


def mention(text: str, channel: FakeChannel, author: FakeUser = FakeUser(7)) -> FakeMessage:
    """A server message that mentions the bot: ``<@BOT_ID> text``."""
    return FakeMessage(f"<@{BOT_ID}> {text}", channel, author, [FakeUser(BOT_ID, bot=True)])


def direct(text: str, channel: FakeChannel, author: FakeUser = FakeUser(7)) -> FakeMessage:
    return FakeMessage(text, channel, author, [], guild=None)


class Harness:
    """A ``ChatBot`` on a running bus with a ``ToolChatEngine`` and a session store."""

    def __init__(
        self,
        model: LLMProvider,
        sessions: Path,
        options: BotOptions | None = None,
        *,
        log_dir: Path | None = None,
        max_open: int = 1000,
    ) -> None:
        self.now = 0.0
        self.sink = MemorySink()
        self.bus = MessageBus(log_dir=log_dir, sinks=[self.sink])
        self.store = SessionStore(sessions)
        self.context = ContextManager(store=self.store)
        self.engine = ToolChatEngine(self.bus, model=model, context=self.context)
        self.backend = EngineBackend(self.engine, max_open=max_open)
        self.bot = ChatBot(self.backend, options or BotOptions(), clock=lambda: self.now)

    async def __aenter__(self) -> Harness:
        await self.bus.start()
        await self.engine.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.bot.aclose()
        await self.backend.aclose()
        await self.engine.stop()
        await self.bus.stop()

    async def send(self, *messages: FakeMessage) -> None:
        """Hand each message to the bot, one after another."""
        for message in messages:
            await self.bot.handle(message, BOT_ID)

    async def send_together(self, messages: Iterable[FakeMessage]) -> None:
        """Hand the messages to the bot at once, each in its own task, as discord.py does."""
        async with asyncio.timeout(20):
            await asyncio.gather(*(self.bot.handle(m, BOT_ID) for m in messages))


class OfflineClient(DiscordBot):
    """The real client, except that ``start`` logs in and connects nowhere."""

    def __init__(self, logic: ChatBot, fail_with: BaseException | None = None) -> None:
        super().__init__(logic)
        self.fail_with = fail_with
        self.tokens: list[str] = []
        self.online = asyncio.Event()
        self.closed = asyncio.Event()

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        self.tokens.append(token)
        if self.fail_with is not None:
            raise self.fail_with
        logged_in(self)
        self.online.set()
        await self.closed.wait()

    async def close(self) -> None:
        self.closed.set()
        await super().close()
