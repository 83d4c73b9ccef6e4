"""Reading a JSONL log back as typed messages.

Each line's ``"type"`` is looked up in the message registry and validated into that
class. Lines of types this process does not know (a class that was renamed, or lives in
a module not imported) come back as ``UnknownMessage`` with their data, so nothing in
the log is lost. A last line cut short by a crash is skipped; a broken line anywhere
else is an error that names the file and line, unless ``errors="skip"``.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ValidationError

from llmgine.messages import Message, registry

logger = logging.getLogger("llmgine.observability.reader")

_LONG_INT = re.compile(rb"[-:\[,]\s*-?\d{19,}")
"""An integer literal that may not fit in 64 bits, which orjson would read as a float."""


class LogFormatError(ValueError):
    """A line of a JSONL log could not be read."""


class UnknownMessage(BaseModel):
    """A log line whose type this process cannot turn back into a message class."""

    kind: str
    type: str
    data: dict[str, Any]
    reason: str


def read_log(
    path: str | os.PathLike[str], *, errors: Literal["raise", "skip"] = "raise"
) -> Iterator[Message | UnknownMessage]:
    """Yield the messages of a JSONL log in the order they were written."""
    path = Path(path)
    with path.open("rb") as file:
        previous: bytes | None = None
        number = 0
        for line in file:
            if previous is not None:
                yield from _parse(previous, path, number, errors)
            previous = line
            number += 1
        if previous is not None:
            if previous.endswith(b"\n"):
                yield from _parse(previous, path, number, errors)
            else:
                yield from _parse_last(previous, path, number, errors)


def _parse_last(
    line: bytes, path: Path, number: int, errors: Literal["raise", "skip"]
) -> Iterator[Message | UnknownMessage]:
    try:
        data = _loads(line)
    except ValueError:
        logger.warning("%s:%d: skipping a truncated last line", path, number)
        return
    yield from _checked(data, path, number, errors)


def _parse(
    line: bytes, path: Path, number: int, errors: Literal["raise", "skip"]
) -> Iterator[Message | UnknownMessage]:
    if not line.strip():
        return
    try:
        data = _loads(line)
    except ValueError as exc:
        if errors == "skip":
            logger.warning("%s:%d: skipping an unreadable line (%s)", path, number, exc)
            return
        raise LogFormatError(f"{path}:{number}: not valid JSON ({exc})") from exc
    yield from _checked(data, path, number, errors)


def _loads(line: bytes) -> Any:
    if _LONG_INT.search(line):
        return json.loads(line)  # exact big integers
    return orjson.loads(line)


def _checked(
    data: Any, path: Path, number: int, errors: Literal["raise", "skip"]
) -> Iterator[Message | UnknownMessage]:
    if isinstance(data, dict):
        yield _to_message(data, path, number)
        return
    problem = f"{path}:{number}: expected a JSON object, got {data!r:.80}"
    if errors == "raise":
        raise LogFormatError(problem)
    logger.warning("%s; skipping it", problem)


def _to_message(data: dict[str, Any], path: Path, number: int) -> Message | UnknownMessage:
    type_name = data.pop("type", None)
    kind = data.pop("kind", None)
    if not isinstance(type_name, str) or not isinstance(kind, str):
        return UnknownMessage(
            kind=str(kind), type=str(type_name), data=data, reason="no 'kind' or 'type' field"
        )
    cls = registry.get(type_name)
    if cls is None:
        return UnknownMessage(
            kind=kind, type=type_name, data=data, reason="type not registered in this process"
        )
    try:
        return cls.model_validate(data, by_alias=True, by_name=True)
    except ValidationError as exc:
        reason = f"does not match {cls.__name__} ({exc.error_count()} errors)"
        logger.debug("%s:%d: %s", path, number, reason)
        return UnknownMessage(kind=kind, type=type_name, data=data, reason=reason)
