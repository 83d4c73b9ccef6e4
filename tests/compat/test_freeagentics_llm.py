"""``llmgine.compat.freeagentics.llm``: FreeAgentics' ``from llm import ...`` on llmgine's
factory, providers and messages, against the real SDKs and a local fake server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import llmgine.gmn
import llmgine.llm
from llmgine.compat.freeagentics.llm import (
    LLMError,
    LLMMessage,
    LLMProviderFactory,
    LLMResponse,
    LLMRole,
    ProviderType,
    create_llm_factory,
)
from llmgine.engine import CallLLMCommand
from llmgine.llm import AssistantMessage, AuthenticationError, SystemMessage, UserMessage
from llmgine.testing import FakeLLMServer, Fault, text
from tests.gmn._generation import logged

MESSAGES = [
    LLMMessage(role=LLMRole.SYSTEM, content="You are an expert in active inference"),
    LLMMessage(role=LLMRole.USER, content="Design a multi-agent system"),
]


def served_by(server: FakeLLMServer, **extra: Any) -> dict[str, Any]:
    """OpenAI then Anthropic, both the fake server."""
    return {
        "provider": "openai",
        "openai": {"api_key": "sk-test", "base_url": server.openai_base_url, "max_retries": 1},
        "anthropic": {
            "api_key": "ant-test",
            "base_url": server.anthropic_base_url,
            "max_retries": 1,
            "model": "claude-test",
        },
        "log_dir": None,
        **extra,
    }


def test_the_names_are_llmgines_own_objects() -> None:
    assert LLMError is llmgine.llm.LLMError
    assert LLMResponse is llmgine.llm.LLMResponse
    assert issubclass(LLMProviderFactory, llmgine.gmn.LLMProviderFactory)
    assert isinstance(create_llm_factory(), LLMProviderFactory)


def test_an_llm_message_is_llmgines_message_of_that_role() -> None:
    system, user, assistant = (
        LLMMessage(role=LLMRole.SYSTEM, content="s"),
        LLMMessage(role="user", content="u", metadata={"kept": False}),
        LLMMessage(LLMRole.ASSISTANT, "a"),
    )

    assert system == SystemMessage(content="s")
    assert user == UserMessage(content="u")
    assert assistant == AssistantMessage(content="a")
    assert user.role == LLMRole.USER
    with pytest.raises(ValueError, match="unknown role 'tool'"):
        LLMMessage(role="tool", content="x")


async def test_generate_answers_from_the_first_model_and_logs_the_call(tmp_path: Path) -> None:
    async with FakeLLMServer([text("Three agents that share beliefs.")]) as server:
        async with create_llm_factory(served_by(server, log_dir=str(tmp_path))) as factory:
            response = await factory.generate(MESSAGES, max_tokens=200, top_p=0.5)
            health = await factory.health_check()
        (request,) = server.requests

    assert isinstance(response, LLMResponse)
    assert response.content == "Three agents that share beliefs."
    assert response.model_name == "openai:gpt-4o-mini"
    assert request.messages == [
        {"role": "system", "content": "You are an expert in active inference"},
        {"role": "user", "content": "Design a multi-agent system"},
    ]
    assert (request.body["temperature"], request.body["top_p"]) == (0.7, 0.5)
    assert request.body["max_completion_tokens"] == 200  # what OpenAI calls it now
    commands = [m for m in logged(factory.last_log_path) if isinstance(m, CallLLMCommand)]
    assert [c.model for c in commands] == ["openai:gpt-4o-mini"]
    assert health["providers"]["openai"]["total_requests"] == 1


async def test_generate_fails_over_and_the_health_check_says_so() -> None:
    script = [Fault.unauthorized(), text("from the second")]
    async with FakeLLMServer(script) as server:
        async with create_llm_factory(served_by(server)) as factory:
            response = await factory.generate(MESSAGES)
            health = await factory.health_check()

    assert response.model_name == "anthropic:claude-test"
    assert [r.api for r in server.requests] == ["openai", "anthropic"]
    assert health["providers"]["openai"]["success_rate"] == 0.0
    assert health["providers"]["anthropic"]["success_rate"] == 100.0


async def test_provider_type_sends_to_that_provider_alone() -> None:
    async with FakeLLMServer([text("from claude"), Fault.unauthorized()]) as server:
        async with create_llm_factory(served_by(server)) as factory:
            response = await factory.generate(MESSAGES, provider_type=ProviderType.ANTHROPIC)
            with pytest.raises(AuthenticationError):
                await factory.generate(MESSAGES, provider_type="anthropic")  # no failover
            health = await factory.health_check()

    assert response.content == "from claude"
    assert [r.api for r in server.requests] == ["anthropic", "anthropic"]
    anthropic = health["providers"]["anthropic"]
    assert (anthropic["total_requests"], anthropic["success_rate"]) == (2, 50.0)
    assert health["providers"]["openai"]["total_requests"] == 0


async def test_provider_type_auto_is_the_whole_failover() -> None:
    async with FakeLLMServer([text("auto")]) as server:
        async with create_llm_factory(served_by(server)) as factory:
            response = await factory.generate(MESSAGES, provider_type=ProviderType.AUTO)

    assert response.model_name == "openai:gpt-4o-mini"


async def test_a_provider_that_is_not_available_is_an_error_that_says_why() -> None:
    async with FakeLLMServer() as server:
        config = served_by(server)
        del config["anthropic"]["api_key"]
        async with create_llm_factory(config) as factory:
            with pytest.raises(LLMError, match="not available: no API key: set ANTHROPIC_API_KEY"):
                await factory.generate(MESSAGES, provider_type=ProviderType.ANTHROPIC)
            with pytest.raises(LLMError, match="ollama is not among the models chosen"):
                await factory.generate(MESSAGES, provider_type=ProviderType.OLLAMA)
            with pytest.raises(ValueError, match="unknown provider_type 'gemini'"):
                await factory.generate(MESSAGES, provider_type="gemini")
            with pytest.raises(ValueError, match="stop_sequences are not supported"):
                await factory.generate(MESSAGES, stop_sequences=["```"])
        assert server.requests == []


@pytest.mark.parametrize(
    ("variable", "primary"),
    [("mock", "offline:stand-in"), ("openai", "openai:gpt-4o-mini"), ("auto", "offline:stand-in")],
)
async def test_llm_provider_chooses_the_provider(
    variable: str, primary: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_PROVIDER", variable)
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:9")  # no Ollama to find
    if variable == "openai":
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    async with create_llm_factory({"log_dir": None}) as factory:
        assert factory.primary_provider == primary
        if variable == "mock":
            response = await factory.generate(MESSAGES, provider_type=ProviderType.MOCK)
            assert response.model_name == "offline:stand-in"
            assert response.content


def test_an_unknown_llm_provider_is_refused_when_the_factory_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LLM_PROVIDER", "gemini")
    with pytest.raises(ValueError, match="unknown provider 'gemini'"):
        create_llm_factory()
