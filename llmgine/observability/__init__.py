"""Observability: sinks that record every message, and reading the record back."""

from llmgine.observability._describe import describe_record, format_ms, shorten
from llmgine.observability._jsonl import JsonlSink
from llmgine.observability._logfiles import (
    LogFileSummary,
    SessionSummary,
    find_logs,
    summarize_log,
    summarize_sessions,
)
from llmgine.observability._logstats import (
    CallStats,
    Latency,
    LoggedFailure,
    LogStats,
    log_stats,
    percentile,
)
from llmgine.observability._memory import MemorySink
from llmgine.observability._reader import (
    LogFormatError,
    LogRecord,
    UnknownMessage,
    read_log,
    read_records,
)
from llmgine.observability._search import RecordFilter
from llmgine.observability._serialize import to_json_line
from llmgine.observability._sink import Sink
from llmgine.observability._timeline import SessionTimeline, TimelineStep, build_timelines
from llmgine.observability._timeline_view import TimelineEntry, session_entries, timeline_entry

__all__ = [
    "CallStats",
    "JsonlSink",
    "Latency",
    "LogFileSummary",
    "LogFormatError",
    "LogRecord",
    "LogStats",
    "LoggedFailure",
    "MemorySink",
    "RecordFilter",
    "SessionSummary",
    "SessionTimeline",
    "Sink",
    "TimelineEntry",
    "TimelineStep",
    "UnknownMessage",
    "build_timelines",
    "describe_record",
    "find_logs",
    "format_ms",
    "log_stats",
    "percentile",
    "read_log",
    "read_records",
    "session_entries",
    "shorten",
    "summarize_log",
    "summarize_sessions",
    "timeline_entry",
    "to_json_line",
]
