"""An in-process OpenTelemetry collector for benchmarks: OTLP-encoded, counted, not sent.

The exporters do what the OTLP/HTTP exporters do before the network: encode every batch to
OTLP protobuf bytes. They run behind the same ``BatchSpanProcessor`` (with the queue size
``OtelSink.from_settings`` gives it) and periodic metric reader an app would use, so the
sink, the SDK's span handling and the encoding are all measured; only the HTTP request and
the collector's own work (in another process, in real life) are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    MetricExporter,
    MetricExportResult,
    MetricsData,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from llmgine.sinks._otel_setup import batch_processor


class CountingSpanExporter(SpanExporter):
    def __init__(self) -> None:
        self.spans = 0
        self.bytes = 0
        self.names: dict[str, int] = {}

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.bytes += len(encode_spans(spans).SerializeToString())
        self.spans += len(spans)
        for span in spans:
            self.names[span.name] = self.names.get(span.name, 0) + 1
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


class CountingMetricExporter(MetricExporter):
    def __init__(self) -> None:
        super().__init__()
        self.exports = 0
        self.bytes = 0

    def export(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> MetricExportResult:
        self.bytes += len(encode_metrics(metrics_data).SerializeToString())
        self.exports += 1
        return MetricExportResult.SUCCESS

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return True

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        pass


def collector() -> tuple[TracerProvider, MeterProvider, CountingSpanExporter]:
    """Providers as an app exporting over OTLP would build them, into counting exporters."""
    resource = Resource.create({"service.name": "bench"})
    spans = CountingSpanExporter()
    tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
    tracer_provider.add_span_processor(batch_processor(spans))  # as from_settings builds it
    reader = PeriodicExportingMetricReader(CountingMetricExporter())
    meter_provider = MeterProvider(
        metric_readers=[reader], resource=resource, shutdown_on_exit=False
    )
    return tracer_provider, meter_provider, spans
