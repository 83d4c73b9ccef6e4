"""Observability: sinks that record every message, and reading the record back."""

from llmgine.observability._jsonl import JsonlSink
from llmgine.observability._memory import MemorySink
from llmgine.observability._reader import LogFormatError, UnknownMessage, read_log
from llmgine.observability._serialize import to_json_line
from llmgine.observability._sink import Sink

__all__ = [
    "JsonlSink",
    "LogFormatError",
    "MemorySink",
    "Sink",
    "UnknownMessage",
    "read_log",
    "to_json_line",
]
