"""Metrics and spans an app publishes on the bus itself, as the original LLMgine let it.

    Metric        one measurement: name, value, unit, tags, and how to aggregate it
    MetricEvent   measurements published together
    SpanContext   the ids of a span the app names itself (any strings)
    TraceEvent    the start or the end of such a span, or a whole one

They are ordinary events: recorded by every sink, delivered to subscribers. The sinks of
this package understand them: the metrics view keeps each metric's last value, count, sum,
minimum and maximum; the OpenTelemetry sink records each measurement with an instrument of
its ``kind`` and turns a start/end pair into a span (see ``_published_spans`` for how the
two halves are paired); the console view prints them as they come.

The names are the README's, kept as they were (``MetricEvent`` is not past tense): they are
the wire names of lines old apps wrote.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue

from llmgine.messages import Event, new_id

MetricKind = Literal["gauge", "counter", "histogram"]
"""How OpenTelemetry aggregates a metric: ``gauge`` (the value now, the default: a published
value is taken as it is), ``counter`` (values are increments to add up) or ``histogram``
(values form a distribution)."""


def _in_utc(value: datetime) -> datetime:
    """A naive time (``datetime.now().isoformat()``, as the README writes) is local time."""
    return value.astimezone(UTC)


SpanTime = Annotated[datetime, AfterValidator(_in_utc)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Metric(_Frozen):
    """One measurement, e.g. ``Metric(name="files_processed", value=10)``."""

    name: str = Field(min_length=1)
    value: int | float
    unit: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    """Attributes of the measurement in OpenTelemetry (the metrics view does not split by them)."""
    kind: MetricKind = "gauge"


class MetricEvent(Event):
    """Measurements published together: ``MetricEvent(metrics=[Metric(...), ...])``."""

    metrics: tuple[Metric, ...] = ()


class SpanContext(_Frozen):
    """The ids of a published span, any strings; by default new ones.

    OpenTelemetry makes ids of its own for the span: these are kept as its
    ``llmgine.span.*`` attributes, and ``parent_span_id`` nests it under the published
    span of that id.
    """

    trace_id: str = Field(default_factory=new_id)
    span_id: str = Field(default_factory=new_id)
    parent_span_id: str | None = None


class TraceEvent(Event):
    """The start or the end of a span the app names itself, or a whole span.

    The first event of a ``span_context`` starts the span (at ``start_time``, default:
    when it was published), unless it already has an ``end_time`` or a ``duration_ms``:
    then it is the whole span. The next event of the same ``span_context`` ends it, at its
    ``end_time`` (default: the start plus ``duration_ms``, or when it was published), with
    its ``status`` (``"OK"``, or anything else for an error, which it describes). The span
    is named by its first event; attributes and events of both halves are kept. Times
    without a time zone are local time.
    """

    name: str = ""
    span_context: SpanContext = Field(default_factory=SpanContext)
    start_time: SpanTime | None = None
    end_time: SpanTime | None = None
    duration_ms: float | None = Field(default=None, ge=0)
    attributes: dict[str, JsonValue] = Field(default_factory=dict)
    events: tuple[dict[str, JsonValue], ...] = ()
    """Things that happened during the span: each a dict with a ``name`` and attributes."""
    status: str | None = None
