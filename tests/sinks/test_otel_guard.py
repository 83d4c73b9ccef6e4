"""Exporters behind a check of their endpoint: skipped while nothing listens, one warning."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator, Sequence

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from llmgine.sinks._otel_guard import GuardedSpanExporter, Reachability


class Counting(SpanExporter):
    def __init__(self) -> None:
        self.batches = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.batches += 1
        return SpanExportResult.SUCCESS


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server


def url_of(server: socket.socket) -> str:
    return f"http://127.0.0.1:{server.getsockname()[1]}/v1/traces"


def test_batches_flow_while_the_endpoint_answers_and_stop_when_it_does_not(
    listening: socket.socket, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    endpoint = url_of(listening)
    exporter = GuardedSpanExporter(Counting(), Reachability(endpoint, "start it", clock=clock))
    inner = exporter.inner
    assert isinstance(inner, Counting)
    assert exporter.export([]) is SpanExportResult.SUCCESS
    listening.close()
    assert exporter.export([]) is SpanExportResult.SUCCESS  # not checked again yet
    clock.now = 31.0
    with caplog.at_level(logging.WARNING, logger="llmgine.sinks.otel"):
        assert exporter.export([]) is SpanExportResult.FAILURE
        assert exporter.export([]) is SpanExportResult.FAILURE
    assert inner.batches == 2
    (warning,) = caplog.records
    assert warning.getMessage().startswith(
        f"nothing answers at the OpenTelemetry endpoint {endpoint}"
    )
    assert warning.getMessage().endswith("are dropped until it does: start it")


def test_a_down_endpoint_is_said_once_however_many_find_it_down(
    listening: socket.socket, caplog: pytest.LogCaptureFixture
) -> None:
    endpoint = url_of(listening)
    listening.close()
    with caplog.at_level(logging.INFO, logger="llmgine.sinks.otel"):
        for _ in range(3):
            assert not Reachability(endpoint, "start it").reachable()
    assert len(caplog.records) == 1
