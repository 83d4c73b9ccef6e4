"""GlueLLM's ``gluellm.telemetry``: ``configure_tracing``, ``trace_llm_call``,
``set_span_attributes``.

llmgine traces every call already, through its OpenTelemetry sink, whenever the settings
turn tracing on: ``GLUELLM_ENABLE_TRACING=true`` (or ``LLMGINE_TRACING``), an OTLP endpoint
(``OTEL_EXPORTER_OTLP_ENDPOINT``) or an MLflow tracking URI (``GLUELLM_MLFLOW_TRACKING_URI``).
So ``configure_tracing()`` sets nothing up: it says whether calls will be traced. Their
spans follow the OpenTelemetry GenAI conventions (``chat {model}``, ``execute_tool {name}``,
``gen_ai.usage.input_tokens``...), not GlueLLM's ``llm.*`` attribute names.

``trace_llm_call`` opens a span of your own, named as llmgine names a model call, on the
global tracer provider (the one your app or ``opentelemetry-instrument`` set up); when
tracing is off it yields a span that records nothing, as GlueLLM's does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind

from llmgine.compat.gluellm import config

__all__ = ["configure_tracing", "is_tracing_enabled", "set_span_attributes", "trace_llm_call"]

logger = logging.getLogger("llmgine.compat.gluellm")

TRACER = "llmgine.compat.gluellm"
# The GenAI semantic-convention names llmgine's sink gives a model call's span.
_OPERATION = "gen_ai.operation.name"
_PROVIDER = "gen_ai.provider.name"
_MODEL = "gen_ai.request.model"


def is_tracing_enabled() -> bool:
    """Whether the current settings trace calls."""
    return config.settings.tracing_enabled


def configure_tracing() -> bool:
    """Whether calls will be traced; there is nothing to set up (see the module's doc).
    When they will not, one log line says which variable turns tracing on."""
    enabled = is_tracing_enabled()
    if not enabled:
        logger.info(
            "tracing is off: set GLUELLM_ENABLE_TRACING=true, OTEL_EXPORTER_OTLP_ENDPOINT or "
            "GLUELLM_MLFLOW_TRACKING_URI, then reload_settings()"
        )
    return enabled


@contextmanager
def trace_llm_call(
    model: str,
    messages: Sequence[Mapping[str, Any]] | None = None,
    tools: Sequence[object] | None = None,
    correlation_id: str | None = None,
    **attributes: Any,
) -> Iterator[Span]:
    """A span around a model call of your own, ``chat {model}``; an exception raised in it
    is recorded on the span, which is then marked as failed."""
    if not is_tracing_enabled():
        yield trace.INVALID_SPAN
        return
    provider, _, name = model.rpartition(":")
    values: dict[str, Any] = {_OPERATION: "chat", _MODEL: name}
    if provider:
        values[_PROVIDER] = provider
    if messages is not None:
        values["llm.messages_count"] = len(messages)
    if tools is not None:
        values["llm.tools_available"] = len(tools)
    if correlation_id is not None:
        values["correlation_id"] = correlation_id
    tracer = trace.get_tracer(TRACER)
    with tracer.start_as_current_span(f"chat {name}", kind=SpanKind.CLIENT) as span:
        set_span_attributes(span, **values, **attributes)
        yield span


def set_span_attributes(span: Span, **attributes: Any) -> None:
    """Set ``attributes`` on ``span``: numbers, strings, booleans and lists of them as they
    are, anything else as its text; ``None`` values are left out."""
    for key, value in attributes.items():
        if value is not None:
            span.set_attribute(key, _attribute(value))


def _attribute(value: Any) -> Any:
    if isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list | tuple) and all(
        isinstance(v, str | bool | int | float) for v in value
    ):
        return list(value)
    return str(value)
