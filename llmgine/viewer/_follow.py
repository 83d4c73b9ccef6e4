"""Following a log as it grows: the complete lines written since the last read.

``read_records`` reads a log from its start. A viewer of a run in progress needs the lines
written since it last looked, several times a second, so ``LogFollower`` keeps the byte
offset after the last complete line it read and each ``read_new()`` parses the lines
completed since. A last line still being written (no newline yet) waits for the next read.
Lines are numbered as ``read_records`` numbers them (from 1, blank lines counted), so a
line number names the same line to both. A file that was replaced or shrank is read again
from its start (``restarts`` counts how often).

Lines are parsed by orjson alone, not by the codec's exact-integer reader: an index needs
ids, types, times and counts, and parsing is most of what opening a large run costs (the
codec's search for long integers doubles it). What a reader is shown of a message is read
back whole and exact through ``read_log`` (``_whole``). A line that is not a JSON object is
skipped and counted, the first such problem kept.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson

from llmgine.logs import LogRecord

_BLOCK = 4 * 1024 * 1024
"""Bytes read at a time: a large log is parsed in pieces, never held whole as bytes."""


class LogFollower:
    """Reads the lines of one log that were completed since its last read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        """Bytes read: the file up to here was complete lines, all parsed."""
        self.lines = 0
        self.skipped = 0
        self.problem: str | None = None
        self.restarts = 0
        self._identity: tuple[int, int] | None = None

    def read_new(self) -> list[LogRecord]:
        """The records of the lines completed since the last call (raises ``OSError``)."""
        stat = os.stat(self.path)
        identity = (stat.st_dev, stat.st_ino)
        if self._identity is not None and (
            identity != self._identity or stat.st_size < self.offset
        ):
            self._restart()
        self._identity = identity
        if stat.st_size <= self.offset:
            return []
        records: list[LogRecord] = []
        with self.path.open("rb") as file:
            file.seek(self.offset)
            left = stat.st_size - self.offset
            pending = b""
            while left > 0:
                block = file.read(min(_BLOCK, left))
                if not block:
                    break
                left -= len(block)
                block = pending + block
                end = block.rfind(b"\n") + 1
                pending = block[end:]
                self._parse(block[:end], records)
                self.offset += end
        return records

    def _parse(self, complete: bytes, records: list[LogRecord]) -> None:
        path, number, loads = self.path, self.lines, orjson.loads
        for raw in complete.split(b"\n")[:-1]:  # what follows the last newline is not a line
            number += 1
            if not raw or raw.isspace():
                continue
            try:
                data = loads(raw)
            except orjson.JSONDecodeError as exc:
                self._skip(f"line {number}: not valid JSON ({exc})")
                continue
            if isinstance(data, dict):
                records.append(LogRecord(data, path, number))
            else:
                self._skip(f"line {number}: not a JSON object")
        self.lines = number

    def _skip(self, problem: str) -> None:
        self.skipped += 1
        if self.problem is None:
            self.problem = problem

    def _restart(self) -> None:
        self.offset = self.lines = self.skipped = 0
        self.problem = None
        self.restarts += 1
