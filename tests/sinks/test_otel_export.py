"""Export over OTLP/HTTP to a loopback receiver, and finding an MLflow experiment over REST."""

from __future__ import annotations

import socket
import threading

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from llmgine.bus import MessageBus
from llmgine.config import Settings
from llmgine.engine import PromptCommand, ToolChatEngine
from llmgine.sinks import OtelSink, TracingSetupError
from llmgine.sinks._mlflow import experiment_id
from llmgine.testing import FakeLLMServer, text
from tests.sinks._otlp import Received, receiver
from tests.sinks._otlp import spans as spans_of

__all__ = ["receiver"]  # a fixture, used by name


def _service_names(requests: list[ExportTraceServiceRequest]) -> set[str]:
    return {
        attribute.value.string_value
        for request in requests
        for resource in request.resource_spans
        for attribute in resource.resource.attributes
        if attribute.key == "service.name"
    }


async def _one_turn(sink: OtelSink) -> None:
    async with FakeLLMServer([text("Hello!", usage=(5, 2))]) as llm:
        async with MessageBus(log_dir=None, sinks=[sink]) as bus:
            engine = ToolChatEngine(
                bus,
                model="openai:gpt-4o-mini",
                provider_options={"api_key": "sk-test-openai", "base_url": llm.openai_base_url},
            )
            async with engine:
                result = await bus.execute(PromptCommand(prompt="Hi", session_id="s9"))
            assert result.success, result.error


async def test_an_endpoint_in_the_settings_exports_spans_and_metrics_over_otlp(
    receiver: tuple[str, Received],
) -> None:
    url, received = receiver
    sink = OtelSink.from_settings(Settings(otel_exporter_endpoint=url, otel_service_name="svc-a"))
    assert sink is not None
    await _one_turn(sink)  # the bus flushes and closes the sink when it stops
    spans = spans_of(received.traces)
    assert sorted(s.name for s in spans) == ["chat gpt-4o-mini", "invoke_agent llmgine"]
    chat = next(s for s in spans if s.name == "chat gpt-4o-mini")
    agent = next(s for s in spans if s.name != "chat gpt-4o-mini")
    assert chat.parent_span_id == agent.span_id
    values = {a.key: a.value for a in chat.attributes}
    assert values["gen_ai.usage.input_tokens"].int_value == 5
    assert values["gen_ai.conversation.id"].string_value == "s9"
    assert _service_names(received.traces) == {"svc-a"}
    metric_names = {
        m.name
        for request in received.metrics
        for resource in request.resource_metrics
        for scope in resource.scope_metrics
        for m in scope.metrics
    }
    assert {"gen_ai.client.token.usage", "gen_ai.client.operation.duration"} <= metric_names
    # The sink built these providers, so it shut them down: its exporter threads are gone.
    assert not [t for t in threading.enumerate() if t.name.startswith("OtelBatch")]


async def test_the_standard_variable_names_the_endpoint_too(
    receiver: tuple[str, Received], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, received = receiver
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url + "/")
    settings = Settings()
    assert settings.tracing_enabled
    sink = OtelSink.from_settings(settings)
    assert sink is not None
    await _one_turn(sink)
    assert len(spans_of(received.traces)) == 2
    assert _service_names(received.traces) == {"llmgine"}


async def test_an_mlflow_uri_sends_spans_with_the_experiment_header(
    receiver: tuple[str, Received],
) -> None:
    url, received = receiver
    settings = Settings(mlflow_tracking_uri=url, mlflow_experiment_name="chat runs")
    sink = OtelSink.from_settings(settings)
    assert sink is not None
    await _one_turn(sink)
    assert received.api[:2] == [
        ("GET", "/api/2.0/mlflow/experiments/get-by-name", "experiment_name=chat+runs"),
        ("POST", "/api/2.0/mlflow/experiments/create", "chat runs"),
    ]
    assert len(spans_of(received.traces)) == 2
    assert {h["x-mlflow-experiment-id"] for h in received.headers} == {"100"}


def test_an_existing_experiment_is_found_not_created(receiver: tuple[str, Received]) -> None:
    url, received = receiver
    received.experiments["kept"] = "42"
    assert experiment_id(url, "kept") == "42"
    assert [call[0] for call in received.api] == ["GET"]


def test_an_unreachable_mlflow_server_is_a_clear_error() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TracingSetupError, match=rf"could not reach the MLflow server at .*:{port}"):
        experiment_id(f"http://127.0.0.1:{port}", "x", timeout=5)


async def test_a_sink_whose_mlflow_server_is_unreachable_fails_to_start() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = OtelSink.from_settings(Settings(mlflow_tracking_uri=f"http://127.0.0.1:{port}"))
    assert sink is not None
    bus = MessageBus(log_dir=None, sinks=[sink])
    with pytest.raises(TracingSetupError, match="LLMGINE_MLFLOW_TRACKING_URI"):
        await bus.start()
    await bus.stop()


def test_a_tracking_uri_that_is_not_http_is_refused_with_advice() -> None:
    with pytest.raises(TracingSetupError, match="mlflow server"):
        experiment_id("sqlite:///mlflow.db", "x")


def test_a_server_that_is_not_mlflow_is_reported(receiver: tuple[str, Received]) -> None:
    url, _ = receiver
    with pytest.raises(TracingSetupError, match=r"HTTP 404: /api/2\.0/mlflow/experiments/x"):
        experiment_id(url + "/api/2.0/mlflow/experiments/x", "name")
