"""An OTLP/HTTP collector (and the two MLflow experiment calls) on loopback, for tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


@dataclass
class Received:
    traces: list[ExportTraceServiceRequest] = field(default_factory=list)
    metrics: list[ExportMetricsServiceRequest] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    api: list[tuple[str, str, Any]] = field(default_factory=list)
    experiments: dict[str, str] = field(default_factory=dict)


class _Receiver(BaseHTTPRequestHandler):
    """An OTLP/HTTP collector and the two MLflow experiment calls, on loopback."""

    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        got = self.server.received
        if self.path == "/v1/traces":
            got.traces.append(ExportTraceServiceRequest.FromString(body))
            got.headers.append(dict(self.headers))
            self._reply(200, b"", "application/x-protobuf")
        elif self.path == "/v1/metrics":
            got.metrics.append(ExportMetricsServiceRequest.FromString(body))
            self._reply(200, b"", "application/x-protobuf")
        elif self.path == "/api/2.0/mlflow/experiments/create":
            name = json.loads(body)["name"]
            got.api.append(("POST", self.path, name))
            got.experiments[name] = str(100 + len(got.experiments))
            self._json(200, {"experiment_id": got.experiments[name]})
        else:
            self._json(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": self.path})

    def do_GET(self) -> None:
        got = self.server.received
        path, _, query = self.path.partition("?")
        got.api.append(("GET", path, query))
        if path != "/api/2.0/mlflow/experiments/get-by-name":
            self._json(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": path})
            return
        name = query.partition("experiment_name=")[2].replace("+", " ")
        if name in got.experiments:
            self._json(200, {"experiment": {"experiment_id": got.experiments[name]}})
        else:
            self._json(404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no such"})

    def _json(self, status: int, value: object) -> None:
        self._reply(status, json.dumps(value).encode(), "application/json")

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    received: Received


@pytest.fixture
def receiver() -> Iterator[tuple[str, Received]]:
    server = _Server(("127.0.0.1", 0), _Receiver)
    server.received = Received()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def spans(requests: list[ExportTraceServiceRequest]) -> list[Any]:
    """Every span of every export request received."""
    return [
        span
        for request in requests
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
