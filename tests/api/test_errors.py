"""Connection and auth errors name where the request went and what to check. Through the
one-call API and the real SDKs, against FakeLLMServer or a port nobody listens on."""

from __future__ import annotations

import socket

import pytest

import llmgine
from llmgine.llm import APIConnectionError, AuthenticationError
from llmgine.testing import FakeLLMServer, Fault
from tests.engine._harness import MODELS, provider_options

KEY_VARIABLE = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


@pytest.fixture(autouse=True)
def _one_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMGINE_RETRY_MAX_ATTEMPTS", "1")  # the error itself, not its retries


@pytest.fixture(params=["openai", "anthropic"])
def adapter(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def closed_port() -> int:
    with socket.socket() as probe:  # bound, then released: nobody listens there
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_refused_connection_names_the_host_it_went_to(adapter: str) -> None:
    port = closed_port()
    base_url = f"http://127.0.0.1:{port}" + ("/v1" if adapter == "openai" else "")
    with pytest.raises(APIConnectionError) as caught:
        await llmgine.complete(
            "Hi",
            model=MODELS[adapter],
            log_dir=None,
            provider_options={"api_key": "sk-test", "base_url": base_url},
        )
    message = str(caught.value)
    assert f"could not connect to 127.0.0.1:{port} (ConnectError" in message
    assert "check the base URL and that the server is up" in message
    assert "\n" not in message


async def test_an_unreachable_ollama_is_asked_whether_it_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = closed_port()
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{port}")
    with pytest.raises(APIConnectionError) as caught:
        await llmgine.complete("Hi", model="ollama:llama3.2", log_dir=None)
    message = str(caught.value)
    assert message.startswith("ollama:llama3.2: could not connect to ")
    assert f"127.0.0.1:{port}" in message
    assert "is Ollama running? Start it with `ollama serve`" in message


async def test_a_refused_key_names_the_host_and_the_variable(adapter: str) -> None:
    async with FakeLLMServer([Fault.unauthorized()]) as server:
        with pytest.raises(AuthenticationError) as caught:
            await llmgine.complete(
                "Hi",
                model=MODELS[adapter],
                log_dir=None,
                provider_options=provider_options(adapter, server),
            )
    message = str(caught.value)
    assert "Incorrect API key provided." in message
    assert f"key refused by 127.0.0.1:{server_port(server)}" in message
    assert f"check {KEY_VARIABLE[adapter]}" in message


def server_port(server: FakeLLMServer) -> int:
    return int(server.requests[0].headers["host"].rsplit(":", 1)[1])
