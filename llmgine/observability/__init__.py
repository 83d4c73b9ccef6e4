"""Observability, as it was named before it split: the write side is ``llmgine.sinks``
(sinks, OpenTelemetry, MLflow, metrics, console, logging), the read side ``llmgine.logs``
(reading, searching, describing and summarising logs).

This module re-exports both under the old name, so code written against it keeps working;
new code imports from the two packages.
"""

from llmgine.logs import *  # noqa: F403 - the whole public face, as before the split
from llmgine.logs import __all__ as _logs_all
from llmgine.sinks import *  # noqa: F403
from llmgine.sinks import __all__ as _sinks_all

__all__ = sorted([*_sinks_all, *_logs_all])
