"""A run held in memory: its records, its summary and its tree, kept up with its log.

``RunIndex`` reads a log through a ``LogFollower``: ``refresh()`` takes the lines written
since the last look (cheap when there are none), and ``tree()`` rebuilds the ``RunTree``
only when lines came. Everything is guarded by one lock per run, so the threads of the
server read a consistent run. Messages are read back whole (``read_log``) on demand, by
``whole``.
"""

from __future__ import annotations

import gc
import threading
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from llmgine.logs import LogRecord
from llmgine.viewer._figures import Prices
from llmgine.viewer._follow import LogFollower
from llmgine.viewer._summary import RunSummary
from llmgine.viewer._tree import RunTree, line_position
from llmgine.viewer._whole import WholeReader

T = TypeVar("T")


class RunIndex:
    """One run (a log file), read as far as it is written."""

    def __init__(self, path: Path, prices: Prices, *, freeze: bool = False) -> None:
        self.path = path
        self.prices = prices
        self.freeze = freeze
        self.follower = LogFollower(path)
        self.records: list[LogRecord] = []
        self.lines: list[int] = []
        self.summary = RunSummary()
        self.whole = WholeReader(path)
        self._tree: RunTree | None = None
        self._derived: dict[Hashable, Any] = {}
        self._restarts = 0
        self._lock = threading.RLock()

    @property
    def name(self) -> str:
        return self.path.name

    def refresh(self) -> int:
        """Read the lines written since the last call; how many records came."""
        with self._lock, bulk():
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
        with self._lock, bulk(freeze=self.freeze):
            self.refresh()
            tree = self._tree
            if tree is None or tree.messages != len(self.records):
                tree = self._tree = RunTree(self.records, self.prices, self.summary.first)
                self._derived = {}
            return tree

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """What ``make`` computes from the run as it is now, kept until the run grows (a
        diff asked for again, say)."""
        self.tree()
        with self._lock:
            if key not in self._derived:
                self._derived[key] = make()
            value: T = self._derived[key]
            return value

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


class _CollectorPause:
    """No cyclic garbage collection while a log's objects are made by the ten thousand: the
    collector would scan them again and again (half the time of reading a large log), and
    they hold no cycles for it to find. Nested and concurrent pauses turn it back on once,
    when the last one ends, and only if it was on.

    With ``freeze``, the objects made are then moved out of the collector's way for good
    (``gc.freeze``): otherwise its next pass scans every one of them once more, which delays
    the next request by about as long as reading them took. Only a process that serves the
    viewer asks for it (``ViewerServer(freeze_indexes=True)``, as ``llmgine logs serve``
    does): garbage that is waiting for the collector at that moment is frozen with them.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._was_on = True
        self._freeze = False

    @contextmanager
    def __call__(self, *, freeze: bool = False) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._was_on = gc.isenabled()
                gc.disable()
            self._depth += 1
            self._freeze |= freeze
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    if self._freeze:
                        gc.freeze()
                    self._freeze = False
                    if self._was_on:
                        gc.enable()


bulk = _CollectorPause()
