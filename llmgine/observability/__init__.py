"""Observability: sinks that record every message, and reading the record back."""

from llmgine.observability._bounded import OTHER
from llmgine.observability._console import ConsoleSink
from llmgine.observability._histogram import LogHistogram
from llmgine.observability._jsonl import JsonlSink
from llmgine.observability._log_records import BusContextFilter, JsonFormatter, RedactingFilter
from llmgine.observability._logging import LoggingSetup, setup_logging
from llmgine.observability._memory import MemorySink
from llmgine.observability._metrics import Metrics
from llmgine.observability._metrics_sink import MetricsSink
from llmgine.observability._prices import DEFAULT_PRICES, ModelPrice, price_for
from llmgine.observability._reader import LogFormatError, UnknownMessage, read_log
from llmgine.observability._reporter import MetricsReporter
from llmgine.observability._serialize import to_json_line
from llmgine.observability._sink import Sink
from llmgine.observability._snapshot import (
    CommandStats,
    HandlerFailureCount,
    LatencySummary,
    MetricsReportedEvent,
    MetricsSnapshot,
    ToolStats,
    UsageStats,
)

__all__ = [
    "DEFAULT_PRICES",
    "OTHER",
    "BusContextFilter",
    "CommandStats",
    "ConsoleSink",
    "HandlerFailureCount",
    "JsonFormatter",
    "JsonlSink",
    "LatencySummary",
    "LogFormatError",
    "LogHistogram",
    "LoggingSetup",
    "MemorySink",
    "Metrics",
    "MetricsReportedEvent",
    "MetricsReporter",
    "MetricsSink",
    "MetricsSnapshot",
    "ModelPrice",
    "RedactingFilter",
    "Sink",
    "ToolStats",
    "UnknownMessage",
    "UsageStats",
    "price_for",
    "read_log",
    "setup_logging",
    "to_json_line",
]
