"""A latency histogram of fixed size whose percentiles are within a known relative error.

Values fall into buckets whose bounds grow geometrically by ``gamma = (1 + a) / (1 - a)``:
bucket ``i`` holds the values in ``(gamma**(i-1), gamma**i]`` and reports them as
``2 * gamma**i / (gamma + 1)``, which is within ``a`` (the relative accuracy) of every
value in it. Only the range ``[min_value, max_value]`` gets buckets: smaller values share
one bottom bucket (reported as ``min_value``), larger ones the top bucket, so a histogram
never holds more than ``max_buckets`` counts however many values it saw, and two
histograms with the same parameters merge by adding counts. Count, sum, minimum and
maximum are kept exactly, and estimates are clamped to the exact minimum and maximum.
"""

from __future__ import annotations

import math


class LogHistogram:
    """Bounded-memory percentiles of positive values (latencies in ms, by default)."""

    __slots__ = (
        "_buckets", "_gamma", "_high", "_log_gamma", "_low", "_min_value", "count", "max",
        "min", "relative_accuracy", "total",
    )  # fmt: skip

    def __init__(
        self,
        relative_accuracy: float = 0.01,
        *,
        min_value: float = 1e-3,
        max_value: float = 1e8,
    ) -> None:
        if not 0 < relative_accuracy < 1:
            raise ValueError(f"relative_accuracy must be in (0, 1), not {relative_accuracy!r}")
        if not 0 < min_value < max_value:
            raise ValueError("min_value and max_value must satisfy 0 < min_value < max_value")
        self.relative_accuracy = relative_accuracy
        self._gamma = (1 + relative_accuracy) / (1 - relative_accuracy)
        self._log_gamma = math.log(self._gamma)
        self._min_value = min_value
        self._low = math.ceil(math.log(min_value) / self._log_gamma) - 1  # the bottom bucket
        self._high = math.ceil(math.log(max_value) / self._log_gamma)
        self._buckets: dict[int, int] = {}
        self.count = 0
        self.total = 0.0
        self.min = math.inf
        self.max = -math.inf

    @property
    def max_buckets(self) -> int:
        """The most buckets this histogram can ever hold."""
        return self._high - self._low + 1

    @property
    def bucket_count(self) -> int:
        return len(self._buckets)

    def add(self, value: float) -> None:
        if value != value:  # NaN: no place on the scale, and it would poison the sum
            return
        self.count += 1
        self.total += value
        if value < self.min:
            self.min = value
        if value > self.max:
            self.max = value
        if value <= self._min_value:
            index = self._low
        else:
            index = max(
                min(math.ceil(math.log(value) / self._log_gamma), self._high), self._low + 1
            )
        buckets = self._buckets
        buckets[index] = buckets.get(index, 0) + 1

    def quantile(self, q: float) -> float | None:
        """The ``q`` quantile (0 <= q <= 1) by nearest rank, or None when empty.

        That is the value with ``ceil(q * count)`` values at or below it: the p99 of three
        values is the largest, their p50 the middle one.
        """
        if not 0 <= q <= 1:
            raise ValueError(f"q must be between 0 and 1, not {q!r}")
        if not self.count:
            return None
        if q == 0 or q == 1:
            return self.min if q == 0 else self.max
        rank = max(math.ceil(q * self.count - 1e-9) - 1, 0)  # 0-based; 1e-9: 0.9 * 10 > 9
        seen = 0
        index = self._high
        for index in sorted(self._buckets):
            seen += self._buckets[index]
            if seen > rank:
                break
        if index == self._low:
            estimate = self._min_value
        else:
            estimate = 2 * self._gamma**index / (self._gamma + 1)
        return min(max(estimate, self.min), self.max)

    def merge(self, other: LogHistogram) -> None:
        """Add ``other``'s values to this histogram (same accuracy and range)."""
        if (other._gamma, other._low, other._high) != (self._gamma, self._low, self._high):
            raise ValueError("only histograms with the same accuracy and range can merge")
        for index, n in other._buckets.items():
            self._buckets[index] = self._buckets.get(index, 0) + n
        self.count += other.count
        self.total += other.total
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
