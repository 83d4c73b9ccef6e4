"""Fixtures shared by the whole suite.

Every test runs without a network (only loopback is reachable) and without the developer's
real API keys, model, tracing or bot settings in its environment (``LLMGINE_*`` and
GlueLLM's ``GLUELLM_*`` ones included), so no test can call a real model or depend on the
machine it runs on.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from llmgine.bus import MessageBus
from llmgine.sinks import MemorySink
from llmgine.testing._network import NetworkGuard

pytest_plugins = ["pytester", "llmgine.testing.pytest_plugin"]

_MODEL_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "XAI_API_KEY",
    "OLLAMA_HOST",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_SERVICE_NAME",
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
    "DISCORD_BOT_TOKEN",
)


@pytest.fixture(autouse=True)
def _offline(no_network: NetworkGuard, monkeypatch: pytest.MonkeyPatch) -> NetworkGuard:
    for name in list(os.environ):
        if name in _MODEL_VARIABLES or name.startswith(("LLMGINE_", "GLUELLM_")):
            monkeypatch.delenv(name)
    return no_network


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real ``nats-server`` on loopback with JetStream, for the whole session (started
    on first use; tests isolate themselves in namespaces of their own). Its URL is also in
    ``NATS_TEST_URL``, for programs the tests start."""
    from llmgine.transports.nats import NatsServer

    folder = nats_data_dir(tmp_path_factory, "nats-server")
    server = NatsServer(folder)
    server.start()
    os.environ["NATS_TEST_URL"] = server.url
    try:
        yield server
    finally:
        os.environ.pop("NATS_TEST_URL", None)
        server.kill()  # a throwaway server: no need to wait for it to put its streams away
        shutil.rmtree(folder, ignore_errors=True)


def nats_data_dir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder for a test server's data: in memory (tmpfs) when the machine has one, so
    that ``sync_interval: always`` (still set and checked) costs no disk flush per write;
    a process killed with -9 loses nothing there either, which is what the tests break."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return Path(tempfile.mkdtemp(prefix=f"llmgine-{name}-", dir=shm))
    return tmp_path_factory.mktemp(name)


@pytest.fixture
def sink() -> MemorySink:
    """Records every message of the ``bus`` fixture."""
    return MemorySink()


@pytest.fixture
async def bus(sink: MemorySink) -> AsyncIterator[MessageBus]:
    """A running bus with no log file, recording into ``sink``."""
    async with MessageBus(log_dir=None, sinks=[sink]) as bus:
        yield bus
