"""Logs: reading JSONL logs back (the read side of observability).

    read_records      each line as a LogRecord: its fields as written, file and line number
    read_log          each line as the message it was (through the messages codec)
    find_logs         the log files of a folder; summarize_log, summarize_sessions,
                      fold_sessions (a workflow's step sessions into its run's)
    records_of_session  one session's records across many logs, in order
    log_stats         model calls, tokens, latencies, failures of a log
    RecordFilter      search by session, type, text, time
    build_timelines   a log's sessions as ordered steps; session_entries for one session,
                      timeline_entry and shown_children for one step at a time
    describe_record   a record in words (with format_ms, shorten, bookkeeping)

It reads messages only: any version's log, with or without the classes that wrote it.
"""

from llmgine.logs._across import records_of_session
from llmgine.logs._describe import describe_record, format_ms, shorten
from llmgine.logs._logfiles import (
    LogFileSummary,
    SessionSummary,
    find_logs,
    fold_sessions,
    summarize_log,
    summarize_sessions,
)
from llmgine.logs._logstats import CallStats, Latency, LoggedFailure, LogStats, log_stats
from llmgine.logs._reader import LogFormatError, LogRecord, UnknownMessage, read_log, read_records
from llmgine.logs._search import RecordFilter
from llmgine.logs._timeline import SessionTimeline, TimelineStep, build_timelines
from llmgine.logs._timeline_view import (
    TimelineEntry,
    bookkeeping,
    session_entries,
    shown_children,
    timeline_entry,
)

__all__ = [
    "CallStats",
    "Latency",
    "LogFileSummary",
    "LogFormatError",
    "LogRecord",
    "LogStats",
    "LoggedFailure",
    "RecordFilter",
    "SessionSummary",
    "SessionTimeline",
    "TimelineEntry",
    "TimelineStep",
    "UnknownMessage",
    "bookkeeping",
    "build_timelines",
    "describe_record",
    "find_logs",
    "fold_sessions",
    "format_ms",
    "log_stats",
    "read_log",
    "read_records",
    "records_of_session",
    "session_entries",
    "shorten",
    "shown_children",
    "summarize_log",
    "summarize_sessions",
    "timeline_entry",
]
