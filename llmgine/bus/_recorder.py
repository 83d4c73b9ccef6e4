"""The sinks of a bus: every accepted message recorded in each, and their shutdown.

``record`` hands a message to every sink in turn, on the event loop, before anything
else happens to it (record first); a sink that raises is logged and skipped, never
allowed to break the bus. At stop, ``finish`` flushes every sink, records the bus's last
message with what the sinks reported going wrong, and closes them, none of it waiting
past the given deadline: a sink that stalls is reported and left behind.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from llmgine.bus._invoke import describe
from llmgine.messages import Message
from llmgine.sinks import Backpressure, Sink

logger = logging.getLogger("llmgine.bus")

_GRACE = 0.1
"""How long a cancelled flush or close may take to wind down before it is left behind."""


class Recorder:
    """Records into a bus's sinks; ``pressure`` is held while one of them is behind."""

    def __init__(self, sinks: list[Sink]) -> None:
        self.sinks = sinks
        self.pressure = Backpressure()

    def record(self, message: Message) -> None:
        for sink in self.sinks:
            try:
                sink.emit(message)
            except Exception:
                logger.exception("sink %r failed to record %s", sink, type(message).__name__)

    async def start(self) -> None:
        """Start every sink; if one fails, close those already started and raise."""
        started: list[Sink] = []
        try:
            for sink in self.sinks:
                sink.bind_backpressure(self.pressure)
                await sink.start()
                started.append(sink)
        except BaseException:
            await self.close_all(started)
            raise

    async def finish(self, end: float, last: Callable[[tuple[str, ...]], Message]) -> list[str]:
        """Flush, record ``last(problems so far)``, close; the problems, by ``end``."""
        problems: list[str] = []
        for sink in self.sinks:
            flushed = await bounded(sink.flush(), end)
            problems.extend([f"{_name(sink)}: flush {flushed}"] if flushed else [])
            problems.extend(f"{_name(sink)}: {p}" for p in sink.problems())
        self.record(last(tuple(problems)))
        for sink in self.sinks:
            closed = await bounded(sink.close(), end)
            later = [f"{_name(sink)}: {p}" for p in sink.problems()]
            now = [f"{_name(sink)}: {closed}"] if closed else []
            problems.extend(p for p in [*now, *later] if p not in problems)
        return problems

    @staticmethod
    async def close_all(sinks: list[Sink]) -> None:
        for sink in sinks:
            try:
                await sink.close()
            except Exception:
                logger.exception("closing %r after a failed start failed", sink)


async def bounded(work: Coroutine[Any, Any, None], end: float) -> str | None:
    """Run ``work`` until ``end`` (loop time) at the latest; what went wrong, if anything."""
    task = asyncio.ensure_future(work)
    remaining = max(0.0, end - asyncio.get_running_loop().time())
    try:
        done, _ = await asyncio.wait({task}, timeout=remaining)
    except asyncio.CancelledError:
        done = set()  # the stop itself is cancelled: leave this part, finish the rest
        current = asyncio.current_task()
        if current is not None:
            current.uncancel()
    if not done:
        task.cancel()
        await asyncio.wait({task}, timeout=_GRACE)
        return "did not finish within the stop timeout (stalled); left behind"
    exc = task.exception()
    return None if exc is None else describe(exc)


def _name(sink: Sink) -> str:
    return type(sink).__name__
