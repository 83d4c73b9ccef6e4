"""list_models: what each service offers, asked of the service, as full model names."""

from __future__ import annotations

import pytest

from llmgine.llm import (
    APIConnectionError,
    MalformedResponseError,
    list_models,
    listable_providers,
)
from llmgine.testing import FakeLLMServer
from tests.programs._chat import closed_port


async def test_each_sdk_service_lists_its_models_sorted_with_its_prefix() -> None:
    async with FakeLLMServer(ollama_models=["gpt-4o-mini", "gpt-4o", "gpt-4o"]) as server:
        openai = await list_models("openai", api_key="sk-test", base_url=server.openai_base_url)
        xai = await list_models("xai", api_key="xai-test", base_url=server.openai_base_url)
        claude = await list_models(
            "anthropic", api_key="sk-ant-test", base_url=server.anthropic_base_url
        )
    assert openai == ["openai:gpt-4o", "openai:gpt-4o-mini"]
    assert xai == ["xai:gpt-4o", "xai:gpt-4o-mini"]
    assert claude == ["anthropic:gpt-4o", "anthropic:gpt-4o-mini"]
    assert server.requests == []  # listing is not a model call


async def test_ollama_is_asked_at_its_own_list() -> None:
    async with FakeLLMServer(ollama_models=["qwen2.5:0.5b", "llama3.2"]) as server:
        assert await list_models("ollama", base_url=f"{server.url}/v1") == [
            "ollama:llama3.2",
            "ollama:qwen2.5:0.5b",
        ]


async def test_the_offline_stand_in_offers_itself() -> None:
    assert await list_models("offline") == ["offline:stand-in"]
    assert listable_providers() == ["anthropic", "offline", "ollama", "openai", "xai"]


async def test_a_service_that_cannot_be_asked_says_why() -> None:
    nowhere = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(APIConnectionError, match=r"could not reach Ollama at .*ollama serve"):
        await list_models("ollama", base_url=nowhere)
    with pytest.raises(APIConnectionError, match=r"could not connect to 127\.0\.0\.1"):
        await list_models("openai", api_key="sk-test", base_url=f"{nowhere}/v1", timeout=5)
    async with FakeLLMServer() as server:  # answers, but /v1/api/tags is not an Ollama's
        with pytest.raises(MalformedResponseError, match="did not answer as Ollama does"):
            await list_models("ollama", base_url=f"{server.url}/v1/v1")


async def test_a_prefix_without_a_list_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="the models of 'together' cannot be listed"):
        await list_models("together")
