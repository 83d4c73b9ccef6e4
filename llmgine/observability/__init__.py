"""Observability: sinks that record every message, and reading the record back."""

from llmgine.observability._jsonl import JsonlSink
from llmgine.observability._memory import MemorySink
from llmgine.observability._mlflow import TracingSetupError
from llmgine.observability._otel import OtelSink
from llmgine.observability._otel_rules import trace_command_as
from llmgine.observability._reader import LogFormatError, UnknownMessage, read_log
from llmgine.observability._serialize import to_json_line
from llmgine.observability._sink import Sink

__all__ = [
    "JsonlSink",
    "LogFormatError",
    "MemorySink",
    "OtelSink",
    "Sink",
    "TracingSetupError",
    "UnknownMessage",
    "read_log",
    "to_json_line",
    "trace_command_as",
]
