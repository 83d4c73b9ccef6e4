"""The rows behind ``Metrics`` and how each reads out into its snapshot model.

Rows are small mutable objects with ``__slots__`` (one per key of a bounded table); each
can ``fold`` another into itself, which is how a full table sums evicted keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from llmgine.sinks._bounded import OTHER, BoundedTable
from llmgine.sinks._histogram import LogHistogram
from llmgine.sinks._snapshot import (
    CommandStats,
    LatencySummary,
    MetricStats,
    ToolStats,
    UsageStats,
)

V = TypeVar("V")


class Timed:
    """Commands of a type, or calls of a tool: how many, how many failed, how long."""

    __slots__ = ("count", "failed", "latency")

    def __init__(self, accuracy: float) -> None:
        self.count = 0
        self.failed = 0
        self.latency = LogHistogram(accuracy)

    def fold(self, other: Timed) -> None:
        self.count += other.count
        self.failed += other.failed
        self.latency.merge(other.latency)


class Usage:
    """Model calls and what they used; ``latency`` only where it is kept."""

    __slots__ = ("calls", "cost", "failed", "input", "latency", "output", "unpriced")

    def __init__(self, latency: LogHistogram | None = None) -> None:
        self.calls = self.failed = self.input = self.output = self.unpriced = 0
        self.cost = 0.0
        self.latency = latency

    def fold(self, other: Usage) -> None:
        self.calls += other.calls
        self.failed += other.failed
        self.input += other.input
        self.output += other.output
        self.cost += other.cost
        self.unpriced += other.unpriced
        if self.latency is not None and other.latency is not None:
            self.latency.merge(other.latency)


class Count:
    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0

    def fold(self, other: Count) -> None:
        self.n += other.n


class Published:
    """A metric the app publishes: how many values, the last, their sum and range."""

    __slots__ = ("count", "last", "max", "min", "total", "unit")

    def __init__(self) -> None:
        self.count = 0
        self.last = self.total = 0.0
        self.min = float("inf")
        self.max = float("-inf")
        self.unit: str | None = None

    def add(self, value: float, unit: str | None) -> None:
        self.count += 1
        self.last = value
        self.total += value
        self.min = min(self.min, value)
        self.max = max(self.max, value)
        self.unit = unit

    def fold(self, other: Published) -> None:
        self.count += other.count
        self.last = other.last
        self.total += other.total
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        self.unit = self.unit if self.unit == other.unit or not self.count else None


def other_last(item: tuple[str, object]) -> tuple[bool, str]:
    return item[0] == OTHER, item[0]


def rows(table: BoundedTable[str, V], read: Callable[[V], Any]) -> dict[str, Any]:
    rows = {key: read(row) for key, row in sorted(table.items())}
    if table.other is not None:
        rows[OTHER] = read(table.other)
    return rows


def latency_summary(histogram: LogHistogram) -> LatencySummary:
    if not histogram.count:
        return LatencySummary()
    q = histogram.quantile
    return LatencySummary(
        count=histogram.count,
        mean_ms=histogram.total / histogram.count,
        p50_ms=q(0.5),
        p90_ms=q(0.9),
        p99_ms=q(0.99),
        max_ms=histogram.max,
    )


def timed_stats(row: Timed) -> CommandStats:
    return CommandStats(count=row.count, failed=row.failed, latency=latency_summary(row.latency))


def tool_stats(row: Timed) -> ToolStats:
    return ToolStats(calls=row.count, failed=row.failed, latency=latency_summary(row.latency))


def usage_stats(row: Usage) -> UsageStats:
    return UsageStats(
        calls=row.calls,
        failed=row.failed,
        input_tokens=row.input,
        output_tokens=row.output,
        cost_usd=None if row.unpriced else row.cost,
        unpriced_calls=row.unpriced,
        latency=None if row.latency is None else latency_summary(row.latency),
    )


def metric_stats(row: Published) -> MetricStats:
    return MetricStats(
        count=row.count, last=row.last, total=row.total, min=row.min, max=row.max, unit=row.unit
    )
