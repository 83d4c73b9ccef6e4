"""The logs folder the viewer serves: its runs by name, read once and followed after.

A run is named by its file name alone; ``run(name)`` finds it among ``find_logs`` of the
folder, so no request can reach a file outside it. The runs opened last are kept in memory
(``KEPT_RUNS``); every run listed keeps a summary that is brought up to date from the lines
added since. Searching reads the runs newest first, from memory when a run is held.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmgine.logs import LogRecord, describe_record, find_logs
from llmgine.viewer._figures import Prices
from llmgine.viewer._follow import LogFollower
from llmgine.viewer._query import Query
from llmgine.viewer._run import RunIndex, bulk
from llmgine.viewer._summary import RunSummary

KEPT_RUNS = 4
"""Runs held in memory at once (a run of 30,000 messages, an 18 MB log, takes about 100 MB)."""


class RunNotFoundError(LookupError):
    """No log of that name in the folder."""


@dataclass
class _Followed:
    """A summary kept up to date without holding the run's records."""

    follower: LogFollower
    summary: RunSummary


@dataclass(frozen=True)
class SearchHit:
    run: str
    record: LogRecord

    def as_json(self) -> dict[str, Any]:
        record = self.record
        moment = record.timestamp
        return {
            "run": self.run,
            "line": record.line,
            "time": moment.isoformat() if moment else None,
            "kind": record.kind,
            "type": record.type,
            "session": record.session_id,
            "text": describe_record(record, 160),
        }


class LogFolder:
    """The runs of one folder, as the viewer reads them."""

    def __init__(
        self, folder: Path, prices: Prices | None = None, *, freeze_indexes: bool = False
    ) -> None:
        self.folder = folder
        self.prices = prices or Prices()
        self.freeze_indexes = freeze_indexes
        self._runs: OrderedDict[str, RunIndex] = OrderedDict()
        self._followed: dict[str, _Followed] = {}
        self._lock = threading.Lock()

    def paths(self) -> list[Path]:
        """The folder's logs, newest first."""
        return find_logs(self.folder)

    def run(self, name: str) -> RunIndex:
        """The run of that file name, read up to now (raises ``RunNotFoundError``)."""
        with self._lock:
            found = self._runs.get(name)
            if found is not None:
                self._runs.move_to_end(name)
        if found is None:
            path = self._path(name)
            with self._lock:
                found = self._runs.get(name)
                if found is None:
                    found = self._runs[name] = RunIndex(
                        path, self.prices, freeze=self.freeze_indexes
                    )
                    while len(self._runs) > KEPT_RUNS:
                        self._runs.popitem(last=False)
        found.refresh()
        return found

    def summary(self, path: Path) -> tuple[RunSummary, str | None]:
        """A run's summary brought up to date, and the first problem reading it."""
        with self._lock:
            held = self._runs.get(path.name)
            followed = self._followed.get(path.name)
            if held is None and followed is None:
                followed = self._followed[path.name] = _Followed(LogFollower(path), RunSummary())
        if held is not None:
            held.refresh()
            return held.summary, held.follower.problem
        assert followed is not None
        with self._lock:  # one reader of a follower at a time
            restarts = followed.follower.restarts
            new = followed.follower.read_new()
            if followed.follower.restarts != restarts:
                followed.summary = RunSummary()
            followed.summary.add(new, self.prices)
            return followed.summary, followed.follower.problem

    def search(self, query: Query, limit: int) -> tuple[list[SearchHit], bool]:
        """Up to ``limit`` records that match, newest run first; and whether there were more."""
        hits: list[SearchHit] = []
        for path in self.paths():
            if not query.wants_run(path.name):
                continue
            for record in self._records(path):
                if query.matches(record):
                    if len(hits) == limit:
                        return hits, True
                    hits.append(SearchHit(path.name, record))
        return hits, False

    def _records(self, path: Path) -> Iterator[LogRecord]:
        with self._lock:
            held = self._runs.get(path.name)
        if held is not None:
            held.refresh()
            yield from list(held.records)
            return
        try:
            with bulk():
                records = LogFollower(path).read_new()
        except OSError:
            return  # removed since it was listed
        yield from records

    def _path(self, name: str) -> Path:
        if name != os.path.basename(name) or not name.endswith(".jsonl"):
            raise RunNotFoundError(name)
        for path in self.paths():
            if path.name == name:
                return path
        raise RunNotFoundError(name)
