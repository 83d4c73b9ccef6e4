"""The one-call API and ChatClient, through the real SDKs against FakeLLMServer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

import llmgine
from llmgine.api import ChatClient, CompletionError, CompletionResult, StreamChunk
from llmgine.bus import MessageBus
from llmgine.engine import PromptCommand, ResponseCompletedEvent
from llmgine.hooks import HookRejected, Hooks
from llmgine.llm import AuthenticationError, StructuredOutputError
from llmgine.logs import read_log
from llmgine.sinks import MemorySink
from llmgine.testing import FakeLLMServer, Fault, json_reply, text, tool_call, tool_calls
from tests.engine._harness import user_texts_in

MODELS = {"openai": "openai:gpt-4o-mini", "anthropic": "anthropic:claude-haiku-4-5"}


@pytest.fixture(params=["openai", "anthropic"])
def adapter(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLLMServer]:
    """A fake server that both SDKs reach through their usual environment variables."""
    with FakeLLMServer() as fake:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-openai")
        monkeypatch.setenv("OPENAI_BASE_URL", fake.openai_base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.anthropic_base_url)
        yield fake


def get_weather(location: str, unit: str = "celsius") -> str:
    """The weather in a place.

    Args:
        location: the city.
        unit: celsius or fahrenheit.
    """
    return f"{location}: 21 degrees {unit}"


def broken(x: int) -> int:
    """Always fails."""
    raise ValueError("no luck")


def logged_types(folder: Path) -> list[str]:
    (log,) = folder.glob("llmgine-*.jsonl")
    return [type(m).__name__ for m in read_log(log)]


class City(BaseModel):
    name: str
    country: str


async def test_complete_runs_tools_and_reports_everything(
    adapter: str, server: FakeLLMServer, tmp_path: Path
) -> None:
    server.add(
        tool_calls(("get_weather", {"location": "Paris"}), ("broken", {"x": 1}), usage=(30, 8)),
        text("Paris is at 21 degrees.", usage=(50, 6)),
    )
    result = await llmgine.complete(
        "What is the weather in Paris?",
        model=MODELS[adapter],
        system_prompt="Be brief.",
        tools=[get_weather, broken],
        log_dir=tmp_path,
    )
    assert isinstance(result, CompletionResult)
    assert result.final_response == "Paris is at 21 degrees."
    assert result.tool_calls_made == 2
    weather, failure = result.tool_execution_history
    assert (weather.tool_name, weather.arguments, weather.error) == (
        "get_weather",
        {"location": "Paris"},
        None,
    )
    assert weather.result == "Paris: 21 degrees celsius"
    assert failure.tool_name == "broken"
    assert failure.error is not None
    assert "no luck" in failure.error
    assert (result.tokens_used.prompt, result.tokens_used.completion) == (80, 14)
    assert result.tokens_used.total == 94
    assert result.model.startswith(f"{adapter}:")
    assert len(result) == len(result.final_response)
    # The call ran on a private bus, whose log holds the turn.
    names = logged_types(tmp_path)
    assert names[:2] == ["SessionStartedEvent", "PromptCommand"]
    assert "ToolCallCompletedEvent" in names
    assert "ToolCallFailedEvent" in names


async def test_complete_on_a_given_bus_is_recorded_there(
    adapter: str, server: FakeLLMServer
) -> None:
    server.add(text("Hello!"))
    sink = MemorySink()
    async with MessageBus(log_dir=None, sinks=[sink]) as bus:
        result = await llmgine.complete("Hi", model=MODELS[adapter], bus=bus)
        assert bus.state == "running"  # the caller's bus is the caller's to stop
        await bus.wait_for_events()
    (prompt,) = sink.of_type(PromptCommand)
    assert prompt.session_id == result.session_id
    assert sink.of_type(ResponseCompletedEvent)[0].content == "Hello!"


async def test_structured_complete_asks_again_after_an_invalid_reply(
    adapter: str, server: FakeLLMServer
) -> None:
    server.add(json_reply({"name": "Lima"}), json_reply({"name": "Lima", "country": "Peru"}))
    city = await llmgine.structured_complete(
        "Capital of Peru?", response_format=City, model=MODELS[adapter], log_dir=None
    )
    assert city == City(name="Lima", country="Peru")
    assert "City" in user_texts_in(server.requests[1])[-1]


async def test_structured_complete_raises_when_the_retries_run_out(
    adapter: str, server: FakeLLMServer
) -> None:
    server.add(json_reply({"name": "Lima"}), json_reply({"country": "Peru"}))
    with pytest.raises(StructuredOutputError) as caught:
        await llmgine.structured_complete(
            "Capital of Peru?",
            response_format=City,
            model=MODELS[adapter],
            max_validation_retries=1,
            log_dir=None,
        )
    assert caught.value.raw == '{"country":"Peru"}'
    assert "name" in caught.value.errors


async def test_stream_complete_yields_the_answer_then_a_final_chunk(
    adapter: str, server: FakeLLMServer
) -> None:
    answer = "It is sunny in Paris today, with a light breeze."
    server.add(tool_call("get_weather", {"location": "Paris"}), text(answer))
    chunks = [
        chunk
        async for chunk in llmgine.stream_complete(
            "Weather in Paris?", model=MODELS[adapter], tools=[get_weather], log_dir=None
        )
    ]
    assert all(isinstance(c, StreamChunk) for c in chunks)
    *pieces, last = chunks
    assert len(pieces) > 3
    assert "".join(c.content for c in pieces) == answer
    assert not any(c.done for c in pieces)
    assert last.done
    assert last.content == ""
    assert last.tool_calls_made == 1
    assert all(server.requests[i].stream for i in range(2))


async def test_a_model_error_is_raised_as_the_llm_error(
    adapter: str, server: FakeLLMServer
) -> None:
    server.add(Fault.unauthorized())
    with pytest.raises(AuthenticationError):
        await llmgine.complete("Hi", model=MODELS[adapter], log_dir=None)


async def test_a_rejected_turn_raises_a_completion_error(
    adapter: str, server: FakeLLMServer
) -> None:
    hooks = Hooks()

    def no_secrets(context: object) -> None:
        raise HookRejected("prompts may not mention the password")

    hooks.add("before_executor", no_secrets)
    async with MessageBus(log_dir=None) as bus:
        hooks.install(bus)
        with pytest.raises(CompletionError, match="password"):
            await llmgine.complete("the password is 1234", model=MODELS[adapter], bus=bus)
    assert server.requests == []


async def test_the_client_remembers_until_reset(adapter: str, server: FakeLLMServer) -> None:
    server.add(text("Hello Ada."), text("You are Ada."), text("I do not know."))
    async with ChatClient(MODELS[adapter], log_dir=None) as client:
        await client.complete("I am Ada.")
        second = await client.complete("Who am I?")
        assert second.final_response == "You are Ada."
        assert len(client.history) == 4
        client.reset_conversation()
        assert client.history == []
        await client.complete("Who am I?")
    assert user_texts_in(server.requests[1]) == ["I am Ada.", "Who am I?"]
    assert user_texts_in(server.requests[2]) == ["Who am I?"]


async def test_the_client_streams_and_structures_in_the_same_conversation(
    adapter: str, server: FakeLLMServer
) -> None:
    server.add(
        text("Lima is the capital of Peru."), json_reply({"name": "Lima", "country": "Peru"})
    )
    async with ChatClient(MODELS[adapter], log_dir=None) as client:
        streamed = [c.content async for c in client.stream_complete("Capital of Peru?")]
        city = await client.structured_complete("As JSON, please.", City)
    assert "".join(streamed) == "Lima is the capital of Peru."
    assert city.country == "Peru"
    assert user_texts_in(server.requests[1]) == ["Capital of Peru?", "As JSON, please."]


async def test_with_no_key_the_offline_default_answers_by_calling_the_tool() -> None:
    result = await llmgine.complete(
        "What is the weather in Paris?", tools=[get_weather], log_dir=None
    )
    assert result.model == "offline:stand-in"
    assert result.tool_execution_history[0].arguments == {"location": "Paris"}
    assert "Paris: 21 degrees celsius" in result.final_response


async def test_a_closed_client_cannot_be_used() -> None:
    client = ChatClient("offline:stand-in", log_dir=None)
    await client.aclose()
    with pytest.raises(llmgine.bus.UsageError, match="closed"):
        await client.complete("Hi")


async def test_a_non_string_message_is_a_clear_error() -> None:
    async with ChatClient("offline:stand-in", log_dir=None) as client:
        with pytest.raises(TypeError, match="user_message must be a str"):
            await client.complete(42)  # type: ignore[arg-type]
