"""The metrics reporter: publishes the metrics on the bus now and then, and once at the end.

It takes the bus's ``publish`` as a plain callable, because observability sits below the
bus and must not import it. It is a component of its own, not part of the sink, for a
reason of order: the bus closes its sinks after it has stopped taking messages, too late
to publish anything, so the last report has to come from something that stops before the
bus does. Nest it inside the bus's lifetime::

    async with bus, MetricsReporter(sink, bus.publish, interval=60):
        ...

The last report (``final=True``) is published when the reporter stops, while the bus still
takes messages; the count of events the bus then fails to deliver is known only after
its drain, and is in the sink's snapshot and in the log's ``BusStoppedEvent``.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Literal, Self

from llmgine.messages import BUS_SCOPE
from llmgine.sinks._metrics import Metrics
from llmgine.sinks._metrics_sink import MetricsSink
from llmgine.sinks._snapshot import MetricsReportedEvent

if TYPE_CHECKING:
    from llmgine.config import Settings

logger = logging.getLogger("llmgine.sinks.metrics")

Publish = Callable[[MetricsReportedEvent], Awaitable[object]]


class MetricsReporter:
    """Publishes a ``MetricsReportedEvent`` every ``interval`` seconds and when it stops.

    Args:
        source: the metrics to report (a ``MetricsSink`` or its ``Metrics``).
        publish: how to put an event on the bus, usually ``bus.publish``.
        interval: seconds between two reports; ``None`` or 0: only the last one.
    """

    def __init__(
        self, source: MetricsSink | Metrics, publish: Publish, *, interval: float | None = 60.0
    ) -> None:
        if interval is not None and interval < 0:
            raise ValueError(f"interval must be positive, 0 or None, not {interval!r}")
        self._metrics = source.metrics if isinstance(source, MetricsSink) else source
        self._publish = publish
        self._interval = interval or None
        self._state: Literal["new", "running", "closed"] = "new"
        self._timer: asyncio.Task[None] | None = None
        self.reports = 0

    @classmethod
    def from_settings(
        cls, settings: Settings, source: MetricsSink | Metrics | None, publish: Publish
    ) -> MetricsReporter | None:
        """A reporter every ``metrics_interval`` seconds; ``None`` when metrics are off."""
        if source is None or not settings.metrics:
            return None
        return cls(source, publish, interval=settings.metrics_interval)

    @property
    def interval(self) -> float | None:
        """Seconds between two reports; ``None``: only the last one."""
        return self._interval

    async def start(self) -> None:
        if self._state != "new":
            raise RuntimeError(f"this MetricsReporter is {self._state}; create a new one")
        self._state = "running"
        if self._interval is not None:
            # A context of its own: started from a handler, the timer must not pass for it.
            self._timer = asyncio.create_task(
                self._every(self._interval), context=contextvars.Context()
            )

    async def stop(self) -> None:
        """Stop the timer and publish the last report. Stopping twice does nothing."""
        if self._state == "closed":
            return
        was_running = self._state == "running"
        self._state = "closed"
        if self._timer is not None:
            self._timer.cancel()
            await asyncio.gather(self._timer, return_exceptions=True)
            self._timer = None
        if was_running:
            await self.report(final=True)

    async def report(self, *, final: bool = False) -> MetricsReportedEvent:
        """Publish the metrics now; returns the event (also when publishing failed)."""
        event = MetricsReportedEvent(
            snapshot=self._metrics.snapshot(), final=final, session_id=BUS_SCOPE, parent_id=None
        )
        try:
            await self._publish(event)
        except Exception as exc:
            logger.warning(
                "could not publish the metrics (%s: %s); stop the reporter before the bus",
                type(exc).__name__, exc,
            )  # fmt: skip
        else:
            self.reports += 1
        return event

    async def _every(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            await self.report()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
