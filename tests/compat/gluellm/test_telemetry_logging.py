"""GlueLLM's tracing and logging helpers on llmgine: spans only when tracing is on, errors
recorded on them, attributes made fit for OpenTelemetry; logging set up once unless forced,
its arguments winning over the variables; the decorators logging failures too."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from llmgine.compat.gluellm import config
from llmgine.compat.gluellm.logging_config import setup_logging
from llmgine.compat.gluellm.logging_utils import log_function_call, log_operation
from llmgine.compat.gluellm.telemetry import (
    configure_tracing,
    set_span_attributes,
    trace_llm_call,
)


@pytest.fixture
def exporter(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", provider)
    yield spans
    provider.shutdown()
    monkeypatch.undo()
    config.reload_settings()


def test_with_tracing_off_nothing_is_recorded(
    exporter: InMemorySpanExporter, caplog: pytest.LogCaptureFixture
) -> None:
    config.reload_settings()
    with caplog.at_level(logging.INFO, "llmgine.compat.gluellm"):
        assert configure_tracing() is False
    assert "set GLUELLM_ENABLE_TRACING=true" in caplog.text
    with trace_llm_call("openai:gpt-4o-mini") as span:
        assert not span.is_recording()
        set_span_attributes(span, user_id="u-1")
    assert exporter.get_finished_spans() == ()


def test_a_custom_span_records_its_error_and_plain_attributes(
    exporter: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLUELLM_ENABLE_TRACING", "1")
    config.reload_settings()
    assert configure_tracing() is True

    def failing_call() -> None:
        with trace_llm_call("bare-model", tools=[print], correlation_id="c-9") as span:
            set_span_attributes(span, tags=["a", "b"], details={"k": 1}, missing=None)
            raise RuntimeError("provider down")

    with pytest.raises(RuntimeError, match="provider down"):
        failing_call()
    (recorded,) = exporter.get_finished_spans()
    assert recorded.name == "chat bare-model"
    assert recorded.status.status_code is StatusCode.ERROR
    attributes = dict(recorded.attributes or {})
    assert attributes["tags"] == ("a", "b")
    assert attributes["details"] == "{'k': 1}"
    assert "missing" not in attributes
    assert "gen_ai.provider.name" not in attributes  # a model named without its provider
    assert (attributes["llm.tools_available"], attributes["correlation_id"]) == (1, "c-9")
    assert [event.name for event in recorded.events] == ["exception"]


def test_logging_is_set_up_once_unless_forced_and_arguments_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GLUELLM_LOG_LEVEL", "ERROR")
    monkeypatch.setenv("GLUELLM_LOG_FILE_NAME", "from-the-variable.log")
    config.reload_settings()
    first = setup_logging(log_level="WARNING")
    try:
        assert setup_logging(log_level="DEBUG") is first
        assert first.handlers[0].level == logging.WARNING  # the argument, not the variable
        assert first.log_path == Path("logs") / "from-the-variable.log"
        second = setup_logging(log_dir=tmp_path / "elsewhere", force=True)
        assert second is not first
        assert first.handlers == []  # replaced: its handlers are gone
        assert second.log_path == tmp_path / "elsewhere" / "from-the-variable.log"
        assert second.handlers[0].level == logging.ERROR
    finally:
        setup_logging().undo()
    again = setup_logging(log_level="INFO")  # undone: set up anew
    assert again is not second
    assert again.handlers[0].level == logging.INFO
    again.undo()


def test_the_decorators_log_a_failure_and_let_it_through(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @log_function_call(log_args=False)
    def divide(a: int, b: int) -> float:
        return a / b

    with caplog.at_level(logging.DEBUG):
        assert divide(6, 3) == 2
        with pytest.raises(ZeroDivisionError):
            divide(1, 0)
        with pytest.raises(KeyError), log_operation("lookup"):
            raise KeyError("x")
    messages = [(r.levelname, r.getMessage()) for r in caplog.records]
    name = f"{__name__}.test_the_decorators_log_a_failure_and_let_it_through.<locals>.divide"
    assert ("DEBUG", f"Calling {name}") in messages
    assert any(
        level == "ERROR" and text.startswith(f"{name} failed after ") for level, text in messages
    )
    assert ("ERROR", "Failed lookup: 'x'") in messages
