"""Model names, the prefix registry, and the OpenAI-compatible providers it builds."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncGenerator, Iterator

import pytest

from llmgine.llm import (
    LLMProvider,
    LLMRequest,
    LLMResponse,
    StreamDelta,
    StreamEnd,
    full_model_name,
    register_provider,
    registered_providers,
    resolve_model,
    split_model_name,
    unregister_provider,
)
from llmgine.testing import FakeLLMServer, text


@pytest.mark.parametrize(
    ("name", "full"),
    [
        ("gpt-4o", "openai:gpt-4o"),
        ("chatgpt-4o-latest", "openai:chatgpt-4o-latest"),
        ("o1", "openai:o1"),
        ("o3-mini", "openai:o3-mini"),
        ("claude-haiku-4-5", "anthropic:claude-haiku-4-5"),
        ("grok-beta", "xai:grok-beta"),
        (" gpt-4o ", "openai:gpt-4o"),
        ("ollama:llama3.2:3b", "ollama:llama3.2:3b"),
        ("openai:gpt-4o", "openai:gpt-4o"),
        ("mine:anything", "mine:anything"),  # a registered prefix is not second-guessed
    ],
)
def test_a_bare_model_name_gets_its_provider(name: str, full: str) -> None:
    assert full_model_name(name) == full


@pytest.mark.parametrize("name", ["llama3.2", "o1x", "gpt-", "", "claude"])
def test_a_bare_name_of_no_known_provider_says_how_to_write_it(name: str) -> None:
    with pytest.raises(ValueError, match=r"write it as provider:model .* ollama:llama3\.2"):
        full_model_name(name)


class EchoProvider(LLMProvider):
    def __init__(self, model: str, **options: object) -> None:
        self.provider = "echo"
        self.model = model
        self.options = options

    async def complete(self, request: LLMRequest) -> LLMResponse:
        last = request.messages[-1]
        return LLMResponse(content=str(last.content), provider="echo", model=self.model)

    async def stream(self, request: LLMRequest) -> AsyncGenerator[StreamDelta, None]:
        yield StreamEnd(response=await self.complete(request))


@pytest.fixture
def echo() -> Iterator[None]:
    register_provider("echo", EchoProvider)
    yield
    unregister_provider("echo")


def test_names_split_at_the_first_colon_only() -> None:
    assert split_model_name("openai:gpt-4o-mini") == ("openai", "gpt-4o-mini")
    assert split_model_name("ollama:llama3.2:3b") == ("ollama", "llama3.2:3b")


@pytest.mark.parametrize("name", ["gpt-4o", ":gpt-4o", "openai:", ""])
def test_a_name_without_provider_or_model_is_refused_with_the_form(name: str) -> None:
    with pytest.raises(ValueError, match="provider:model"):
        split_model_name(name)


def test_builtin_prefixes_are_registered() -> None:
    assert {"openai", "anthropic", "ollama", "xai", "offline"} <= set(registered_providers())


def test_an_unknown_prefix_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="no provider is registered for 'nope'") as caught:
        resolve_model("nope:model")
    assert "anthropic" in str(caught.value)


async def test_users_can_register_their_own_prefix(echo: None) -> None:
    provider = resolve_model("echo:v1", api_key="k")
    assert isinstance(provider, EchoProvider)
    assert provider.model_name == "echo:v1"
    assert provider.options == {"api_key": "k"}
    response = await provider.complete(LLMRequest.of("ping"))
    assert response.content == "ping"


def test_a_taken_prefix_needs_replace(echo: None) -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_provider("echo", EchoProvider)
    register_provider("echo", EchoProvider, replace=True)


def test_unregistering_a_builtin_restores_it() -> None:
    register_provider("openai", EchoProvider, replace=True)
    assert isinstance(resolve_model("openai:x"), EchoProvider)
    unregister_provider("openai")
    with pytest.raises(Exception, match="OPENAI_API_KEY"):
        resolve_model("openai:x")  # the real adapter again: it wants a key


@pytest.mark.parametrize("prefix", ["", "a:b", " padded"])
def test_bad_prefixes_are_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        register_provider(prefix, EchoProvider)


async def test_openai_prefix_reads_key_and_base_url_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with FakeLLMServer([text("from env")]) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key-123")
        monkeypatch.setenv("OPENAI_BASE_URL", server.openai_base_url)
        async with resolve_model("openai:gpt-4o-mini") as provider:
            response = await provider.complete(LLMRequest.of("x"))
    assert response.content == "from env"
    assert server.requests[0].api_key == "sk-env-key-123"


async def test_xai_uses_its_key_and_the_openai_wire_format(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XAI_API_KEY", "xai-key-456")
    async with (
        FakeLLMServer([text("grok here")]) as server,
        resolve_model("xai:grok-beta", base_url=server.openai_base_url) as provider,
    ):
        response = await provider.complete(LLMRequest.of("x", max_tokens=5))
    assert (response.provider, response.content) == ("xai", "grok here")
    request = server.requests[0]
    assert request.api_key == "xai-key-456"
    assert request.body["max_tokens"] == 5


async def test_ollama_uses_ollama_host_and_needs_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeLLMServer([text("local answer")]) as server:
        monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{server.port}")
        async with resolve_model("ollama:llama3.2:3b") as provider:
            response = await provider.complete(LLMRequest.of("x"))
    assert (response.provider, response.content) == ("ollama", "local answer")
    assert server.requests[0].model == "llama3.2:3b"
    assert server.requests[0].path == "/v1/chat/completions"


def test_importing_the_llm_layer_does_not_load_the_sdks() -> None:
    code = (
        "import sys, llmgine.llm, llmgine.llm as l; l.LLMRequest; "
        "print('openai' in sys.modules, 'anthropic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
