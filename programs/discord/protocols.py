"""The parts of discord.py's objects the bot touches, as protocols.

``discord.Message`` and its channels and users fit them as they are; tests pass small
in-memory fakes instead. Attribute names follow discord.py. A thread's ``parent_id`` is read
with ``getattr`` because only threads have one.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol


class DiscordUser(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def bot(self) -> bool: ...


class DiscordChannel(Protocol):
    """A text channel, a thread or a direct-message channel."""

    @property
    def id(self) -> int: ...

    def typing(self) -> AbstractAsyncContextManager[Any]: ...

    async def send(self, content: str, **options: Any) -> Any:
        """Post ``content``; the bot passes ``allowed_mentions`` and sometimes ``reference``."""
        ...


class DiscordMessage(Protocol):
    @property
    def content(self) -> str: ...

    @property
    def author(self) -> DiscordUser: ...

    @property
    def channel(self) -> DiscordChannel: ...

    @property
    def mentions(self) -> Sequence[DiscordUser]: ...

    @property
    def guild(self) -> object | None:
        """The server, or ``None`` for a direct message."""
        ...

    def to_reference(self, *, fail_if_not_exists: bool = True) -> Any:
        """What ``send(reference=...)`` takes to answer this message."""
        ...


def parent_channel_id(channel: DiscordChannel) -> int | None:
    """The channel a thread belongs to (``None`` for anything but a thread)."""
    parent = getattr(channel, "parent_id", None)
    return parent if isinstance(parent, int) else None


def channel_title(channel: DiscordChannel) -> str:
    """How the channel is named in the list of saved sessions."""
    name = getattr(channel, "name", None)
    if isinstance(name, str) and name:
        return f"Discord #{name}"
    return "Discord direct messages"
