"""Message ids and timestamps.

Ids are UUIDv7 strings: unique, and sortable by creation time, so a log sorted by id is
also sorted by time. Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

import uuid_utils


def new_id() -> str:
    return str(uuid_utils.uuid7())


utc_now: Callable[[], datetime] = partial(datetime.now, UTC)
"""The time now, timezone-aware UTC (a partial: every message takes one, no Python call)."""
