"""Published metrics and spans in OpenTelemetry: ``MetricEvent`` -> instruments,
``TraceEvent`` pairs -> spans.

Each metric is recorded with an instrument named after it, of its ``kind`` (a gauge by
default), its ``tags`` as attributes. A published span starts an SDK span when its start is
published, so spans started under it nest in it; its parent is the published span named
by ``parent_span_id``, else the span of the command in whose handling it was published,
else the publisher's current span. OpenTelemetry's own ids are the span's; the published
ones are kept as ``llmgine.span.*`` attributes. Memory is bounded: open published spans
(``SpanBook``), ended ones remembered for late children, and instruments, at most 1,000.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.metrics import Meter
from opentelemetry.trace import NonRecordingSpan, Span, Status, StatusCode, TraceFlags
from pydantic import JsonValue

from llmgine.messages import Event
from llmgine.sinks._published import Metric, MetricEvent, TraceEvent
from llmgine.sinks._published_spans import Ended, OpenSpan, SpanBook, Started
from llmgine.sinks._recent import Recent

logger = logging.getLogger("llmgine.sinks.otel")

TRACE_ID = "llmgine.span.trace_id"
SPAN_ID = "llmgine.span.span_id"
PARENT_SPAN_ID = "llmgine.span.parent_span_id"
"""The published ids of a span, as attributes (OpenTelemetry makes ids of its own)."""

MAX_INSTRUMENTS = 1_000
_DESCRIPTION_LIMIT = 500
_ROOT = Context()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_Ids = tuple[int, int, int]


class PublishedTelemetry:
    """Records the ``MetricEvent``s and ``TraceEvent``s of one bus.

    ``context_of(event)`` is the OpenTelemetry context a span published as ``event`` goes
    under when it names no published parent (the message tracer's: the command it was
    published in, or the publisher's current span).
    """

    def __init__(
        self,
        tracer: trace.Tracer,
        meter: Meter,
        context_of: Callable[[Event], Context],
        *,
        max_open: int,
    ) -> None:
        self._tracer = tracer
        self._meter = meter
        self._context_of = context_of
        self._book = SpanBook(max_open)
        self._live: dict[tuple[str, str], Span] = {}
        self._ended: Recent[_Ids] = Recent(max(4 * max_open, 1_000))
        self._instruments: dict[tuple[str, str, str], Any] = {}
        self._full = False

    # -- metrics ---------------------------------------------------------------------------

    def metric(self, event: MetricEvent) -> None:
        for metric in event.metrics:
            instrument = self._instrument(metric)
            if instrument is None:
                continue
            if metric.kind == "counter":
                instrument.add(metric.value, metric.tags)
            else:  # a gauge's set and a histogram's record
                getattr(instrument, "set" if metric.kind == "gauge" else "record")(
                    metric.value, metric.tags
                )

    def _instrument(self, metric: Metric) -> Any:
        key = (metric.name, metric.kind, metric.unit or "")
        found = self._instruments.get(key)
        if found is not None:
            return found
        if len(self._instruments) >= MAX_INSTRUMENTS:
            if not self._full:
                self._full = True
                logger.warning(
                    "more than %d published metrics (name, kind, unit); %r and later new ones "
                    "are not exported. Use fewer names and put the variety in tags.",
                    MAX_INSTRUMENTS,
                    metric.name,
                )
            return None
        make = {
            "gauge": self._meter.create_gauge,
            "counter": self._meter.create_counter,
            "histogram": self._meter.create_histogram,
        }[metric.kind]
        instrument = self._instruments[key] = make(metric.name, unit=metric.unit or "")
        return instrument

    # -- spans -----------------------------------------------------------------------------

    def trace(self, event: TraceEvent) -> None:
        step = self._book.observe(event)
        if isinstance(step, Started):
            if step.pushed_out is not None:
                self._end_unfinished(step.pushed_out, "too many published spans were open")
            self._live[step.span.key] = self._start(step.span)
            return
        span = self._live.pop(step.span.key, None)
        if span is None:  # one event, the whole span
            span = self._start(step.span)
        else:
            span.set_attributes(_attributes(step.last.attributes))
            _add_events(span, step.last.events)
        self._end(span, step)

    def _start(self, published: OpenSpan) -> Span:
        first = published.first
        ids = first.span_context
        attributes = _attributes(first.attributes)
        attributes[TRACE_ID] = ids.trace_id
        attributes[SPAN_ID] = ids.span_id
        if ids.parent_span_id is not None:
            attributes[PARENT_SPAN_ID] = ids.parent_span_id
        span = self._tracer.start_span(
            published.name or "span",
            context=self._parent(published),
            attributes=attributes,
            start_time=_at(published.start),
        )
        _add_events(span, first.events)
        return span

    def _parent(self, published: OpenSpan) -> Context:
        parent_span_id = published.parent_span_id
        if parent_span_id is not None:
            key = (published.key[0], parent_span_id)
            live = self._live.get(key)
            if live is not None:
                return trace.set_span_in_context(live, _ROOT)
            ended = self._ended.get(_joined(key))
            if ended is not None:
                trace_id, span_id, flags = ended
                context = trace.SpanContext(
                    trace_id, span_id, is_remote=False, trace_flags=TraceFlags(flags)
                )
                return trace.set_span_in_context(NonRecordingSpan(context), _ROOT)
        return self._context_of(published.first)

    def _end(self, span: Span, ended: Ended) -> None:
        status = _status(ended.status)
        if status is not None:
            span.set_status(status)
        span.end(end_time=_at(ended.end))
        self._remember(ended.span, span)

    def _end_unfinished(self, published: OpenSpan, why: str) -> None:
        span = self._live.pop(published.key, None)
        if span is None:
            return
        span.set_attribute("error.type", "unfinished")
        span.set_status(Status(StatusCode.ERROR, why))
        span.end()
        self._remember(published, span)

    def _remember(self, published: OpenSpan, span: Span) -> None:
        known = span.get_span_context()
        self._ended.put(_joined(published.key), (known.trace_id, known.span_id, known.trace_flags))

    def end_all(self) -> int:
        """End every open published span as unfinished (the sink is closing)."""
        spans = self._book.drain()
        for published in spans:
            self._end_unfinished(published, "the sink closed before the span's end was published")
        return len(spans)


def _joined(key: tuple[str, str]) -> str:
    return json.dumps(key)


def _at(moment: datetime) -> int:
    """Nanoseconds since the epoch, exactly (a float of seconds would round them)."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def _status(text: str | None) -> Status | None:
    if text is None or text.strip().upper() in ("", "UNSET"):
        return None
    if text.strip().upper() == "OK":
        return Status(StatusCode.OK)
    return Status(StatusCode.ERROR, text[:_DESCRIPTION_LIMIT])


def _attributes(values: dict[str, JsonValue]) -> dict[str, Any]:
    """``values`` as OpenTelemetry attributes: plain values and lists of one plain type as
    they are, anything else as its JSON text; ``None`` left out."""
    return {key: _value(value) for key, value in values.items() if value is not None}


def _value(value: JsonValue) -> Any:
    if isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list) and value:
        kinds = {bool if isinstance(v, bool) else type(v) for v in value}
        if len(kinds) == 1 and kinds <= {str, bool, int, float}:
            return tuple(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _add_events(span: Span, events: tuple[dict[str, JsonValue], ...]) -> None:
    for entry in events:
        name = str(entry.get("name") or "event")
        rest = {key: value for key, value in entry.items() if key != "name"}
        span.add_event(name, _attributes(rest))
