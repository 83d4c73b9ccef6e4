"""The JSONL sink's writer: one daemon thread that appends batches to one file, in order.

The loop hands it batches, barriers (``flush``) and a last ``close`` through a queue and
never waits for the thread itself: every outcome comes back on the loop through
``call_soon_threadsafe``, as a call of ``report`` or as the result of an asyncio future.
So a disk that hangs stalls this thread only, and since the thread is a daemon it never
keeps the process alive.

Invariant: between batches the file holds whole lines only. A batch is appended with
``os.write`` on an ``O_APPEND`` descriptor (short writes continued); if a write fails
part-way, the file is truncated back to its size after the last whole batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What became of one batch: written (``error is None``) or lost."""

    lines: int
    size: int
    error: OSError | None = None
    repair_error: OSError | None = None  # the file may end in a partial line


@dataclass(frozen=True, slots=True)
class _Batch:
    data: bytes
    lines: int


@dataclass(frozen=True, slots=True)
class _Barrier:
    done: asyncio.Future[OSError | None]  # the fsync error, if any
    fsync: bool
    close: bool


class Writer:
    """Appends batches to ``path`` on a daemon thread; ``report`` hears of each batch."""

    def __init__(
        self,
        path: Path,
        loop: asyncio.AbstractEventLoop,
        report: Callable[[BatchOutcome], None],
    ) -> None:
        self._path = path
        self._loop = loop
        self._report = report
        self._queue: queue.SimpleQueue[_Batch | _Barrier] = queue.SimpleQueue()
        self._opened: asyncio.Future[None] = loop.create_future()
        self._size = 0
        self._thread = threading.Thread(target=self._run, name="llmgine-jsonl-writer", daemon=True)

    def open(self) -> asyncio.Future[None]:
        """Start the thread; the future is done once the file is open (or failed to)."""
        self._thread.start()
        return self._opened

    def write(self, data: bytes, lines: int) -> None:
        self._queue.put(_Batch(data, lines))

    def barrier(self, *, fsync: bool, close: bool = False) -> asyncio.Future[OSError | None]:
        """A future done once every batch queued before it is written (and synced)."""
        done: asyncio.Future[OSError | None] = self._loop.create_future()
        self._queue.put(_Barrier(done, fsync, close))
        return done

    # The methods below run on the writer thread.

    def _run(self) -> None:
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)
            self._size = os.fstat(fd).st_size
        except OSError as exc:
            self._call(_settle_with_error, self._opened, exc)
            return
        self._call(_settle, self._opened, None)
        while True:
            item = self._queue.get()
            if isinstance(item, _Batch):
                self._call(self._report, self._append(fd, item))
                continue
            error = _attempt(os.fsync, fd) if item.fsync else None
            if item.close:
                close_error = _attempt(os.close, fd)
                error = error or close_error
            self._call(_settle, item.done, error)
            if item.close:
                return

    def _append(self, fd: int, batch: _Batch) -> BatchOutcome:
        data = memoryview(batch.data)
        try:
            while data:
                data = data[os.write(fd, data) :]
        except OSError as exc:
            repair_error = None
            if len(data) < len(batch.data):  # part of the batch is in the file: cut it off
                try:
                    os.ftruncate(fd, self._size)
                except OSError as truncate_exc:
                    repair_error = truncate_exc
            return BatchOutcome(batch.lines, len(batch.data), exc, repair_error)
        self._size += len(batch.data)
        return BatchOutcome(batch.lines, len(batch.data))

    def _call(self, func: Callable[..., None], *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is left to tell
            self._loop.call_soon_threadsafe(func, *args)


def _attempt(call: Callable[[int], None], fd: int) -> OSError | None:
    try:
        call(fd)
    except OSError as exc:
        return exc
    return None


def _settle(future: asyncio.Future[Any], result: object) -> None:
    if not future.done():  # a waiter that gave up (timeout, cancellation) cancelled it
        future.set_result(result)


def _settle_with_error(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
