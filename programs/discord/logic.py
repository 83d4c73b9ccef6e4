"""ChatBot: what the Discord bot does with a message, free of any connection to Discord.

The rules, in the order they are applied:

1. Messages from bots (itself included) are ignored.
2. In a server, only messages that mention the bot are read, and only in the allowed
   channels when an allowlist is set (a thread is allowed when it or its parent channel is).
   Direct messages are read unless they are turned off.
3. The bot's mention is removed; what is left is the prompt. ``!clear`` forgets the
   channel's conversation; ``!help`` (or a bare mention) says how to use the bot.
4. A user over the rate limit is told so once, then ignored until allowed again.
5. The prompt runs as a turn of the channel's conversation while the channel shows the bot
   typing; the answer is posted in pieces of at most 2,000 characters, the first one as a
   reply to the message. A turn that fails gets a short apology; the reason goes to the log.

Everything the bot posts is sent with ``AllowedMentions.none()``: a model's answer cannot
ping anyone. Turns (and clears) of one channel run one after another, in the order the
messages arrived; different channels run side by side.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from discord import AllowedMentions

from programs.discord.backend import ChatBackend, session_id_for
from programs.discord.lanes import Lanes
from programs.discord.options import BotOptions
from programs.discord.protocols import (
    DiscordChannel,
    DiscordMessage,
    channel_title,
    parent_channel_id,
)
from programs.discord.ratelimit import UserRateLimiter
from programs.discord.split import split_message

logger = logging.getLogger("llmgine.discord")

CLEAR_COMMAND = "!clear"
HELP_COMMAND = "!help"

APOLOGY = "Sorry, I could not answer that just now. Please try again in a moment."
CLEARED = "Done: I have forgotten our conversation in this channel."
EMPTY_ANSWER = "(I have no answer to that.)"
HELP = (
    "Mention me with a question and I will answer; in direct messages, just write. "
    "I remember the conversation of each channel and thread. "
    f"`{CLEAR_COMMAND}` makes me forget it; `{HELP_COMMAND}` shows this."
)


def strip_mention(content: str, user_id: int) -> str:
    """``content`` without the mentions of user ``user_id`` (``<@id>`` and ``<@!id>``)."""
    return re.sub(rf"<@!?{user_id}>", " ", content).strip()


def rate_limited_reply(retry_after: float) -> str:
    seconds = max(1, round(retry_after))
    return (
        f"You are sending me messages faster than I can answer. "
        f"Please wait {seconds} second{'s' if seconds != 1 else ''} and ask again."
    )


class ChatBot:
    """Turns Discord messages into chat turns and posts the answers.

    Args:
        backend: answers prompts and clears conversations (see ``EngineBackend``).
        options: what to answer, where, and how often.
        clock: the rate limiter's clock (monotonic seconds), for tests.
    """

    def __init__(
        self,
        backend: ChatBackend,
        options: BotOptions | None = None,
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.backend = backend
        self.options = options or BotOptions()
        limit = self.options.rate_limit
        self.limiter = (
            None if limit is None else UserRateLimiter(limit, clock=clock or time.monotonic)
        )
        self.allowed_mentions = AllowedMentions.none()
        self._lanes = Lanes()
        self._handling: set[asyncio.Task[Any]] = set()
        self._closing = False

    # -- deciding ----------------------------------------------------------------------

    def prompt_of(self, message: DiscordMessage, bot_id: int) -> str | None:
        """The prompt ``message`` gives the bot, or ``None`` when the bot should ignore it."""
        author = message.author
        if author.bot or author.id == bot_id:
            return None
        if message.guild is None:
            return strip_mention(message.content, bot_id) if self.options.allow_dms else None
        if not any(user.id == bot_id for user in message.mentions):
            return None
        if not self.channel_allowed(message.channel):
            return None
        return strip_mention(message.content, bot_id)

    def channel_allowed(self, channel: DiscordChannel) -> bool:
        allowed: Collection[int] = self.options.allowed_channels
        if not allowed:
            return True
        return channel.id in allowed or parent_channel_id(channel) in allowed

    # -- acting ------------------------------------------------------------------------

    async def handle(self, message: DiscordMessage, bot_id: int) -> None:
        """Act on one message: ignore it, run a command, or answer it."""
        if self._closing:
            return
        prompt = self.prompt_of(message, bot_id)
        if prompt is None:
            return
        task = asyncio.current_task()
        if task is not None:
            self._handling.add(task)
        try:
            await self._act(message, prompt)
        finally:
            if task is not None:
                self._handling.discard(task)

    async def _act(self, message: DiscordMessage, prompt: str) -> None:
        channel = message.channel
        session_id = session_id_for(channel.id)
        command = prompt.lower()
        if command == CLEAR_COMMAND:
            async with self._lanes.hold(session_id):
                try:
                    await self.backend.clear(session_id)
                except Exception:
                    logger.exception("clearing conversation %r failed", session_id)
                    await self._post(message, APOLOGY)
                    return
                await self._post(message, CLEARED)
            return
        if command in ("", HELP_COMMAND):
            await self._post(message, HELP)
            return
        if self.limiter is not None:
            verdict = self.limiter.check(message.author.id)
            if not verdict.allowed:
                if verdict.first_refusal:
                    await self._post(message, rate_limited_reply(verdict.retry_after))
                return
        async with self._lanes.hold(session_id):
            async with self._typing(channel):
                answer = await self._answer(session_id, prompt, channel_title(channel))
            await self._post(message, answer)

    async def _answer(self, session_id: str, prompt: str, title: str) -> str:
        try:
            answer = await self.backend.answer(session_id, prompt, title=title)
        except Exception as exc:
            logger.warning("turn of conversation %r failed: %s", session_id, exc)
            return APOLOGY
        return answer if answer.strip() else EMPTY_ANSWER

    async def _post(self, message: DiscordMessage, text: str) -> None:
        """Send ``text`` in pieces, the first one as a reply; a failed send is logged."""
        channel = message.channel
        for number, piece in enumerate(split_message(text, self.options.limit)):
            options: dict[str, Any] = {"allowed_mentions": self.allowed_mentions}
            if number == 0 and message.guild is not None:
                options["reference"] = message.to_reference(fail_if_not_exists=False)
            try:
                await channel.send(piece, **options)
            except Exception:
                logger.exception("could not post to channel %s", channel.id)
                return

    @asynccontextmanager
    async def _typing(self, channel: DiscordChannel) -> AsyncIterator[None]:
        """Show the bot typing; a channel that refuses it (no permission) still gets the answer."""
        async with AsyncExitStack() as stack:
            try:
                await stack.enter_async_context(channel.typing())
            except Exception as exc:
                logger.info("cannot show typing in channel %s: %s", channel.id, exc)
            yield

    # -- stopping ----------------------------------------------------------------------

    @property
    def busy(self) -> int:
        """How many messages are being handled now."""
        return len(self._handling)

    async def aclose(self, timeout: float = 10.0) -> int:
        """Take no new messages; wait up to ``timeout`` seconds for those being handled,
        then cancel the rest. Returns how many were cancelled."""
        self._closing = True
        pending = {task for task in self._handling if task is not asyncio.current_task()}
        if not pending:
            return 0
        _, late = await asyncio.wait(pending, timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)
        return len(late)
