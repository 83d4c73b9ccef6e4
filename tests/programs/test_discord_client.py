"""The real discord.py client, built without connecting: its intents, its defaults, and its
``on_message`` wired to the bot's logic. discord.py's own objects are used where they can
be built from a gateway payload with no connection (the logged-in user, a message)."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import discord

from llmgine.testing import ScriptedProvider, text
from programs.discord.client import DiscordBot, bot_intents
from programs.discord.logic import ChatBot
from tests.programs.discord_fakes import (
    BOT_ID,
    ME,
    FakeChannel,
    FakeUser,
    Harness,
    direct,
    logged_in,
    mention,
)


def message_payload(content: str, *, author_bot: bool = False, mentions_me: bool = True) -> Any:
    return {
        "id": "9001",
        "channel_id": "100",
        "author": {"id": "7", "username": "ada", "discriminator": "0", "avatar": None,
                   "bot": author_bot},
        "content": content,
        "timestamp": "2026-01-01T00:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [ME] if mentions_me else [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
    }  # fmt: skip


def test_intents_ask_for_message_content_and_nothing_privileged_beyond_it() -> None:
    intents = bot_intents()
    assert intents.message_content
    assert (intents.guilds, intents.guild_messages, intents.dm_messages) == (True, True, True)
    assert (intents.members, intents.presences) == (False, False)  # the other privileged ones
    client = DiscordBot(ChatBot(backend=None))  # type: ignore[arg-type]
    assert client.intents.value == intents.value


def test_the_client_pings_nobody_by_default() -> None:
    client = DiscordBot(ChatBot(backend=None))  # type: ignore[arg-type]
    allowed = client.allowed_mentions
    assert allowed is not None
    assert allowed.to_dict() == {"parse": []}


async def test_on_message_hands_the_message_to_the_logic(tmp_path: Path) -> None:
    model = ScriptedProvider([text("hello from the engine")])
    channel = FakeChannel(100)
    async with model, Harness(model, tmp_path) as h:
        client = DiscordBot(h.bot)
        async with client:  # sets up its event loop objects; connects nothing
            assert client.user is None
            await client.on_message(mention("ignored: not logged in", channel))  # type: ignore[arg-type]
            logged_in(client)
            client.dispatch("message", direct("ignored: from a bot", channel, FakeUser(5, True)))
            client.dispatch("message", mention("hi", channel))
            await channel.wait_sent(1)
    assert channel.texts == ["hello from the engine"]
    assert [r.messages[-1].content for r in model.requests] == ["hi"]


async def test_the_logic_reads_real_discord_messages(tmp_path: Path) -> None:
    client = DiscordBot(ChatBot(backend=None))  # type: ignore[arg-type]
    async with client:
        logged_in(client)
        state, channel = client._connection, client.get_partial_messageable(100)

        def real(content: str, **options: Any) -> discord.Message:
            payload = message_payload(content, **options)
            return discord.Message(state=state, channel=channel, data=payload)

        logic = client.logic
        assert logic.prompt_of(real(f"<@{BOT_ID}> what is 2+3?"), BOT_ID) == "what is 2+3?"
        assert logic.prompt_of(real("hi", author_bot=True), BOT_ID) is None
        reference = real("hi").to_reference(fail_if_not_exists=False)
        assert isinstance(reference, discord.MessageReference)
        assert reference.message_id == 9001


def test_discord_objects_have_what_the_protocols_name() -> None:
    send = inspect.signature(discord.abc.Messageable.send).parameters
    assert {"content", "allowed_mentions", "reference"} <= set(send)
    for cls in (discord.TextChannel, discord.Thread, discord.DMChannel):
        assert callable(cls.typing)
        assert callable(cls.send)
    assert "fail_if_not_exists" in inspect.signature(discord.Message.to_reference).parameters
    assert all(hasattr(discord.Message, n) for n in ("content", "author", "mentions", "guild"))
    assert hasattr(discord.Thread, "parent_id")
    assert hasattr(discord.User, "bot")
