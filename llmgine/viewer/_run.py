"""A run held in memory: its records, its summary and its tree, kept up with its log.

``RunIndex`` reads a log through a ``LogFollower``: ``refresh()`` takes the lines written
since the last look (cheap when there are none), and ``tree()`` rebuilds the ``RunTree``
only when lines came. Everything is guarded by one lock per run, so the threads of the
server read a consistent run. Messages are read back whole (``read_log``) on demand, by
``whole``.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from pathlib import Path

from llmgine.logs import LogRecord
from llmgine.viewer._figures import Prices
from llmgine.viewer._follow import LogFollower
from llmgine.viewer._summary import RunSummary
from llmgine.viewer._tree import RunTree, line_position
from llmgine.viewer._whole import WholeReader


class RunIndex:
    """One run (a log file), read as far as it is written."""

    def __init__(self, path: Path, prices: Prices) -> None:
        self.path = path
        self.prices = prices
        self.follower = LogFollower(path)
        self.records: list[LogRecord] = []
        self.lines: list[int] = []
        self.summary = RunSummary()
        self.whole = WholeReader(path)
        self._tree: RunTree | None = None
        self._restarts = 0
        self._lock = threading.RLock()

    @property
    def name(self) -> str:
        return self.path.name

    def refresh(self) -> int:
        """Read the lines written since the last call; how many records came."""
        with self._lock:
            new = self.follower.read_new()
            if self.follower.restarts != self._restarts:  # replaced or cut: start again
                self._restarts = self.follower.restarts
                self.records, self.lines, self.summary = [], [], RunSummary()
                self._tree = None
                self.whole = WholeReader(self.path)
            if new:
                self.records.extend(new)
                self.lines.extend(r.line for r in new)
                self.summary.add(new, self.prices)
            return len(new)

    def tree(self) -> RunTree:
        """The tree of every record read so far, after reading what is new."""
        with self._lock:
            self.refresh()
            tree = self._tree
            if tree is None or tree.messages != len(self.records):
                tree = self._tree = RunTree(self.records, self.prices)
            return tree

    def after(self, line: int) -> list[LogRecord]:
        """The records past ``line``, as read so far."""
        with self._lock:
            return self.records[bisect_right(self.lines, line) :]

    def record(self, line: int) -> LogRecord | None:
        with self._lock:
            at = line_position(self.lines, line)
            return None if at is None else self.records[at]

    def position(self, line: int) -> int | None:
        """The record's place among the records (what ``read_log`` counts)."""
        with self._lock:
            return line_position(self.lines, line)
