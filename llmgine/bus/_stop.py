"""Starting and stopping what a bus owns: its sinks and its transport, within bounds.

A stop runs in a task of its own that the bus owns, and callers await it through a
shield: a caller that is cancelled (``asyncio.wait_for(bus.stop(), 1)``) leaves, the stop
goes on, and the next ``stop()`` awaits the same task. The task finishes its cleanup even
when it is cancelled itself (as the loop does to every task when ``asyncio.run`` ends).

``stop_timeout`` bounds the whole stop. Draining accepted work may take all of it but the
sinks' reserve (a quarter of the timeout, at most 2 s), in which the sinks are flushed,
the last line (``BusStoppedEvent``) is recorded and the sinks are closed. A sink that does
not finish in time is reported in the ``StopReport`` and left behind, never waited for.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from llmgine.bus._invoke import describe
from llmgine.bus._transport import Transport
from llmgine.bus._types import StopReport
from llmgine.messages import BUS_SCOPE, BusStoppedEvent, Message
from llmgine.observability import Sink

logger = logging.getLogger("llmgine.bus")

_SINK_RESERVE = 0.25
_SINK_RESERVE_MAX = 2.0
_GRACE = 0.1
"""How long a sink's cancelled flush or close may take to wind down before it is left."""


class Stopper:
    """The start and the stop of one bus; counts the commands in flight meanwhile."""

    def __init__(
        self,
        transport: Transport,
        sinks: list[Sink],
        record: Callable[[Message], None],
        stop_timeout: float,
    ) -> None:
        self._transport = transport
        self._sinks = sinks
        self._record = record
        self._timeout = stop_timeout
        self.inflight = 0
        """Commands being handled right now (the bus keeps the count)."""
        self.commands_idle = asyncio.Event()
        self.commands_idle.set()
        self._started = False
        self._task: asyncio.Task[StopReport] | None = None
        self._report: StopReport | None = None

    async def start_all(self) -> None:
        started: list[Sink] = []
        try:
            for sink in self._sinks:
                await sink.start()
                started.append(sink)
            await self._transport.start()
        except BaseException:
            for sink in started:
                try:
                    await sink.close()
                except Exception:
                    logger.exception("closing %r after a failed start failed", sink)
            raise
        self._started = True

    async def stop(self, timeout: float | None, on_closed: Callable[[], None]) -> StopReport:
        if self._report is not None:
            return self._report
        if not self._started:
            on_closed()
            self._report = StopReport()
            return self._report
        if self._task is None:
            self._task = asyncio.create_task(self._run(timeout, on_closed), name="llmgine-stop")
        self._report = report = await asyncio.shield(self._task)
        return report

    async def _run(self, timeout: float | None, on_closed: Callable[[], None]) -> StopReport:
        loop = asyncio.get_running_loop()
        budget = self._timeout if timeout is None else timeout
        end = loop.time() + budget
        self._transport.wake()
        timed_out = await self._drain(end - min(_SINK_RESERVE_MAX, budget * _SINK_RESERVE))
        if timed_out:
            self._transport.abandon()
        closed = await _bounded(self._transport.close(), end, "close")
        problems = [f"{type(self._transport).__name__}: {closed}"] if closed else []
        on_closed()
        undelivered = self._transport.stats().lost
        for sink in self._sinks:
            flushed = await _bounded(sink.flush(), end, "flush")
            problems.extend([f"{_name(sink)}: flush {flushed}"] if flushed else [])
            problems.extend(f"{_name(sink)}: {p}" for p in sink.problems())
        self._record(
            BusStoppedEvent(
                undelivered=undelivered, commands_in_flight=self.inflight, timed_out=timed_out,
                sink_problems=tuple(problems), session_id=BUS_SCOPE, parent_id=None,
            )
        )  # fmt: skip
        for sink in self._sinks:
            closed = await _bounded(sink.close(), end, "close")
            later = [f"{_name(sink)}: {p}" for p in sink.problems()]
            now = [f"{_name(sink)}: {closed}"] if closed else []
            problems.extend(p for p in [*now, *later] if p not in problems)
        return StopReport(undelivered, self.inflight, timed_out, tuple(problems))

    async def _drain(self, deadline: float) -> bool:
        """Wait for accepted work to finish; True when it did not by ``deadline``."""
        try:
            async with asyncio.timeout_at(deadline):
                while self._transport.stats().queued or self.inflight:
                    await self._transport.wait_idle()
                    await self.commands_idle.wait()
        except TimeoutError:
            return True
        except asyncio.CancelledError:
            # Cancelled itself (the loop is ending): stop draining, but still close up.
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            return True
        return False


async def _bounded(work: Coroutine[Any, Any, None], end: float, what: str) -> str | None:
    """Run ``work`` until ``end`` at the latest; what went wrong, if it did not finish."""
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
        return f"{what} did not finish within the stop timeout (stalled); left behind"
    exc = task.exception()
    return None if exc is None else describe(exc)


def _name(sink: Sink) -> str:
    return type(sink).__name__
