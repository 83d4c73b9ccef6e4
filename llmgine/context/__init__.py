"""Conversation context: each session's history, its window, and sessions kept on disk."""

from llmgine.context._listing import first_words, record_lines, session_lines
from llmgine.context._manager import ContextManager, Conversation
from llmgine.context._store import SessionRecord, SessionStore, SessionSummary
from llmgine.context._store_errors import (
    AmbiguousSessionError,
    CorruptSessionError,
    InvalidSessionIdError,
    SessionError,
    SessionNotFoundError,
    SessionStorageError,
)
from llmgine.context._window import (
    KeepAll,
    LastMessages,
    TokenBudget,
    WindowStrategy,
    message_tokens,
)

__all__ = [
    "AmbiguousSessionError",
    "ContextManager",
    "Conversation",
    "CorruptSessionError",
    "InvalidSessionIdError",
    "KeepAll",
    "LastMessages",
    "SessionError",
    "SessionNotFoundError",
    "SessionRecord",
    "SessionStorageError",
    "SessionStore",
    "SessionSummary",
    "TokenBudget",
    "WindowStrategy",
    "first_words",
    "message_tokens",
    "record_lines",
    "session_lines",
]
