"""The discord.py client: a thin shell that hands every message to ``ChatBot``.

It asks only for the intents the bot needs: servers and their channels (``guilds``),
messages in servers and in direct messages, and the privileged ``message_content`` intent,
without which Discord sends the text of server messages only when they mention the bot.
(That intent must also be switched on for the application in the Developer Portal.)
Every message it sends defaults to ``AllowedMentions.none()``.
"""

from __future__ import annotations

import logging

import discord

from programs.discord.logic import ChatBot

logger = logging.getLogger("llmgine.discord")


def bot_intents() -> discord.Intents:
    """The gateway intents the bot asks for."""
    return discord.Intents(guilds=True, guild_messages=True, dm_messages=True, message_content=True)


class DiscordBot(discord.Client):
    """A ``discord.Client`` whose ``on_message`` is ``ChatBot.handle``."""

    def __init__(self, logic: ChatBot) -> None:
        super().__init__(intents=bot_intents(), allowed_mentions=discord.AllowedMentions.none())
        self.logic = logic

    async def on_ready(self) -> None:
        user = self.user
        logger.info(
            "connected to Discord as %s (id %s) in %d server(s)",
            user,
            None if user is None else user.id,
            len(self.guilds),
        )

    async def on_message(self, message: discord.Message) -> None:
        user = self.user
        if user is None:  # not logged in: nobody to be mentioned
            return
        await self.logic.handle(message, user.id)
