"""The JSONL sink's writer: one daemon thread that appends batches to one file, in order.

The loop hands it batches, barriers (``flush``) and a last ``close`` through a queue and
never waits for the thread itself: every outcome comes back on the loop through
``call_soon_threadsafe``, as a call of ``report`` or as the result of an asyncio future.
So a disk that hangs stalls this thread only, and since the thread is a daemon it never
keeps the process alive.

Invariant: between batches the file holds whole lines only. The batches waiting when the
thread wakes are appended together with ``os.writev`` on an ``O_APPEND`` descriptor (short
writes continued); if a write fails part-way, the file is truncated back to its size
after the last whole group, whose lines are all reported lost.

A file the writer created and never wrote a byte to is removed when it closes, with the
folders it made for it (those that are still empty): a bus whose start failed leaves no
empty log and no empty ``logs/`` folder behind. A file that was there before is kept.
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

_MAX_GROUP = 64
"""Batches written with one system call at most (well under the kernel's IOV_MAX)."""


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
class _Drained:
    done: threading.Event  # set once every batch queued before it is written


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
        self._queue: queue.SimpleQueue[_Batch | _Barrier | _Drained] = queue.SimpleQueue()
        self._opened: asyncio.Future[None] = loop.create_future()
        self._size = 0
        self._created: list[Path] = []  # what the writer made: the file, then its folders
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

    def drain(self, timeout: float) -> bool:
        """Wait, from any thread and without the loop, until every batch queued so far is
        written; False if ``timeout`` seconds passed first. For the process's exit."""
        done = threading.Event()
        self._queue.put(_Drained(done))
        return done.wait(timeout)

    # The methods below run on the writer thread.

    def _run(self) -> None:
        try:
            fd = self._open()
            self._size = os.fstat(fd).st_size
        except OSError as exc:
            self._call(_settle_with_error, self._opened, exc)
            return
        self._call(_settle, self._opened, None)
        pending: _Batch | _Barrier | _Drained | None = None
        while True:
            item = pending if pending is not None else self._queue.get()
            pending = None
            if isinstance(item, _Batch):
                # Take every batch already waiting, and write them with one system call:
                # a writer that fell behind catches up in a few calls, not one per batch.
                batches = [item]
                while len(batches) < _MAX_GROUP:
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if not isinstance(more, _Batch):
                        pending = more
                        break
                    batches.append(more)
                self._call(self._report, self._append(fd, batches))
                continue
            if isinstance(item, _Drained):
                item.done.set()
                continue
            error = _attempt(os.fsync, fd) if item.fsync else None
            if item.close:
                close_error = _attempt(os.close, fd)
                error = error or close_error
            if item.close and self._size == 0:
                self._remove_created()
            self._call(_settle, item.done, error)
            if item.close:
                return

    def _open(self) -> int:
        folder = self._path.parent
        made = [level for level in (folder, *folder.parents) if not level.exists()]
        folder.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC
        try:
            fd = os.open(self._path, flags | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            fd = os.open(self._path, flags)
        else:
            self._created = [self._path, *made]  # deepest first
        return fd

    def _remove_created(self) -> None:
        for index, path in enumerate(self._created):
            try:
                path.unlink() if index == 0 else path.rmdir()
            except OSError:
                return  # replaced meanwhile, or a folder someone else now uses: keep the rest

    def _append(self, fd: int, batches: list[_Batch]) -> BatchOutcome:
        size = sum(len(batch.data) for batch in batches)
        lines = sum(batch.lines for batch in batches)
        views = [memoryview(batch.data) for batch in batches]
        written = 0
        try:
            while written < size:
                written += _write(fd, views, written)
        except OSError as exc:
            repair_error = None
            if written:  # part of the batches is in the file: cut it off
                try:
                    os.ftruncate(fd, self._size)
                except OSError as truncate_exc:
                    repair_error = truncate_exc
            return BatchOutcome(lines, size, exc, repair_error)
        self._size += size
        return BatchOutcome(lines, size)

    def _call(self, func: Callable[..., None], *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is left to tell
            self._loop.call_soon_threadsafe(func, *args)


def _write(fd: int, views: list[memoryview], skip: int) -> int:
    """Write what is left of ``views`` after their first ``skip`` bytes; how much went."""
    rest: list[memoryview] = []
    for view in views:
        if skip >= len(view):
            skip -= len(view)
            continue
        rest.append(view[skip:])
        skip = 0
    return os.writev(fd, rest[:_MAX_GROUP])


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
