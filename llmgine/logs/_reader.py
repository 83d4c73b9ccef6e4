"""Reading a JSONL log back: as raw records, or as typed messages.

``read_records`` yields each line as a ``LogRecord``: its fields as written, with the file
and line it came from. It needs no message class, so it reads logs of any version and of
types this process never imported. ``read_log`` builds on it: each line's ``"type"`` is
looked up in the message registry and validated into that class. Lines of types this
process does not know (a class that was renamed, or lives in a module not imported) come
back as ``UnknownMessage`` with their data, so nothing in the log is lost.

Both read the file line by line, holding one line at a time. A last line cut short by a
crash is skipped with a warning; a broken line anywhere else is a ``LogFormatError`` that
names the file and line, unless ``errors="skip"``.
"""

from __future__ import annotations

import logging
import os
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from llmgine.messages import DecodeError, LogReader, Message, loads

logger = logging.getLogger("llmgine.logs.reader")

_REMEMBERED = 10_000
"""Commands whose types ``read_log`` remembers, for results that do not name theirs."""


class LogFormatError(ValueError):
    """A line of a JSONL log could not be read."""


class UnknownMessage(BaseModel):
    """A log line whose type this process cannot turn back into a message class."""

    kind: str
    type: str
    data: dict[str, Any]
    reason: str


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One line of a JSONL log: its fields as written (``kind`` and ``type`` included)."""

    data: dict[str, Any]
    path: Path
    line: int
    """The line's number in the file, from 1."""

    @property
    def kind(self) -> str:
        """``"command"``, ``"event"`` or ``"result"`` (``"?"`` when the line has none)."""
        return _text(self.data.get("kind"), "?")

    @property
    def type(self) -> str:
        """The message's wire name, without its version (``"?"`` when the line has none)."""
        return _text(self.data.get("type"), "?").partition("@")[0]

    @property
    def wire_version(self) -> int:
        """The version of its class that wrote the line (1 when the line does not say)."""
        version = _text(self.data.get("type"), "").partition("@")[2]
        return int(version) if version.isdigit() else 1

    @property
    def session_id(self) -> str:
        return _text(self.data.get("session_id"), "BUS")

    @property
    def message_id(self) -> str | None:
        """The command's id for a command or its result, the event's id for an event."""
        key = "event_id" if self.kind == "event" else "command_id"
        value = self.data.get(key)
        return value if isinstance(value, str) else None

    @property
    def parent_id(self) -> str | None:
        value = self.data.get("parent_id")
        return value if isinstance(value, str) else None

    @property
    def timestamp(self) -> datetime | None:
        value = self.data.get("timestamp")
        if not isinstance(value, str):
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None

    @property
    def where(self) -> str:
        """``file:line``, for messages about this record."""
        return f"{self.path}:{self.line}"


def _text(value: object, default: str) -> str:
    return value if isinstance(value, str) else default


def read_records(
    path: str | os.PathLike[str], *, errors: Literal["raise", "skip"] = "raise"
) -> Iterator[LogRecord]:
    """Yield the lines of a JSONL log as ``LogRecord`` objects, in the order written."""
    path = Path(path)
    with path.open("rb") as file:
        previous: bytes | None = None
        number = 0
        for line in file:
            if previous is not None:
                record = _parse(previous, path, number, errors)
                if record is not None:
                    yield record
            previous = line
            number += 1
        if previous is not None:
            last = previous.endswith(b"\n")
            record = _parse(previous, path, number, errors, truncated_ok=not last)
            if record is not None:
                yield record


def read_log(
    path: str | os.PathLike[str], *, errors: Literal["raise", "skip"] = "raise"
) -> Iterator[Message | UnknownMessage]:
    """Yield the messages of a JSONL log in the order they were written.

    A result line written before results named their command (``command_type``) gets it
    from its command's line, when that is among the last ``_REMEMBERED`` commands, so its
    value is read back by the command's declared result type. Lines that refer to content
    recorded by earlier lines (the log form of the messages codec: a model call's history,
    say) are read back whole.
    """
    reader = LogReader()
    commands: OrderedDict[str, str] = OrderedDict()
    for record in read_records(path, errors=errors):
        data = record.data
        if record.kind == "command" and isinstance(data.get("command_id"), str):
            commands[data["command_id"]] = record.type
            if len(commands) > _REMEMBERED:
                commands.popitem(last=False)
        elif record.kind == "result" and "command_type" not in data:
            command_type = commands.get(str(data.get("command_id")))
            if command_type is not None:
                data["command_type"] = command_type
        yield _to_message(record, reader)


def _parse(
    line: bytes,
    path: Path,
    number: int,
    errors: Literal["raise", "skip"],
    *,
    truncated_ok: bool = False,
) -> LogRecord | None:
    """The line's record; ``None`` for a line to skip (``truncated_ok``: the last line
    of a file that does not end with a newline, which a crash may have cut short)."""
    if not line.strip():
        return None
    try:
        data = loads(line)
    except DecodeError as exc:
        if truncated_ok:
            logger.warning("%s:%d: skipping a truncated last line", path, number)
            return None
        if errors == "skip":
            logger.warning("%s:%d: skipping an unreadable line (%s)", path, number, exc)
            return None
        raise LogFormatError(f"{path}:{number}: not valid JSON ({exc})") from exc
    if isinstance(data, dict):
        return LogRecord(data, path, number)
    problem = f"{path}:{number}: expected a JSON object, got {data!r:.80}"
    if errors == "raise":
        raise LogFormatError(problem)
    logger.warning("%s; skipping it", problem)
    return None


def _to_message(record: LogRecord, reader: LogReader) -> Message | UnknownMessage:
    data = record.data  # the record is not kept, so its dict can be taken apart
    kind, type_name = data.get("kind"), data.get("type")
    try:
        return reader.decode(data)
    except DecodeError as exc:
        logger.debug("%s: %s", record.where, exc)
        data.pop("kind", None)
        data.pop("type", None)
        return UnknownMessage(kind=str(kind), type=str(type_name), data=data, reason=str(exc))
