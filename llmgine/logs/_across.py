"""One session across many logs: a conversation resumed run after run is in several files.

``records_of_session`` looks through the files it is given for one session's records and
returns them file by file, each file's records in their order there, the files in the order
the session reached them (by the first timestamp of its records in each). A file whose bytes
do not hold the session id in JSON at all is skipped without being parsed, so looking
through a folder of large logs reads most of them at disk speed.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import orjson

from llmgine.logs._reader import LogRecord, read_records

_UNKNOWN = datetime.max.replace(tzinfo=UTC)


def records_of_session(
    paths: Iterable[Path], session_id: str
) -> list[tuple[Path, list[LogRecord]]]:
    """The records of ``session_id`` in each of ``paths`` that has some, in session order."""
    needle = orjson.dumps(session_id)
    found: list[tuple[datetime, int, Path, list[LogRecord]]] = []
    for index, path in enumerate(paths):
        if not _mentions(path, needle):
            continue
        records = [r for r in read_records(path) if r.session_id == session_id]
        if records:
            first = min((r.timestamp for r in records if r.timestamp), default=_UNKNOWN)
            found.append((first, index, path, records))
    found.sort(key=lambda item: (item[0], item[1]))
    return [(path, records) for _, _, path, records in found]


def _mentions(path: Path, needle: bytes) -> bool:
    with path.open("rb") as file:
        try:
            with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return data.find(needle) != -1
        except ValueError:  # an empty file cannot be mapped
            return False
