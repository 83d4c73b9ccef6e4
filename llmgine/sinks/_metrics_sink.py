"""The metrics sink: feeds every recorded message to a ``Metrics`` aggregator.

It times commands by when the bus records them (the command, then its result), so the
latency it reports is the bus's view of the handling, middleware included. ``emit`` only
updates counters: it never blocks and never raises into the bus (a message it cannot read
is logged and skipped).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from llmgine.messages import Message
from llmgine.sinks._metrics import Metrics
from llmgine.sinks._prices import ModelPrice
from llmgine.sinks._sink import Sink
from llmgine.sinks._snapshot import MetricsSnapshot

if TYPE_CHECKING:
    from llmgine.config import Settings

logger = logging.getLogger("llmgine.sinks.metrics")


class MetricsSink(Sink):
    """Aggregates what crosses the bus; read it with ``snapshot()``.

    ``metrics`` is the aggregator to feed (default: a new ``Metrics()``); build one with
    your own prices or caps and pass it here.
    """

    def __init__(self, metrics: Metrics | None = None) -> None:
        self.metrics = Metrics() if metrics is None else metrics
        self._clock = time.perf_counter
        self._failed_types: set[str] = set()

    @classmethod
    def from_settings(
        cls, settings: Settings, *, prices: Mapping[str, ModelPrice] | None = None
    ) -> MetricsSink | None:
        """The sink the settings ask for: ``None`` when ``metrics`` is off."""
        if not settings.metrics:
            return None
        return cls(Metrics(prices=prices))

    def emit(self, message: Message) -> None:
        try:
            self.metrics.observe(message, self._clock())
        except Exception:
            name = type(message).__name__
            if name not in self._failed_types and len(self._failed_types) < 100:
                self._failed_types.add(name)  # say it once per type, not once per message
                logger.warning("metrics could not read a %s; skipping it", name, exc_info=True)

    def snapshot(self) -> MetricsSnapshot:
        return self.metrics.snapshot()
