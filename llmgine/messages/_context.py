"""The handling context: which message is being handled right now, and where.

The bus sets it around every handler call. Messages built while it is set take their
``parent_id`` (and, unless given, their ``session_id``) from it, which is how the log can
rebuild a whole turn: a tool call's events point at the command that caused them.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import partial
from typing import NamedTuple


class HandlingFrame(NamedTuple):
    """What a handler is working on. One is made per delivery, so it is a tuple."""

    bus_id: str
    """The identity of the bus whose handler runs (``MessageBus.id``)."""
    message_id: str
    """The message being handled: the parent of every message built meanwhile."""
    session_id: str
    depth: int
    """How many commands executed from handlers are nested around this one."""


new_frame: Callable[[tuple[str, str, str, int]], HandlingFrame] = partial(
    tuple.__new__, HandlingFrame
)
"""``new_frame((bus_id, message_id, session_id, depth))``: a frame made without a Python-level
call, since the bus makes one for every message it hands to handlers."""

BUS_SCOPE = "BUS"
"""The bus-wide session id: messages with it belong to no particular session."""

handling: ContextVar[HandlingFrame | None] = ContextVar("llmgine_handling", default=None)
"""The frame of the handler running in this context, or None outside handlers."""


def current_parent_id() -> str | None:
    frame = handling.get()
    return None if frame is None else frame.message_id


def current_session_id() -> str:
    frame = handling.get()
    return BUS_SCOPE if frame is None else frame.session_id
