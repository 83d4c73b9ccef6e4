"""Python logging for an llmgine app, from the settings: a console and a rotating file.

``setup_logging(settings)`` gives the ``llmgine`` logger (or, with ``root=True``, the root
logger) two handlers: stderr at ``log_level``, and, with ``log_file`` on,
``log_dir/log_file_name`` at ``log_file_level``, as text or as JSON lines
(``log_json_format``), rotated at ``log_max_bytes`` with ``log_backup_count`` old files
kept. Every record gets the bus's ``session_id`` and ``command_id`` and has secrets
masked (see ``_log_records``).

Trouble that was handled (a retry, a failover, a key put to rest: ``HANDLED_LOGGERS``) is
logged as a warning, and goes to the file; on the console it counts as INFO, shown only when
``log_level`` is INFO or lower, so a retry does not print over a chat that then carries on.
Should the retries run out, the caller gets the error itself.

Calling it again replaces what the last call installed on that logger, so handlers are
never doubled; the returned ``LoggingSetup`` undoes it (``undo()``, or use it as a context
manager). The ``llmgine`` logger stops propagating to the root logger while it is set up,
so an app that also logs to the root does not print llmgine's records twice.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from llmgine.sinks._log_records import BusContextFilter, JsonFormatter, RedactingFilter

if TYPE_CHECKING:
    from llmgine.config import Settings

CONSOLE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(session_id)s] %(message)s"
FILE_FORMAT = (
    "%(asctime)s %(levelname)-7s %(name)s "
    "[session=%(session_id)s command=%(command_id)s] %(message)s"
)

HANDLED_LOGGERS = ("llmgine.llm.retry", "llmgine.llm.failover", "llmgine.llm.keypool")
"""Loggers whose warnings report trouble already handled: file only, at the default level."""

_installed: dict[str, LoggingSetup] = {}


class _HandledTroubleFilter(logging.Filter):
    """Keeps the warnings of ``HANDLED_LOGGERS`` off a console that does not show INFO."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or not record.name.startswith(HANDLED_LOGGERS)


@dataclass
class LoggingSetup:
    """What ``setup_logging`` installed on one logger, and how to take it back."""

    logger: logging.Logger
    handlers: list[logging.Handler]
    log_path: Path | None
    """The log file, or None when file logging is off."""
    _previous: tuple[int, bool] = field(repr=False, default=(logging.NOTSET, True))

    def undo(self) -> None:
        """Remove and close the handlers, and restore the logger's level and propagation."""
        for handler in self.handlers:
            self.logger.removeHandler(handler)
            handler.close()
        self.handlers = []
        self.logger.setLevel(self._previous[0])
        self.logger.propagate = self._previous[1]
        if _installed.get(self.logger.name) is self:
            del _installed[self.logger.name]

    def __enter__(self) -> LoggingSetup:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.undo()


def setup_logging(
    settings: Settings | None = None,
    *,
    root: bool = False,
    stream: TextIO | None = None,
    secrets: tuple[str, ...] = (),
) -> LoggingSetup:
    """Log to the console and a rotating file as ``settings`` say (default: ``Settings()``).

    Args:
        root: set up the root logger (every library's records) instead of ``llmgine``.
        stream: the console stream (default: ``sys.stderr`` at the time of the call).
        secrets: more values to mask, besides the settings' own keys.
    """
    if settings is None:
        from llmgine.config import load_settings

        settings = load_settings()
    logger = logging.getLogger(None if root else "llmgine")
    previous = _installed.get(logger.name)
    if previous is not None:
        previous.undo()
    filters: list[logging.Filter] = [
        BusContextFilter(),
        RedactingFilter((*settings.secrets, *secrets)),
    ]
    console = logging.StreamHandler(sys.stderr if stream is None else stream)
    console.setLevel(settings.log_level)
    console.setFormatter(logging.Formatter(CONSOLE_FORMAT, datefmt="%H:%M:%S"))
    if console.level > logging.INFO:
        console.addFilter(_HandledTroubleFilter())
    handlers: list[logging.Handler] = [console]
    levels = [console.level]
    log_path = None
    if settings.log_file:
        log_path = Path(settings.log_dir) / settings.log_file_name
        handlers.append(_file_handler(settings, log_path))
        levels.append(handlers[-1].level)
    for handler in handlers:
        for one in filters:
            handler.addFilter(one)
        logger.addHandler(handler)
    setup = LoggingSetup(logger, handlers, log_path, (logger.level, logger.propagate))
    logger.setLevel(min(levels))
    if not root:
        logger.propagate = False
    _installed[logger.name] = setup
    return setup


def _file_handler(settings: Settings, path: Path) -> logging.Handler:
    from logging.handlers import RotatingFileHandler  # ~30 ms to import: only when used

    class FolderOnFirstRecord(RotatingFileHandler):
        """Makes the log folder when the first record is written, not before: an app
        that fails to start logs nothing and leaves no empty folder behind."""

        def _open(self) -> Any:
            Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
            return super()._open()

    handler = FolderOnFirstRecord(
        path,
        maxBytes=settings.log_max_bytes,
        backupCount=settings.log_backup_count,
        encoding="utf-8",
        delay=True,
    )
    handler.setLevel(settings.log_file_level)
    if settings.log_json_format:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(FILE_FORMAT))
    return handler
