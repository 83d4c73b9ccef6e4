"""Metrics: the messages of a bus aggregated into counts, latencies, tokens and cost.

``Metrics`` is a pure aggregator: ``observe(message, at)`` updates counters and
histograms, ``snapshot()`` reads them out; no I/O, no clock of its own unless ``at`` is
left out, and no message is kept. What it measures:

- commands by type: how many finished, how many failed, and the latency from the
  command to its result (so a ``PromptCommand`` counts the whole turn);
- events by type: how many;
- model calls (``LLMCallCompletedEvent`` / ``LLMCallFailedEvent``) per model, per session
  and in total: calls, failures, input and output tokens, estimated cost (see
  ``_prices``), and per model the call latency;
- tool calls per tool: calls, failures, duration;
- handler failures by handler and exception type;
- events the bus could not deliver when it stopped (``BusStoppedEvent``);
- metrics the app publishes (``MetricEvent``), by name: count, last value, sum, range.

Memory does not grow with the number of messages: every table has a cap on its keys
(the least recently used key is folded into ``"<other>"``), every histogram a fixed number
of buckets, and commands waiting for their result a cap (the oldest is forgotten).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

from llmgine.messages import Message
from llmgine.sinks import _wire as wire
from llmgine.sinks._bounded import OTHER, BoundedTable
from llmgine.sinks._histogram import LogHistogram
from llmgine.sinks._metrics_rows import (
    Count,
    Published,
    Timed,
    Usage,
    metric_stats,
    other_last,
    rows,
    timed_stats,
    tool_stats,
    usage_stats,
)
from llmgine.sinks._prices import DEFAULT_PRICES, ModelPrice, price_for
from llmgine.sinks._snapshot import HandlerFailureCount, MetricsSnapshot


class Metrics:
    """Counts, latency percentiles, tokens and cost of what crossed a bus, in bounded memory.

    Args:
        prices: model prices to add to (and override) ``DEFAULT_PRICES``.
        relative_accuracy: bound on the relative error of every percentile.
        max_sessions, max_models, max_tools, max_types, max_failure_kinds: how many keys
            each table keeps by name before folding the least recently used into
            ``"<other>"`` (``max_types`` for command and event types alike; event types
            are not folded: the first ``max_types`` keep their names, later ones count as
            ``"<other>"``, which keeps counting an event as cheap as a dict update);
            ``max_metrics`` for the metrics the app publishes.
        max_pending: commands waiting for their result that are remembered.
    """

    def __init__(
        self,
        *,
        prices: Mapping[str, ModelPrice] | None = None,
        relative_accuracy: float = 0.01,
        max_sessions: int = 1000,
        max_models: int = 100,
        max_tools: int = 200,
        max_types: int = 200,
        max_failure_kinds: int = 200,
        max_metrics: int = 200,
        max_pending: int = 10_000,
    ) -> None:
        self.prices: Mapping[str, ModelPrice] = {**DEFAULT_PRICES, **(prices or {})}
        self.relative_accuracy = relative_accuracy
        LogHistogram(relative_accuracy)  # validates the accuracy now, not at the first call
        self._price_cache: dict[str, ModelPrice | None] = {}
        timed = partial(Timed, relative_accuracy)
        self._commands = BoundedTable[str, Timed](max_types, timed, Timed.fold)
        self._events: dict[str, int] = {}
        self._max_types = max_types
        self._models = BoundedTable[str, Usage](max_models, self._timed_usage, Usage.fold)
        self._sessions = BoundedTable[str, Usage](max_sessions, Usage, Usage.fold)
        self._tools = BoundedTable[str, Timed](max_tools, timed, Timed.fold)
        self._failures = BoundedTable[tuple[str, str], Count](max_failure_kinds, Count, Count.fold)
        self._published = BoundedTable[str, Published](max_metrics, Published, Published.fold)
        self._total = self._timed_usage()
        self._pending: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._max_pending = max_pending
        self.messages = 0
        self.undelivered_at_stop: int | None = None

    def observe(self, message: Message, at: float | None = None) -> None:
        """Count ``message``, seen at ``at`` (seconds on a monotonic clock; default now)."""
        self.messages += 1
        cls = type(message)
        plan = _PLANS.get(cls) or _plan(cls)
        kind, name, reader = plan
        if kind == "event":
            events = self._events
            if name in events:
                events[name] += 1
            elif len(events) < self._max_types:
                events[name] = 1
            else:
                events[OTHER] = events.get(OTHER, 0) + 1
            if reader is not None:
                reader(self, message)
            return
        now = time.perf_counter() if at is None else at
        command_id: str = message.command_id  # type: ignore[attr-defined]
        if kind == "command":
            pending = self._pending
            pending[command_id] = (name, now)
            if len(pending) > self._max_pending:
                pending.popitem(last=False)
            return
        begun = self._pending.pop(command_id, None)
        if begun is not None:
            row = self._commands.row(begun[0])
            row.count += 1
            row.failed += not message.success  # type: ignore[attr-defined]
            row.latency.add((now - begun[1]) * 1000)

    def _timed_usage(self) -> Usage:
        return Usage(LogHistogram(self.relative_accuracy))

    @property
    def pending_commands(self) -> int:
        return len(self._pending)

    def price(self, model: str) -> ModelPrice | None:
        """The price used for ``model``, or None when it has none."""
        cache = self._price_cache
        if model not in cache:
            if len(cache) >= 1024:
                cache.clear()
            cache[model] = price_for(model, self.prices)
        return cache[model]

    # -- events read by name (see _wire) -----------------------------------------------

    def _llm_completed(self, message: Any) -> None:
        usage = message.usage
        tokens_in, tokens_out = usage.input_tokens, usage.output_tokens
        price = self.price(message.model) if usage.reported else None  # unknown, not $0
        cost = None if price is None else price.cost(tokens_in, tokens_out)
        latency = message.latency_ms
        for row in self._usage_rows(message):
            row.calls += 1
            row.input += tokens_in
            row.output += tokens_out
            if cost is None:
                row.unpriced += 1
            else:
                row.cost += cost
            if row.latency is not None:
                row.latency.add(latency)

    def _llm_failed(self, message: Any) -> None:
        for row in self._usage_rows(message):
            row.calls += 1
            row.failed += 1

    def _usage_rows(self, message: Any) -> tuple[Usage, Usage, Usage]:
        return (
            self._total,
            self._models.row(message.model),
            self._sessions.row(message.session_id),
        )

    def _tool_done(self, message: Any) -> None:
        row = self._tools.row(message.tool_name)
        row.count += 1
        row.failed += type(message).__name__ == wire.TOOL_FAILED
        row.latency.add(message.duration_ms)

    def _handler_failed(self, message: Any) -> None:
        self._failures.row((message.handler, message.exception_type)).n += 1

    def _metrics_published(self, message: Any) -> None:
        for metric in message.metrics:
            self._published.row(metric.name).add(float(metric.value), metric.unit)

    def _bus_stopped(self, message: Any) -> None:
        self.undelivered_at_stop = (self.undelivered_at_stop or 0) + message.undelivered

    # -- reading out -------------------------------------------------------------------

    def snapshot(self) -> MetricsSnapshot:
        failures = [
            HandlerFailureCount(handler=handler, exception_type=exc, count=row.n)
            for (handler, exc), row in self._failures.items()
        ]
        other = self._failures.other
        if other is not None:
            failures.append(HandlerFailureCount(handler=OTHER, exception_type=OTHER, count=other.n))
        return MetricsSnapshot(
            taken_at=datetime.now(UTC),
            messages=self.messages,
            commands=rows(self._commands, timed_stats),
            pending_commands=len(self._pending),
            events=dict(sorted(self._events.items(), key=other_last)),
            total=usage_stats(self._total),
            models=rows(self._models, usage_stats),
            sessions=rows(self._sessions, usage_stats),
            tools=rows(self._tools, tool_stats),
            handler_failures=tuple(sorted(failures, key=lambda f: (-f.count, f.handler))),
            metrics=rows(self._published, metric_stats),
            undelivered_at_stop=self.undelivered_at_stop,
            relative_accuracy=self.relative_accuracy,
        )


_EVENT_READERS: dict[str, Callable[[Metrics, Any], None]] = {
    wire.LLM_COMPLETED: Metrics._llm_completed,
    wire.LLM_FAILED: Metrics._llm_failed,
    wire.TOOL_COMPLETED: Metrics._tool_done,
    wire.TOOL_FAILED: Metrics._tool_done,
    wire.HANDLER_FAILED: Metrics._handler_failed,
    wire.BUS_STOPPED: Metrics._bus_stopped,
    "MetricEvent": Metrics._metrics_published,
}


_Plan = tuple[str, str, Callable[[Metrics, Any], None] | None]
_PLANS: dict[type[Message], _Plan] = {}
"""Per message class: its kind, its wire name, and the reader of its fields if any."""


def _plan(cls: type[Message]) -> _Plan:
    plan = _PLANS[cls] = (cls.kind, cls.__name__, _EVENT_READERS.get(cls.__name__))
    return plan
