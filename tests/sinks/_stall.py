"""A disk that hangs, a ticker that shows whether the event loop stayed free, and the
writer threads a JSONL sink leaves behind.

A FIFO whose reader is open but reads nothing behaves like a log on a hung mount: a writer
opens it at once, and its writes block as soon as the pipe's buffer (64 KiB) is full.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path


class SilentFifo:
    """A FIFO at ``path`` with an open reader that reads only when told to."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path)
        self.path = path
        self.filler = 0  # bytes put in the pipe by fill(), ahead of what the sink wrote
        self._reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)

    def fill(self) -> None:
        """Fill the pipe's buffer, so that the next write to the FIFO blocks."""
        writer = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        try:
            while True:
                self.filler += os.write(writer, b"\n" * 4096)
        except BlockingIOError:
            pass
        finally:
            os.close(writer)

    async def read_to_end(self, timeout: float) -> bytes:
        """Read until every writer has closed the FIFO; what fill() put there is left out."""
        loop = asyncio.get_running_loop()
        ended: asyncio.Future[None] = loop.create_future()
        chunks: list[bytes] = []

        def readable() -> None:
            try:
                chunk = os.read(self._reader, 1 << 16)
            except BlockingIOError:
                return
            if chunk:
                chunks.append(chunk)
            elif not ended.done():
                ended.set_result(None)

        loop.add_reader(self._reader, readable)
        try:
            await asyncio.wait_for(ended, timeout)
        finally:
            loop.remove_reader(self._reader)
        return b"".join(chunks)[self.filler :]

    def close(self) -> None:
        """Close the reader: a writer still blocked on the FIFO fails with EPIPE."""
        os.close(self._reader)


class Ticker:
    """Ticks every ``interval`` seconds while ``run`` runs; ``longest_gap`` shows a blocked loop."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.longest_gap = 0.0
        self._tick = asyncio.Event()

    async def ticks(self, count: int, timeout: float) -> None:
        """Return after ``count`` more ticks; TimeoutError if the loop did not get there."""
        async with asyncio.timeout(timeout):
            for _ in range(count):
                await self._tick.wait()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(self.interval)
            now = loop.time()
            self.longest_gap = max(self.longest_gap, now - last)
            last = now
            tick, self._tick = self._tick, asyncio.Event()
            tick.set()


@contextlib.asynccontextmanager
async def ticking(interval: float = 0.002) -> AsyncIterator[Ticker]:
    """A ticker running on the loop for the length of the ``async with``."""
    ticker = Ticker(interval)
    task = asyncio.create_task(ticker.run())
    try:
        yield ticker
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def writer_threads_started_since(before: set[threading.Thread]) -> list[threading.Thread]:
    return [
        t
        for t in threading.enumerate()
        if t not in before and t.name.startswith("llmgine-jsonl") and t.is_alive()
    ]


def writer_threads_left(before: set[threading.Thread], timeout: float = 5.0) -> list[str]:
    """Writer threads started since ``before`` still alive once ``timeout`` has passed.

    A writer ends right after it has told the loop it is done, so it may still be
    returning when ``close()`` returns: give it until the deadline.
    """
    deadline = time.monotonic() + timeout
    for thread in writer_threads_started_since(before):
        thread.join(max(0.0, deadline - time.monotonic()))
    return [t.name for t in writer_threads_started_since(before)]
