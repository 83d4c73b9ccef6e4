"""What a part of a run spent: model calls, tokens and their estimated cost.

A model call's figures are read from its ``LLMCallCompletedEvent`` (model, usage, latency);
a call that failed counts as a call with no tokens. Cost is estimated from the model's
price (``llmgine.sinks.Metrics.price``: list prices, an estimate, not a bill) and is
unknown, never zero, when the model has no price or the server did not report usage, as
the metrics count it. Totals add up: a node of the viewer's tree shows the sum of the calls
beneath it, and a total with one unknown cost has an unknown cost.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from llmgine.logs import LogRecord
from llmgine.sinks import Metrics, ModelPrice

COMPLETED = "LLMCallCompletedEvent"
FAILED = "LLMCallFailedEvent"
CALLS = frozenset({COMPLETED, FAILED})


class Prices:
    """The price of a model, looked up once per model (safe across threads)."""

    def __init__(self, prices: Mapping[str, ModelPrice] | None = None) -> None:
        self._metrics = Metrics(prices=prices)
        self._lock = threading.Lock()

    def price(self, model: str) -> ModelPrice | None:
        with self._lock:
            return self._metrics.price(model)


@dataclass
class Totals:
    """Model calls and what they spent; ``unpriced`` calls make the cost unknown."""

    calls: int = 0
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    unpriced: int = 0

    @property
    def cost(self) -> float | None:
        return None if self.unpriced else self.cost_usd

    def add(self, other: Totals) -> None:
        self.calls += other.calls
        self.failed += other.failed
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cost_usd += other.cost_usd
        self.unpriced += other.unpriced

    def as_json(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "failed": self.failed,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": self.cost,
        }


NONE = Totals()
"""The totals of a part with no model call beneath it, shared (never added to)."""


def call_totals(record: LogRecord, prices: Prices) -> Totals | None:
    """The figures of one model call's record, or ``None`` if it is not one."""
    type_name = record.type
    if type_name == FAILED:
        return Totals(calls=1, failed=1)
    if type_name != COMPLETED:
        return None
    data = record.data
    usage = data.get("usage")
    usage = usage if isinstance(usage, dict) else {}
    tokens_in, tokens_out = _count(usage.get("input_tokens")), _count(usage.get("output_tokens"))
    reported = usage.get("reported") is not False and bool(usage)
    model = data.get("model")
    price = prices.price(model) if isinstance(model, str) and reported else None
    if price is None:
        return Totals(1, 0, tokens_in, tokens_out, 0.0, 1)
    return Totals(1, 0, tokens_in, tokens_out, price.cost(tokens_in, tokens_out), 0)


def call_model(record: LogRecord) -> str | None:
    model = record.data.get("model")
    return model if record.type in (COMPLETED, FAILED) and isinstance(model, str) else None


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
