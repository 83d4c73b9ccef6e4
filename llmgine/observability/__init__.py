"""Observability: where the messages of a bus go, and how to read them back.

    sinks             JsonlSink (the log), MemorySink, OtelSink (OpenTelemetry and MLflow),
                      MetricsSink (+ MetricsReporter), ConsoleSink (the terminal view)
    Python logging    setup_logging and its filters and formatter
    reading logs      read_log / read_records, timelines, stats, search, log files, and
                      the helpers that put them in words (describe_record, format_ms, ...)

Sinks sit below the engine and the tools: they know those messages by their type names in
the log, never by importing them.
"""

from llmgine.messages import encode_line
from llmgine.observability._bounded import OTHER
from llmgine.observability._console import ConsoleSink
from llmgine.observability._describe import describe_record, format_ms, shorten
from llmgine.observability._histogram import LogHistogram
from llmgine.observability._jsonl import JsonlSink
from llmgine.observability._log_records import BusContextFilter, JsonFormatter, RedactingFilter
from llmgine.observability._logfiles import (
    LogFileSummary,
    SessionSummary,
    find_logs,
    summarize_log,
    summarize_sessions,
)
from llmgine.observability._logging import LoggingSetup, setup_logging
from llmgine.observability._logstats import (
    CallStats,
    Latency,
    LoggedFailure,
    LogStats,
    log_stats,
)
from llmgine.observability._memory import MemorySink
from llmgine.observability._metrics import Metrics
from llmgine.observability._metrics_sink import MetricsSink
from llmgine.observability._mlflow import TracingSetupError
from llmgine.observability._otel import OtelSink
from llmgine.observability._otel_rules import trace_command_as
from llmgine.observability._prices import DEFAULT_PRICES, ModelPrice
from llmgine.observability._reader import (
    LogFormatError,
    LogRecord,
    UnknownMessage,
    read_log,
    read_records,
)
from llmgine.observability._reporter import MetricsReporter
from llmgine.observability._search import RecordFilter
from llmgine.observability._sink import Backpressure, Sink
from llmgine.observability._snapshot import (
    CommandStats,
    HandlerFailureCount,
    LatencySummary,
    MetricsReportedEvent,
    MetricsSnapshot,
    ToolStats,
    UsageStats,
)
from llmgine.observability._timeline import SessionTimeline, TimelineStep, build_timelines
from llmgine.observability._timeline_view import TimelineEntry, bookkeeping, session_entries

to_json_line = encode_line
"""One message as one line of a JSONL log: the messages codec's ``encode_line``."""

__all__ = [
    "DEFAULT_PRICES",
    "OTHER",
    "Backpressure",
    "BusContextFilter",
    "CallStats",
    "CommandStats",
    "ConsoleSink",
    "HandlerFailureCount",
    "JsonFormatter",
    "JsonlSink",
    "Latency",
    "LatencySummary",
    "LogFileSummary",
    "LogFormatError",
    "LogHistogram",
    "LogRecord",
    "LogStats",
    "LoggedFailure",
    "LoggingSetup",
    "MemorySink",
    "Metrics",
    "MetricsReportedEvent",
    "MetricsReporter",
    "MetricsSink",
    "MetricsSnapshot",
    "ModelPrice",
    "OtelSink",
    "RecordFilter",
    "RedactingFilter",
    "SessionSummary",
    "SessionTimeline",
    "Sink",
    "TimelineEntry",
    "TimelineStep",
    "ToolStats",
    "TracingSetupError",
    "UnknownMessage",
    "UsageStats",
    "bookkeeping",
    "build_timelines",
    "describe_record",
    "find_logs",
    "format_ms",
    "log_stats",
    "read_log",
    "read_records",
    "session_entries",
    "setup_logging",
    "shorten",
    "summarize_log",
    "summarize_sessions",
    "to_json_line",
    "trace_command_as",
]
