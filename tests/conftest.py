"""Fixtures shared by the whole suite.

Every test runs without a network (only loopback is reachable) and without the developer's
real API keys, model, tracing or bot settings in its environment (``LLMGINE_*`` and
GlueLLM's ``GLUELLM_*`` ones included), so no test can call a real model or depend on the
machine it runs on.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

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


@pytest.fixture
def sink() -> MemorySink:
    """Records every message of the ``bus`` fixture."""
    return MemorySink()


@pytest.fixture
async def bus(sink: MemorySink) -> AsyncIterator[MessageBus]:
    """A running bus with no log file, recording into ``sink``."""
    async with MessageBus(log_dir=None, sinks=[sink]) as bus:
        yield bus
