"""Message ids and timestamps.

Ids are UUIDv7 strings: unique, and sortable by creation time, so a log sorted by id is
also sorted by time. Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

import uuid_utils


def new_id() -> str:
    return str(uuid_utils.uuid7())


def utc_now() -> datetime:
    return datetime.now(UTC)
