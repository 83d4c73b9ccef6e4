"""Starting and stopping what a bus owns, its sinks and its transport, within bounds.

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
from collections.abc import Callable

from llmgine.bus._recorder import Recorder, bounded
from llmgine.bus._transport import Transport
from llmgine.bus._types import StopReport
from llmgine.messages import BUS_SCOPE, BusStoppedEvent, Message

_SINK_RESERVE = 0.25
_SINK_RESERVE_MAX = 2.0


class Stopper:
    """The start and the stop of one bus; counts the commands in flight meanwhile."""

    def __init__(self, transport: Transport, recorder: Recorder, stop_timeout: float) -> None:
        self._transport = transport
        self._recorder = recorder
        self._timeout = stop_timeout
        self.inflight = 0
        """Commands being handled right now (the bus keeps the count)."""
        self.commands_idle = asyncio.Event()
        self.commands_idle.set()
        self._started = False
        self._task: asyncio.Task[StopReport] | None = None
        self._report: StopReport | None = None

    async def start_all(self) -> None:
        await self._recorder.start()
        try:
            await self._transport.start()
        except BaseException:
            await self._recorder.close_all(self._recorder.sinks)
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
        closed = await bounded(self._transport.close(), end)
        problems = [f"{type(self._transport).__name__}: {closed}"] if closed else []
        on_closed()
        undelivered = self._transport.stats().lost

        def last(sink_problems: tuple[str, ...]) -> Message:
            return BusStoppedEvent(
                undelivered=undelivered, commands_in_flight=self.inflight, timed_out=timed_out,
                sink_problems=(*problems, *sink_problems), session_id=BUS_SCOPE, parent_id=None,
            )  # fmt: skip

        problems.extend(await self._recorder.finish(end, last))
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
