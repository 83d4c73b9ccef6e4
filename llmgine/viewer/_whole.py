"""Messages read back whole, for a reader who asks to see one.

A line of a log may refer to content written by earlier lines (the log form of the
messages codec writes the history a model call sends again by reference); ``read_log``
gives every message back whole by reading the log in order. ``WholeReader`` keeps one such
reading open: asking for the message at a later place reads on, an earlier one reads again
from the start, and the last few asked for are kept. Places count the records of the log
(``read_log`` yields one message per record), checked against the record's id.

``whole_fields`` is what the details of a record show: its fields as written when the line
stands alone (its class decodes it by itself), else the message read back whole.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from llmgine.logs import LogRecord, UnknownMessage, read_log
from llmgine.messages import DecodeError, Message, decode_object, encode, registry

_KEPT = 64


class WholeReader:
    """The messages of one log by place, read with ``read_log``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.passes = 0
        """How many times the log was read from its start (for tests and measures)."""
        self._messages: Iterator[Message | UnknownMessage] | None = None
        self._next = 0
        self._kept: OrderedDict[int, Message | UnknownMessage] = OrderedDict()
        self._lock = threading.Lock()

    def at(self, position: int) -> Message | UnknownMessage | None:
        with self._lock:
            found = self._kept.get(position)
            if found is not None:
                return found
            if self._messages is None or position < self._next:
                self._messages = read_log(self.path, errors="skip")
                self._next = 0
                self.passes += 1
            for message in self._messages:
                place = self._next
                self._next += 1
                if place == position:
                    self._kept[place] = message
                    if len(self._kept) > _KEPT:
                        self._kept.popitem(last=False)
                    return message
            self._messages = None  # the log ends before it: read again next time
            return None


def whole_fields(record: LogRecord, position: int | None, reader: WholeReader) -> tuple[Any, str]:
    """The fields to show for ``record`` and a note saying how they were read."""
    written = {k: v for k, v in record.data.items() if k not in ("kind", "type")}
    cls = registry.get(record.type)
    if cls is None:
        return written, "as written (its class is not loaded in this process)"
    try:
        decode_object(orjson.loads(orjson.dumps(record.data)))
    except (DecodeError, ValueError, TypeError):
        pass  # it needs the lines before it (or does not decode at all): read in order
    else:
        return written, ""
    message = reader.at(position) if position is not None else None
    if isinstance(message, UnknownMessage):
        return written, f"as written: {message.reason}"
    if message is None or _id(message) != record.message_id:
        return written, "as written (could not be read back whole)"
    fields = orjson.loads(encode(message))
    if isinstance(fields, dict):
        fields = {k: v for k, v in fields.items() if k not in ("kind", "type")}
    return fields, "read back whole: the line refers to earlier lines of the log"


def _id(message: Message) -> str | None:
    for key in ("event_id", "command_id"):
        value = getattr(message, key, None)
        if isinstance(value, str):
            return value
    return None
