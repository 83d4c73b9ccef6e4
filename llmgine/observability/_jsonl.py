"""The JSONL sink: one line per message, written in batches off the event loop.

``emit`` serialises the message at once (so the line shows the message as it was when
recorded) and appends the bytes to a buffer. A full buffer, or a short timer after the
first line, hands the batch to a single writer thread, which keeps batches in order and
keeps file I/O off the loop. If the disk falls so far behind that ``max_pending_bytes``
are waiting, ``emit`` waits for the writer rather than let memory grow without bound.
Nothing is fsynced per line; ``fsync=True`` syncs on every flush and at close.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, Literal, TypeVar

from llmgine.messages import Message
from llmgine.observability._serialize import to_json_line
from llmgine.observability._sink import Sink

logger = logging.getLogger("llmgine.observability.jsonl")

_State = Literal["new", "running", "closing", "closed"]
T = TypeVar("T")


class JsonlSink(Sink):
    """Appends every message to ``path`` as one JSON object per line."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        batch_size: int = 1024,
        flush_interval: float = 0.2,
        max_pending_bytes: int = 64 * 1024 * 1024,
        fsync: bool = False,
    ) -> None:
        if batch_size < 1 or flush_interval <= 0 or max_pending_bytes < 1:
            raise ValueError("batch_size, flush_interval and max_pending_bytes must be positive")
        self.path = Path(path)
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._max_pending = max_pending_bytes
        self._fsync = fsync
        self._state: _State = "new"
        self._buffer: list[bytes] = []
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._file: BinaryIO | None = None
        self._last_write: Future[None] | None = None
        self._pending_bytes = 0
        self._lock = threading.Lock()
        self.lines_written = 0
        self.write_errors = 0

    async def start(self) -> None:
        if self._state != "new":
            raise RuntimeError(f"JsonlSink for {str(self.path)!r} was already started")
        self._loop = asyncio.get_running_loop()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llmgine-jsonl")
        try:
            self._file = await self._run(self._open)
        except BaseException:
            self._executor.shutdown(wait=True)
            self._state = "closed"
            raise
        self._state = "running"

    def emit(self, message: Message) -> None:
        if self._state != "running":
            raise RuntimeError(f"JsonlSink for {str(self.path)!r} is {self._state}, not running")
        buffer = self._buffer
        buffer.append(to_json_line(message))
        if len(buffer) >= self._batch_size:
            self._hand_off()
        elif self._timer is None:
            assert self._loop is not None
            self._timer = self._loop.call_later(self._flush_interval, self._hand_off)

    async def flush(self) -> None:
        if self._state not in ("running", "closing"):
            return
        self._hand_off()
        last = self._last_write
        if last is not None:
            await asyncio.wrap_future(last)
        if self._fsync:
            await self._run(self._sync)

    async def close(self) -> None:
        if self._state != "running":
            if self._state == "new":
                self._state = "closed"
            return
        self._state = "closing"  # emit() refuses from here on, so nothing can slip in
        try:
            await self.flush()
            await self._run(self._close_file)
        finally:
            self._state = "closed"
            assert self._executor is not None
            self._executor.shutdown(wait=True)

    def _hand_off(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._buffer:
            return
        data = b"".join(self._buffer)
        count = len(self._buffer)
        self._buffer.clear()
        with self._lock:
            self._pending_bytes += len(data)
            too_far_behind = self._pending_bytes > self._max_pending
        assert self._executor is not None
        self._last_write = self._executor.submit(self._write, data, count)
        if too_far_behind:
            logger.warning("log writer is behind by %d bytes; waiting for it", self._pending_bytes)
            self._last_write.result()

    # The methods below run on the writer thread.

    def _open(self) -> BinaryIO:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return self.path.open("ab")

    def _write(self, data: bytes, count: int) -> None:
        assert self._file is not None
        try:
            self._file.write(data)
            self._file.flush()
            self.lines_written += count
        except OSError:
            self.write_errors += 1
            logger.exception("could not write %d log lines to %s", count, self.path)
        finally:
            with self._lock:
                self._pending_bytes -= len(data)

    def _sync(self) -> None:
        if self._file is not None:
            os.fsync(self._file.fileno())

    def _close_file(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            try:
                if self._fsync:
                    os.fsync(file.fileno())
            finally:
                file.close()

    async def _run(self, func: Callable[[], T]) -> T:
        assert self._loop is not None
        assert self._executor is not None
        return await self._loop.run_in_executor(self._executor, func)
