"""What every log record carries and hides: bus ids in, secrets out, and a JSON form.

``BusContextFilter`` puts ``session_id`` and ``command_id`` on each record: the session
and the id of the message the bus is handling in the code that logged (a command's id in
its handler and everything that handler calls; in an event handler, the event's id,
whose ``parent_id`` in the JSONL log leads to its command). Outside any handler they are
``"BUS"`` and ``""``. ``RedactingFilter`` masks the given secrets and anything shaped like
an API key in the record's final message, its extra string fields, its traceback and its
stack: it formats the message once and stores the masked text, so no formatter or
handler after it can see the secret. Both are handler filters, so they apply to records
propagated from child loggers too.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import orjson

from llmgine.messages import BUS_SCOPE, handling

_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_DONE = "_llmgine_redacted"


class BusContextFilter(logging.Filter):
    """Adds ``session_id`` and ``command_id`` from the bus's handling context."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "session_id"):  # an explicit ``extra=`` wins
            frame = handling.get()
            record.session_id = BUS_SCOPE if frame is None else frame[2]
            record.command_id = "" if frame is None else frame[1]
        elif not hasattr(record, "command_id"):
            record.command_id = ""
        return True


class RedactingFilter(logging.Filter):
    """Masks ``secrets`` and API-key-shaped text in everything a record will print."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        # Imported here: settings (pydantic-settings) would add to every ``import llmgine.bus``.
        from llmgine.config import redact

        super().__init__()
        self.secrets = secrets
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _DONE, None) is self:
            return True  # already masked by this filter (the record reached another handler)
        secrets, redact = self.secrets, self._redact
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the format: keep both, as text
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = redact(message, *secrets)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, *secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, *secrets)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value, *secrets))
        setattr(record, _DONE, self)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, ids, place, extras."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "session_id": getattr(record, "session_id", BUS_SCOPE),
            "command_id": getattr(record, "command_id", ""),
            "module": record.module,
            "function": record.funcName,
            "line": record.lineno,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exception"] = record.exc_text
        if record.stack_info:
            data["stack"] = record.stack_info
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in data and not key.startswith("_"):
                data[key] = value
        try:
            return orjson.dumps(data, default=repr, option=orjson.OPT_NON_STR_KEYS).decode()
        except (TypeError, ValueError):  # a value even repr could not save (a huge int...)
            return orjson.dumps({k: v if isinstance(v, str | int | float | None) else repr(v)
                                 for k, v in data.items()}, default=repr).decode()  # fmt: skip
