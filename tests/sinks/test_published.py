"""Metrics and spans an app publishes itself (``MetricEvent``, ``TraceEvent``), as the sinks
understand them: the metrics view, OpenTelemetry's metrics and spans, the console."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.trace import StatusCode
from pydantic import ValidationError
from rich.console import Console

from llmgine.bus import MessageBus
from llmgine.messages import Command, decode, encode_line
from llmgine.observability import (
    ConsoleSink,
    Metric,
    MetricEvent,
    MetricsSink,
    SpanContext,
    TraceEvent,
)
from llmgine.sinks._published_spans import Ended, SpanBook, Started
from tests.sinks._otel import attributes, parent_of, traced

T0 = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)


class PublishingCommand(Command):
    """A command whose handler publishes a span of its own."""


def span_event(span_id: str, **fields: Any) -> TraceEvent:
    trace_id = fields.pop("trace_id", "trace-1")
    parent = fields.pop("parent_span_id", None)
    context = SpanContext(trace_id=trace_id, span_id=span_id, parent_span_id=parent)
    return TraceEvent(span_context=context, **fields)


def metric_points(reader: InMemoryMetricReader, name: str) -> list[tuple[str, Any, dict[str, Any]]]:
    """``(kind of data, point, attributes)`` for each point of the metric ``name``."""
    found = []
    data = reader.get_metrics_data()
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name == name:
                    kind = type(metric.data).__name__
                    found.extend(
                        (kind, p, dict(p.attributes or {})) for p in metric.data.data_points
                    )
    return found


# -- the events themselves ------------------------------------------------------------------


def test_the_events_read_back_from_their_log_line_as_they_were() -> None:
    metric = MetricEvent(metrics=[Metric(name="files", value=10, unit="{file}", tags={"a": "b"})])
    span = TraceEvent(
        name="load",
        span_context=SpanContext(trace_id="t", span_id="s", parent_span_id="p"),
        start_time=T0,
        attributes={"rows": 3, "tables": ["a", "b"]},
        events=[{"name": "retry", "attempt": 2}],
        status="OK",
    )

    for event in (metric, span):
        assert decode(encode_line(event)) == event


def test_a_time_without_a_zone_is_local_time() -> None:
    local = datetime(2026, 5, 1, 14, 30)

    event = TraceEvent(name="x", start_time=local.isoformat())

    assert event.start_time == local.astimezone(UTC)
    assert event.start_time is not None
    assert event.start_time.tzinfo is UTC


def test_a_metric_needs_a_name_and_a_finite_value() -> None:
    with pytest.raises(ValidationError):
        Metric(name="", value=1)
    with pytest.raises(ValidationError):
        Metric(name="x", value=float("nan"))


# -- pairing (pure) -------------------------------------------------------------------------


def test_the_first_event_of_a_span_starts_it_and_the_next_ends_it() -> None:
    book = SpanBook()
    start = span_event("s", name="Operation Start", start_time=T0, attributes={"a": 1, "b": 1})
    end = span_event(
        "s", name="Operation End", end_time=T0 + timedelta(seconds=2), status="OK",
        attributes={"b": 2}, events=[{"name": "done"}],
    )  # fmt: skip

    started = book.observe(start)
    ended = book.observe(end)

    assert isinstance(started, Started)
    assert book.open == 0
    assert isinstance(ended, Ended)
    assert not ended.whole
    assert ended.span.name == "Operation Start"
    assert (ended.span.start, ended.end, ended.duration_ms) == (T0, T0 + timedelta(seconds=2), 2000)
    assert ended.attributes == {"a": 1, "b": 2}
    assert ended.events == ({"name": "done"},)
    assert ended.status == "OK"


def test_an_event_with_an_end_is_a_whole_span_and_the_same_ids_in_another_trace_differ() -> None:
    book = SpanBook()

    whole = book.observe(span_event("s", name="quick", end_time=T0, duration_ms=250))
    other_trace = book.observe(span_event("s", trace_id="trace-2", name="slow", start_time=T0))

    assert isinstance(whole, Ended)
    assert whole.whole
    assert whole.span.start == T0 - timedelta(milliseconds=250)
    assert isinstance(other_trace, Started)
    assert book.open == 1


def test_an_end_without_a_time_ends_at_start_plus_duration_or_when_published() -> None:
    book = SpanBook()
    book.observe(span_event("a", start_time=T0))
    book.observe(span_event("b", start_time=T0))

    by_duration = book.observe(span_event("a", duration_ms=1500))
    by_timestamp = book.observe(span_event("b", status="OK"))

    assert isinstance(by_duration, Ended)
    assert by_duration.end == T0 + timedelta(seconds=1.5)
    assert isinstance(by_timestamp, Ended)
    assert by_timestamp.end > T0


def test_open_spans_are_bounded_the_oldest_is_pushed_out() -> None:
    book = SpanBook(max_open=2)
    book.observe(span_event("a"))
    book.observe(span_event("b"))

    third = book.observe(span_event("c"))

    assert isinstance(third, Started)
    assert third.pushed_out is not None
    assert third.pushed_out.key == ("trace-1", "a")
    assert [span.key[1] for span in book.drain()] == ["b", "c"]
    assert book.open == 0


# -- the metrics view -------------------------------------------------------------------------


async def test_published_metrics_reach_the_metrics_view() -> None:
    metrics = MetricsSink()
    async with MessageBus(log_dir=None, sinks=[metrics]) as bus:
        await bus.publish(MetricEvent(metrics=[Metric(name="files_processed", value=10)]))
        await bus.publish(
            MetricEvent(
                metrics=[
                    Metric(name="files_processed", value=4),
                    Metric(name="queue_seconds", value=0.25, unit="s"),
                ]
            )
        )

    snapshot = metrics.snapshot()
    files = snapshot.metrics["files_processed"]
    assert (files.count, files.last, files.min, files.max, files.total) == (2, 4, 4, 10, 14)
    assert snapshot.metrics["queue_seconds"].unit == "s"
    assert snapshot.events["MetricEvent"] == 2


def test_the_metrics_view_keeps_a_bounded_number_of_names() -> None:
    from llmgine.sinks import OTHER, Metrics

    metrics = Metrics(max_metrics=2)
    for name in ("a", "b", "c"):
        metrics.observe(MetricEvent(metrics=[Metric(name=name, value=1)]))

    assert set(metrics.snapshot().metrics) == {"b", "c", OTHER}


# -- OpenTelemetry ------------------------------------------------------------------------------


async def test_published_metrics_reach_opentelemetry_with_an_instrument_of_their_kind() -> None:
    otel = traced()
    async with MessageBus(log_dir=None, sinks=[otel.sink]) as bus:
        await bus.publish(MetricEvent(metrics=[Metric(name="files_processed", value=10)]))
        await bus.publish(
            MetricEvent(
                metrics=[
                    Metric(name="files_processed", value=12, tags={"queue": "fast"}),
                    Metric(name="bytes_read", value=100, unit="By", kind="counter"),
                    Metric(name="bytes_read", value=50, unit="By", kind="counter"),
                    Metric(name="batch_seconds", value=0.5, unit="s", kind="histogram"),
                ]
            )
        )

    gauge = metric_points(otel.reader, "files_processed")
    assert {(kind, p.value, tuple(a.items())) for kind, p, a in gauge} == {
        ("Gauge", 10, ()),
        ("Gauge", 12, (("queue", "fast"),)),
    }
    ((kind, counter, _),) = metric_points(otel.reader, "bytes_read")
    assert (kind, counter.value) == ("Sum", 150)
    ((kind, histogram, _),) = metric_points(otel.reader, "batch_seconds")
    assert (kind, histogram.count, histogram.sum) == ("Histogram", 1, 0.5)


async def test_a_trace_event_pair_becomes_one_span() -> None:
    otel = traced()
    async with MessageBus(log_dir=None, sinks=[otel.sink]) as bus:
        context = SpanContext(trace_id="custom_trace_1", span_id="custom_span_1")
        await bus.publish(
            TraceEvent(
                name="Custom Operation Start",
                span_context=context,
                start_time=T0,
                attributes={"rows": 3},
            )
        )
        await bus.publish(
            TraceEvent(
                name="Custom Operation End",
                span_context=context,
                end_time=T0 + timedelta(milliseconds=1500),
                status="OK",
                events=[{"name": "checkpoint", "step": 2}],
            )
        )

    span = otel.one("Custom Operation Start")
    assert span.start_time is not None
    assert span.end_time is not None
    assert span.end_time - span.start_time == 1_500_000_000
    assert span.status.status_code is StatusCode.OK
    assert attributes(span) == {
        "rows": 3,
        "llmgine.span.trace_id": "custom_trace_1",
        "llmgine.span.span_id": "custom_span_1",
    }
    assert [(e.name, dict(e.attributes or {})) for e in span.events] == [
        ("checkpoint", {"step": 2})
    ]
    assert otel.named("Custom Operation End") == []


async def test_published_spans_nest_by_parent_span_id_and_fail_with_their_status() -> None:
    otel = traced()
    async with MessageBus(log_dir=None, sinks=[otel.sink]) as bus:
        await bus.publish(span_event("root", name="import", start_time=T0))
        await bus.publish(span_event("child", name="parse", parent_span_id="root", start_time=T0))
        await bus.publish(span_event("child", end_time=T0, status="ERROR: bad row 7"))
        await bus.publish(span_event("late", name="index", parent_span_id="child", duration_ms=5))
        await bus.publish(span_event("root", end_time=T0 + timedelta(seconds=1), status="OK"))

    root, child, late = otel.one("import"), otel.one("parse"), otel.one("index")
    assert root.parent is None
    assert parent_of(child) == root.context.span_id
    assert parent_of(late) == child.context.span_id  # the parent had ended already
    assert {child.context.trace_id, late.context.trace_id} == {root.context.trace_id}
    assert child.status.status_code is StatusCode.ERROR
    assert child.status.description == "ERROR: bad row 7"
    assert attributes(child)["llmgine.span.parent_span_id"] == "root"


async def test_a_span_published_while_a_command_runs_is_a_child_of_the_commands_span() -> None:
    otel = traced()
    async with MessageBus(log_dir=None, sinks=[otel.sink]) as bus:

        async def handle(command: PublishingCommand) -> None:
            await bus.publish(TraceEvent(name="inner work", duration_ms=1))

        bus.register_command_handler(PublishingCommand, handle)
        result = await bus.execute(PublishingCommand())

    assert result.success
    command, inner = otel.one("PublishingCommand"), otel.one("inner work")
    assert parent_of(inner) == command.context.span_id
    assert inner.context.trace_id == command.context.trace_id


async def test_a_span_whose_end_never_comes_is_ended_unfinished_when_the_sink_closes() -> None:
    otel = traced()
    async with MessageBus(log_dir=None, sinks=[otel.sink]) as bus:
        await bus.publish(span_event("lost", name="never ends", start_time=T0))

    span = otel.one("never ends")
    assert span.status.status_code is StatusCode.ERROR
    assert attributes(span)["error.type"] == "unfinished"


async def test_attributes_that_opentelemetry_cannot_hold_go_as_json_text() -> None:
    otel = traced()
    async with MessageBus(log_dir=None, sinks=[otel.sink]) as bus:
        await bus.publish(
            TraceEvent(
                name="odd",
                duration_ms=1,
                attributes={"nested": {"a": [1, 2]}, "mixed": [1, "a"], "none": None, "ok": [1, 2]},
            )
        )

    got = attributes(otel.one("odd"))
    assert got["nested"] == '{"a": [1, 2]}'
    assert got["mixed"] == '[1, "a"]'
    assert got["ok"] == (1, 2)
    assert "none" not in got


# -- the console ----------------------------------------------------------------------------------


def console_sink(**options: Any) -> tuple[ConsoleSink, io.StringIO]:
    file = io.StringIO()
    return ConsoleSink(Console(file=file, width=120, color_system=None), **options), file


async def test_the_console_prints_each_metric_and_each_span_as_it_ends() -> None:
    sink, file = console_sink()
    async with MessageBus(log_dir=None, sinks=[sink]) as bus:
        await bus.publish(
            MetricEvent(metrics=[Metric(name="files_processed", value=10, tags={"q": "a"})])
        )
        await bus.publish(span_event("s", name="Custom Operation Start", start_time=T0))
        await bus.publish(span_event("s", end_time=T0 + timedelta(milliseconds=20), status="OK"))
        await bus.publish(span_event("f", name="broken", duration_ms=3, status="timeout"))

    lines = file.getvalue().splitlines()
    assert lines[:3] == [
        "metric files_processed = 10  q=a",
        "span Custom Operation Start  20.0 ms  OK  trace trace-1 span s",
        "span FAILED broken  3.0 ms  timeout  trace trace-1 span f",
    ]
    summary = file.getvalue()
    assert "Published metrics" in summary
    assert "files_processed" in summary


async def test_the_console_leaves_out_what_it_is_not_asked_for() -> None:
    quiet, file = console_sink(summary=False, traces=False)
    async with MessageBus(log_dir=None, sinks=[quiet]) as bus:
        bus.register_command_handler(PublishingCommand, lambda c: None)
        await bus.execute(PublishingCommand())
        await bus.publish(MetricEvent(metrics=[Metric(name="files_processed", value=10)]))
        await bus.publish(TraceEvent(name="quick", duration_ms=1))

    assert file.getvalue() == ""
