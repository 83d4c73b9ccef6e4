"""Sinks: where the messages of a bus go (the write side of observability).

    JsonlSink         the log: one line per message, written off the loop, never blocking
    MemorySink        every message in a list (tests, tools)
    OtelSink          OpenTelemetry spans and metrics with the GenAI conventions (and MLflow)
    MetricsSink       counters and latencies (+ MetricsReporter, which publishes snapshots)
    ConsoleSink       the terminal view of turns as trees
    Python logging    setup_logging and its filters and formatter
    MetricEvent, TraceEvent   metrics and spans an app publishes on the bus itself, which
                      the metrics view, OpenTelemetry and the console understand

Sinks sit below the bus, the engine and the tools: they know those messages by their wire
names, never by importing them. Reading logs back is ``llmgine.logs``.
"""

from llmgine.messages import encode_line
from llmgine.sinks._bounded import OTHER
from llmgine.sinks._console import ConsoleSink
from llmgine.sinks._histogram import LogHistogram
from llmgine.sinks._jsonl import JsonlSink
from llmgine.sinks._log_records import BusContextFilter, JsonFormatter, RedactingFilter
from llmgine.sinks._logging import LoggingSetup, setup_logging
from llmgine.sinks._memory import MemorySink
from llmgine.sinks._metrics import Metrics
from llmgine.sinks._metrics_sink import MetricsSink
from llmgine.sinks._mlflow import TracingSetupError
from llmgine.sinks._otel import OtelSink
from llmgine.sinks._otel_rules import trace_command_as
from llmgine.sinks._prices import DEFAULT_PRICES, ModelPrice
from llmgine.sinks._published import Metric, MetricEvent, MetricKind, SpanContext, TraceEvent
from llmgine.sinks._reporter import MetricsReporter
from llmgine.sinks._sink import Backpressure, Sink
from llmgine.sinks._snapshot import (
    CommandStats,
    HandlerFailureCount,
    LatencySummary,
    MetricsReportedEvent,
    MetricsSnapshot,
    MetricStats,
    ToolStats,
    UsageStats,
)

to_json_line = encode_line
"""One message as one line of a JSONL log: the messages codec's ``encode_line``."""

__all__ = [
    "DEFAULT_PRICES",
    "OTHER",
    "Backpressure",
    "BusContextFilter",
    "CommandStats",
    "ConsoleSink",
    "HandlerFailureCount",
    "JsonFormatter",
    "JsonlSink",
    "LatencySummary",
    "LogHistogram",
    "LoggingSetup",
    "MemorySink",
    "Metric",
    "MetricEvent",
    "MetricKind",
    "MetricStats",
    "Metrics",
    "MetricsReportedEvent",
    "MetricsReporter",
    "MetricsSink",
    "MetricsSnapshot",
    "ModelPrice",
    "OtelSink",
    "RedactingFilter",
    "Sink",
    "SpanContext",
    "ToolStats",
    "TraceEvent",
    "TracingSetupError",
    "UsageStats",
    "setup_logging",
    "to_json_line",
    "trace_command_as",
]
