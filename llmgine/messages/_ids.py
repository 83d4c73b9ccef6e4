"""Message ids, session ids and timestamps.

Message ids are UUIDv7 strings: unique, and sortable by creation time, so a log sorted by
id is also sorted by time. A session id that llmgine makes is the same UUIDv7 as 32 lowercase
hex digits, with no dashes: one format wherever a session is made (the session store, a bus
session, a client, a workflow step), easy to type a prefix of, and a valid store id.
Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

import uuid_utils


def new_id() -> str:
    return str(uuid_utils.uuid7())


def new_session_id() -> str:
    """A fresh session id: 32 hex digits, unique and sortable by creation time."""
    return uuid_utils.uuid7().hex


utc_now: Callable[[], datetime] = partial(datetime.now, UTC)
"""The time now, timezone-aware UTC (a partial: every message takes one, no Python call)."""
