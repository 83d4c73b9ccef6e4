"""What the metrics look like from outside: a frozen snapshot, and the event that carries it.

Latencies are in milliseconds; percentiles are estimates within the snapshot's
``relative_accuracy`` of the exact values (see ``LogHistogram``). Tables keyed by session,
model, tool or type hold a bounded number of keys; what did not fit is summed under
``"<other>"``. A cost is ``None`` when some call in it had no known price.
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict

from llmgine.messages import Event


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, allow_inf_nan=False)


class LatencySummary(_Frozen):
    """How long things took, in milliseconds (``None`` while nothing was measured)."""

    count: int = 0
    mean_ms: float | None = None
    p50_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None


class CommandStats(_Frozen):
    """Commands of one type that finished: from the command to its result."""

    count: int
    failed: int
    latency: LatencySummary


class UsageStats(_Frozen):
    """Model calls (of a model, a session, or all of them) and what they used."""

    calls: int = 0
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0
    """Estimated cost in US dollars; ``None`` when some call had no known price."""
    unpriced_calls: int = 0
    latency: LatencySummary | None = None
    """Of the completed calls (kept per model, not per session)."""

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class ToolStats(_Frozen):
    calls: int
    failed: int
    latency: LatencySummary


class MetricStats(_Frozen):
    """A metric the app published (``MetricEvent``): its values so far, over all its tags."""

    count: int
    last: float
    total: float
    min: float
    max: float
    unit: str | None = None


class HandlerFailureCount(_Frozen):
    handler: str
    exception_type: str
    count: int


class MetricsSnapshot(_Frozen):
    """Everything the metrics aggregated, at ``taken_at``."""

    taken_at: AwareDatetime
    messages: int
    """Messages observed."""
    commands: dict[str, CommandStats]
    pending_commands: int
    """Commands seen whose result has not come yet."""
    events: dict[str, int]
    """Events observed, by type."""
    total: UsageStats
    models: dict[str, UsageStats]
    sessions: dict[str, UsageStats]
    tools: dict[str, ToolStats]
    handler_failures: tuple[HandlerFailureCount, ...]
    metrics: dict[str, MetricStats] = {}
    """Metrics the app published as ``MetricEvent``s, by name."""
    undelivered_at_stop: int | None
    """Events the bus could not deliver before it stopped (``None`` until it stopped)."""
    relative_accuracy: float
    """Bound on the relative error of every percentile."""


class MetricsReportedEvent(Event):
    """The metrics so far, published on the bus now and then and once more at the end."""

    snapshot: MetricsSnapshot
    final: bool = False
