"""Building the OpenTelemetry providers and OTLP/HTTP exporters the sink owns.

Used when the settings name an endpoint (``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``LLMGINE_OTEL_EXPORTER_ENDPOINT``) or an MLflow server: spans go through a
``BatchSpanProcessor`` (a background thread exports them in batches, so recording a span
never waits for the network) and metrics through a periodic reader. The signal-specific
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` / ``..._METRICS_ENDPOINT`` win over the base
endpoint, as the OTLP exporter specification says; headers, timeouts and batch sizes come
from the usual ``OTEL_*`` variables.

The span queue holds 8,192 spans unless ``OTEL_BSP_MAX_QUEUE_SIZE`` says otherwise: a
thousand turns ending together end two thousand spans at once, more than the SDK's default
of 2,048, and a full queue drops spans.

Every exporter built here sits behind a ``Reachability`` of its endpoint (``_otel_guard``),
so an endpoint nobody listens on costs one warning, not retries, noise and a slow stop.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from llmgine.sinks._otel_guard import (
    GuardedMetricExporter,
    GuardedSpanExporter,
    Reachability,
)

SPAN_QUEUE_SIZE = 8192


def _resource(service_name: str) -> Resource:
    return Resource.create({"service.name": service_name})


def _signal_endpoint(base: str, signal: str) -> str:
    specific = os.environ.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT")
    return specific or f"{base.rstrip('/')}/v1/{signal}"


def new_tracer_provider(service_name: str) -> TracerProvider:
    # The sink shuts its providers down at close; no exit hook of their own.
    return TracerProvider(resource=_resource(service_name), shutdown_on_exit=False)


def batch_processor(exporter: SpanExporter) -> BatchSpanProcessor:
    """A ``BatchSpanProcessor`` with llmgine's default queue size."""
    configured = "OTEL_BSP_MAX_QUEUE_SIZE" in os.environ
    return BatchSpanProcessor(exporter, max_queue_size=None if configured else SPAN_QUEUE_SIZE)


OTLP_ADVICE = (
    "start the collector, or unset OTEL_EXPORTER_OTLP_ENDPOINT (LLMGINE_OTEL_EXPORTER_ENDPOINT)"
)


def export_spans(
    provider: TracerProvider,
    endpoint: str,
    headers: dict[str, str] | None = None,
    *,
    advice: str = OTLP_ADVICE,
) -> Reachability:
    """Send the spans of ``provider`` to the OTLP/HTTP traces ``endpoint``, in batches, while
    it answers; the ``Reachability`` that decides (``advice`` is what its warning says)."""
    reach = Reachability(endpoint, advice)
    exporter = GuardedSpanExporter(OTLPSpanExporter(endpoint=endpoint, headers=headers), reach)
    provider.add_span_processor(batch_processor(exporter))
    return reach


def otlp_providers(
    service_name: str, endpoint: str
) -> tuple[TracerProvider, MeterProvider, list[Reachability]]:
    """A tracer and a meter provider exporting to the OTLP/HTTP collector at ``endpoint``,
    and the reachabilities of their endpoints (one when both signals go to the same place)."""
    tracer_provider = new_tracer_provider(service_name)
    traces = _signal_endpoint(endpoint, "traces")
    spans_reach = export_spans(tracer_provider, traces)
    metrics = _signal_endpoint(endpoint, "metrics")
    same_place = _host_port(metrics) == _host_port(traces)
    metrics_reach = spans_reach if same_place else Reachability(metrics, OTLP_ADVICE)
    reader = PeriodicExportingMetricReader(
        GuardedMetricExporter(OTLPMetricExporter(endpoint=metrics), metrics_reach)
    )
    meter_provider = MeterProvider(
        metric_readers=[reader], resource=_resource(service_name), shutdown_on_exit=False
    )
    return tracer_provider, meter_provider, list(dict.fromkeys((spans_reach, metrics_reach)))


def _host_port(url: str) -> tuple[str | None, int | None]:
    parts = urlsplit(url)
    return parts.hostname, parts.port
