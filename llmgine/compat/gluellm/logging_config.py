"""GlueLLM's ``gluellm.logging_config``: ``setup_logging`` and ``get_logger``.

``setup_logging`` is llmgine's (``llmgine.sinks.setup_logging``) on the root logger, as
GlueLLM's is: the console at ``log_level``, a rotating file ``log_dir/log_file_name`` at
``log_file_level`` (JSON objects with ``log_json_format``), secrets masked in both. What is
not given comes from the settings (``GLUELLM_LOG_*`` or ``LLMGINE_LOG_*``); what is given
wins over them (GlueLLM let the variables win over the arguments).

Nothing is set up on import or by ``get_logger``: an application, not a library, decides
where records go (GlueLLM configured the root logger when imported).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from llmgine.compat.gluellm import config
from llmgine.sinks import LoggingSetup
from llmgine.sinks import setup_logging as _setup_logging

__all__ = ["get_logger", "setup_logging"]

_installed: list[LoggingSetup] = []


def setup_logging(
    log_level: str | None = None,
    log_file_level: str | None = None,
    log_dir: str | os.PathLike[str] | None = None,
    log_file_name: str | None = None,
    log_json_format: bool | None = None,
    log_max_bytes: int | None = None,
    log_backup_count: int | None = None,
    force: bool = False,
) -> LoggingSetup:
    """Log to the console and a rotating file; once set up, a second call changes nothing
    unless ``force`` (then the new setup replaces the old). ``undo()`` on the result takes
    it back, and the next call sets logging up again."""
    if _installed and _installed[-1].handlers and not force:  # set up, and not undone
        return _installed[-1]
    given: dict[str, Any] = {
        "log_level": log_level,
        "log_file_level": log_file_level,
        "log_dir": log_dir,
        "log_file_name": log_file_name,
        "log_json_format": log_json_format,
        "log_max_bytes": log_max_bytes,
        "log_backup_count": log_backup_count,
    }
    settings = config.load_settings(**given, log_file=True)
    _installed[:] = [_setup_logging(settings, root=True)]
    return _installed[0]


def get_logger(name: str) -> logging.Logger:
    """The logger called ``name`` (``logging.getLogger``)."""
    return logging.getLogger(name)
