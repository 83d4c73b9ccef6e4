"""A chat turn lands in a real MLflow server as one trace with AGENT, CHAT_MODEL and TOOL spans.

The test starts ``mlflow server`` (the ``mlflow`` extra) on 127.0.0.1 with a sqlite store
in a temporary folder, runs a tool-using turn through the real engine against
FakeLLMServer with the sink built from the settings, and reads the trace back over MLflow's
REST API. The server's own telemetry and its download of model prices are switched off:
nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from llmgine.bus import MessageBus
from llmgine.config import Settings
from llmgine.engine import PromptCommand, ToolChatEngine
from llmgine.sinks import MemorySink, OtelSink
from llmgine.testing import FakeLLMServer, text, tool_call
from tests.sinks._otel import get_weather

pytestmark = pytest.mark.timeout(240)

STARTUP_DEADLINE = 180.0
"""Seconds the server may take to answer /health (about 20 on an idle 2-core machine)."""


def _mlflow() -> Path:
    executable = Path(sys.executable).parent / "mlflow"
    if not executable.exists():
        pytest.fail(
            f"no `mlflow` next to {sys.executable}: install the extra that runs the MLflow "
            f"server, `pip install -e '.[mlflow]'` (./run_tests.sh installs it)"
        )
    return executable


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, timeout: float = 10.0) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text()[-3000:]
            pytest.fail(f"mlflow server exited with {process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)  # polling another process's readiness: nothing to wait on instead
    pytest.fail(f"mlflow server not ready after {STARTUP_DEADLINE:g} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def mlflow_server(tmp_path: Path) -> Iterator[str]:
    executable = _mlflow()
    port = _free_port()
    log = tmp_path / "mlflow-server.log"
    env = os.environ | {
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        "MLFLOW_MODEL_CATALOG_URI": "",  # prices from the bundled catalog, not a download
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    }
    command = [
        str(executable), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--backend-store-uri", f"sqlite:///{tmp_path / 'mlflow.db'}",
        "--default-artifact-root", str(tmp_path / "artifacts"),
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
            start_new_session=True,  # its own process group: the server forks workers
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_healthy(url, process, log)
        yield url
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=15)
                break
            except subprocess.TimeoutExpired:
                continue


def _attribute(span: dict[str, Any], key: str) -> Any:
    for item in span.get("attributes", []):
        if item["key"] == key:
            (value,) = item["value"].values()
            return value
    return None


async def test_a_turn_becomes_an_mlflow_trace_with_typed_spans_and_token_usage(
    mlflow_server: str,
) -> None:
    settings = Settings(mlflow_tracking_uri=mlflow_server, mlflow_experiment_name="llmgine tests")
    sink = OtelSink.from_settings(settings)
    assert sink is not None
    recorded = MemorySink()
    script = [
        tool_call("get_weather", {"location": "Paris"}, usage=(20, 5)),
        text("It is 21 degrees and sunny.", usage=(31, 9)),
    ]
    async with FakeLLMServer(script) as llm:
        async with MessageBus(log_dir=None, sinks=[sink, recorded]) as bus:
            engine = ToolChatEngine(
                bus,
                model="openai:gpt-4o-mini",
                tools=[get_weather],
                provider_options={"api_key": "sk-test-openai", "base_url": llm.openai_base_url},
            )
            async with engine:
                result = await bus.execute(PromptCommand(prompt="Weather?", session_id="s-ml"))
        assert result.success, result.error
    # The bus has stopped: the sink flushed its spans to the server.

    query = "experiment_name=llmgine+tests"
    experiment = _get(f"{mlflow_server}/api/2.0/mlflow/experiments/get-by-name?{query}")
    experiment_id = experiment["experiment"]["experiment_id"]
    found = _post(
        f"{mlflow_server}/api/3.0/mlflow/traces/search",
        {"locations": [{"type": "MLFLOW_EXPERIMENT",
                        "mlflow_experiment": {"experiment_id": experiment_id}}]},
    )  # fmt: skip
    (info,) = found["traces"]
    assert info["state"] == "OK"
    metadata = info["trace_metadata"]
    assert json.loads(metadata["mlflow.trace.tokenUsage"]) == {
        "input_tokens": 51,
        "output_tokens": 14,
        "total_tokens": 65,
    }
    assert metadata["mlflow.trace.session"] == "s-ml"

    trace = _get(f"{mlflow_server}/api/3.0/mlflow/traces/get?trace_id={info['trace_id']}")
    spans = trace["trace"]["spans"]
    kinds = sorted((s["name"], str(_attribute(s, "mlflow.spanType")).strip('"')) for s in spans)
    assert kinds == [
        ("chat gpt-4o-mini", "CHAT_MODEL"),
        ("chat gpt-4o-mini", "CHAT_MODEL"),
        ("execute_tool get_weather", "TOOL"),
        ("invoke_agent llmgine", "AGENT"),
    ]
    (root,) = [s for s in spans if not s.get("parent_span_id")]
    assert root["name"] == "invoke_agent llmgine"
    children = [s for s in spans if s is not root]
    assert {s["parent_span_id"] for s in children} == {root["span_id"]}
    usage = sorted(
        (v["key"], v["value"]["int_value"])
        for s in children
        if (u := _attribute(s, "mlflow.chat.tokenUsage"))
        for v in u["values"]
    )
    assert [u for u in usage if u[0] != "total_tokens"] == sorted(
        [("input_tokens", 20), ("output_tokens", 5), ("input_tokens", 31), ("output_tokens", 9)]
    )
