"""The handling context: which message is being handled right now, and where.

The bus sets it around every handler call. Messages built while it is set take their
``parent_id`` (and, unless given, their ``session_id``) from it, which is how the log can
rebuild a whole turn: a tool call's events point at the command that caused them.
"""

from __future__ import annotations

from contextvars import ContextVar

HandlingFrame = tuple[int, str, str, int]
"""What a handler is working on: (bus identity, message id, session id, nesting depth of
commands executed from handlers). A plain tuple, because one is made per delivery."""


BUS_SCOPE = "BUS"
"""The bus-wide session id: messages with it belong to no particular session."""

handling: ContextVar[HandlingFrame | None] = ContextVar("llmgine_handling", default=None)


def current_parent_id() -> str | None:
    frame = handling.get()
    return None if frame is None else frame[1]


def current_session_id() -> str:
    frame = handling.get()
    return BUS_SCOPE if frame is None else frame[2]
