"""detect_model: LLMGINE_MODEL, then API keys, then a local Ollama, then the offline stand-in.

The Ollama probe talks to a stdlib HTTP server on 127.0.0.1 started by the test, or to a
local port nobody listens on; no test reaches the network.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from llmgine.llm import detect_model


@dataclass
class Answer:
    status: int = 200
    body: bytes = b'{"models": []}'
    hold: threading.Event | None = None  # when set, the reply waits for it


class FakeOllama:
    """A local server answering ``GET /api/tags`` with ``answer``; it records the paths asked."""

    def __init__(self) -> None:
        self.answer = Answer()
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.paths.append(self.path)
                answer = outer.answer
                if answer.hold is not None:
                    answer.hold.wait(timeout=10)
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def models(self, *names: str) -> None:
        body = {"models": [{"name": name, "model": name, "size": 1} for name in names]}
        self.answer = Answer(body=json.dumps(body).encode())


@pytest.fixture
def ollama(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOllama]:
    server = FakeOllama()
    server.thread.start()
    monkeypatch.setenv("OLLAMA_HOST", server.host)
    try:
        yield server
    finally:
        if server.answer.hold is not None:
            server.answer.hold.set()
        server.server.shutdown()
        server.server.server_close()
        server.thread.join()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("LLMGINE_"):
            monkeypatch.delenv(name)
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    # Nothing listens there: a test that forgets its server cannot find a real Ollama.
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port()}")


async def test_nothing_available_means_the_offline_stand_in() -> None:
    assert await detect_model() == "offline:stand-in"


@pytest.mark.parametrize("variable", ["OPENAI_API_KEY", "LLMGINE_OPENAI_API_KEY"])
async def test_an_openai_key_means_openai(
    variable: str, monkeypatch: pytest.MonkeyPatch, ollama: FakeOllama
) -> None:
    monkeypatch.setenv(variable, "sk-test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    ollama.models("llama3.2:latest")
    assert await detect_model() == "openai:gpt-4o-mini"
    assert ollama.paths == []  # no probe when a key decides


@pytest.mark.parametrize("variable", ["ANTHROPIC_API_KEY", "LLMGINE_ANTHROPIC_API_KEY"])
async def test_an_anthropic_key_means_anthropic(
    variable: str, monkeypatch: pytest.MonkeyPatch, ollama: FakeOllama
) -> None:
    monkeypatch.setenv(variable, "sk-ant-test")
    ollama.models("llama3.2:latest")
    assert await detect_model() == "anthropic:claude-haiku-4-5"


async def test_a_blank_key_does_not_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "   ")
    assert await detect_model() == "offline:stand-in"


async def test_llmgine_model_wins_over_everything(
    monkeypatch: pytest.MonkeyPatch, ollama: FakeOllama
) -> None:
    monkeypatch.setenv("LLMGINE_MODEL", "xai:grok-beta")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    ollama.models("llama3.2:latest")
    assert await detect_model() == "xai:grok-beta"


async def test_gluellm_s_name_for_the_model_counts_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMGINE_DEFAULT_MODEL", "anthropic:claude-haiku-4-5")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert await detect_model() == "anthropic:claude-haiku-4-5"
    monkeypatch.setenv("LLMGINE_MODEL", "xai:grok-beta")
    assert await detect_model() == "xai:grok-beta"


async def test_a_bare_model_name_in_the_environment_gets_its_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LLMGINE_DEFAULT_MODEL", "claude-haiku-4-5")
    assert await detect_model() == "anthropic:claude-haiku-4-5"
    monkeypatch.setenv("LLMGINE_MODEL", "gpt-4o")
    assert await detect_model() == "openai:gpt-4o"


async def test_a_running_ollama_offers_its_first_model(ollama: FakeOllama) -> None:
    ollama.models("qwen2.5:0.5b", "llama3.2:latest")
    assert await detect_model() == "ollama:qwen2.5:0.5b"
    assert ollama.paths == ["/api/tags"]


async def test_an_ollama_without_models_offers_the_default(ollama: FakeOllama) -> None:
    assert await detect_model() == "ollama:llama3.2"


async def test_the_probe_ignores_proxies_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, ollama: FakeOllama
) -> None:
    for variable in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(variable, f"http://127.0.0.1:{closed_port()}")
    for variable in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(variable, raising=False)
    ollama.models("phi3:mini")
    assert await detect_model() == "ollama:phi3:mini"


@pytest.mark.parametrize(
    "answer",
    [Answer(status=404, body=b"not found"), Answer(body=b"<html>a web page</html>")],
    ids=["http-error", "not-json"],
)
async def test_a_server_that_is_not_ollama_is_ignored(answer: Answer, ollama: FakeOllama) -> None:
    ollama.answer = answer
    assert await detect_model() == "offline:stand-in"
    assert ollama.paths == ["/api/tags"]


async def test_a_server_slower_than_the_probe_timeout_is_ignored(ollama: FakeOllama) -> None:
    ollama.answer = Answer(hold=threading.Event())
    assert await detect_model(probe_timeout=0.2) == "offline:stand-in"
