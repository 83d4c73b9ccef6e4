"""Python logging for an app, as its settings ask, with every secret masked.

The app's records (the ``llmgine`` loggers) go to stderr at ``settings.log_level``. A
filter on the handler replaces each secret value the settings hold (API keys) with ``***``
in the message and in the traceback text, so a key passed to a provider cannot reach the
console through an error message that quotes it.
"""

from __future__ import annotations

import logging
import sys

from llmgine.config import Settings
from llmgine.llm._env import redact

_FORMAT = "%(levelname)s %(name)s: %(message)s"


class SecretsFilter(logging.Filter):
    """Masks ``secrets`` (and anything shaped like an API key) in every record it passes."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self.secrets = secrets
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), *self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, *self.secrets)
        return True


def console_handler(settings: Settings) -> logging.Handler:
    """A stderr handler at ``settings.log_level`` that masks the settings' secrets."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(settings.log_level)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(SecretsFilter(settings.secrets))
    return handler
