"""The OpenAI and Anthropic adapters, through the real SDKs, against FakeLLMServer."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import aclosing

import pytest
from pydantic import BaseModel

from llmgine.llm import (
    AnthropicProvider,
    AssistantMessage,
    LLMProvider,
    LLMRequest,
    OpenAIProvider,
    StreamEnd,
    SystemMessage,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    ToolDefinition,
    ToolResultMessage,
    UserMessage,
)
from llmgine.testing import FakeLLMServer, Reply, json_reply, text, tool_call, tool_calls

WEATHER = ToolDefinition(
    name="get_weather",
    description="The weather in a place.",
    parameters={
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
    },
)

Make = Callable[[FakeLLMServer], LLMProvider]


def make_openai(server: FakeLLMServer) -> LLMProvider:
    return OpenAIProvider("gpt-4o-mini", api_key="sk-test-key", base_url=server.openai_base_url)


def make_anthropic(server: FakeLLMServer) -> LLMProvider:
    return AnthropicProvider(
        "claude-haiku-4-5", api_key="sk-ant-test", base_url=server.anthropic_base_url
    )


@pytest.fixture(params=[make_openai, make_anthropic], ids=["openai", "anthropic"])
def make(request: pytest.FixtureRequest) -> Make:
    return request.param  # type: ignore[no-any-return]


async def collect(provider: LLMProvider, request: LLMRequest) -> list[object]:
    async with aclosing(provider.stream(request)) as deltas:
        return [delta async for delta in deltas]


async def test_plain_chat_returns_text_usage_and_serving_model(make: Make) -> None:
    reply = Reply(text="Hello there.", usage=(12, 3), model="served-model-1")
    async with FakeLLMServer([reply]) as server, make(server) as provider:
        response = await provider.complete(LLMRequest.of("Hi", system="Be brief."))
    assert response.content == "Hello there."
    assert response.finish_reason == "stop"
    assert (response.usage.input_tokens, response.usage.output_tokens) == (12, 3)
    assert response.usage.total_tokens == 15
    assert response.model == "served-model-1"
    assert response.provider == provider.provider
    assert response.response_id


async def test_system_prompt_travels_the_providers_way(make: Make) -> None:
    async with FakeLLMServer([text("ok")]) as server, make(server) as provider:
        await provider.complete(LLMRequest.of("Hi", system="Be brief."))
    body = server.requests[0].body
    if server.requests[0].api == "anthropic":
        assert body["system"] == "Be brief."
        assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]
        assert body["max_tokens"] == 4096
    else:
        assert body["messages"] == [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
        ]


async def test_one_tool_call(make: Make) -> None:
    async with (
        FakeLLMServer([tool_call("get_weather", {"location": "Paris"})]) as server,
        make(server) as provider,
    ):
        response = await provider.complete(LLMRequest.of("Weather?", tools=(WEATHER,)))
    assert response.finish_reason == "tool_calls"
    [call] = response.tool_calls
    assert call.name == "get_weather"
    assert call.parsed_arguments() == {"location": "Paris"}
    tools = server.requests[0].tools
    assert len(tools) == 1
    assert "get_weather" in str(tools[0])


async def test_parallel_tool_calls_in_one_reply(make: Make) -> None:
    reply = tool_calls(
        ("get_weather", {"location": "Paris"}), ("get_weather", {"location": "Rome"})
    )
    async with FakeLLMServer([reply]) as server, make(server) as provider:
        response = await provider.complete(LLMRequest.of("Two cities", tools=(WEATHER,)))
    assert [c.parsed_arguments()["location"] for c in response.tool_calls] == ["Paris", "Rome"]
    assert len({c.id for c in response.tool_calls}) == 2


async def test_tool_results_round_trip_in_the_providers_shape(make: Make) -> None:
    call = ToolCall(id="call_7", name="get_weather", arguments='{"location": "Oslo"}')
    history = (
        SystemMessage(content="sys"),
        UserMessage(content="Weather in Oslo?"),
        AssistantMessage(content="", tool_calls=(call,)),
        ToolResultMessage(tool_call_id="call_7", name="get_weather", content="-3 C"),
    )
    async with FakeLLMServer([text("It is -3 C.")]) as server, make(server) as provider:
        response = await provider.complete(LLMRequest(messages=history, tools=(WEATHER,)))
    assert response.content == "It is -3 C."
    sent = server.requests[0].body["messages"]
    if server.requests[0].api == "anthropic":
        assert [m["role"] for m in sent] == ["user", "assistant", "user"]
        assert sent[1]["content"] == [
            {
                "type": "tool_use",
                "id": "call_7",
                "name": "get_weather",
                "input": {"location": "Oslo"},
            }
        ]
        assert sent[2]["content"][0]["type"] == "tool_result"
        assert sent[2]["content"][0]["tool_use_id"] == "call_7"
        assert sent[2]["content"][0]["content"] == "-3 C"
    else:
        assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool"]
        assert sent[2]["tool_calls"][0]["id"] == "call_7"
        assert sent[3] == {"role": "tool", "tool_call_id": "call_7", "content": "-3 C"}


async def test_streamed_text_arrives_in_pieces_and_ends_with_usage(make: Make) -> None:
    reply = Reply(text="one two three four", usage=(20, 4))
    async with FakeLLMServer([reply]) as server, make(server) as provider:
        deltas = await collect(provider, LLMRequest.of("Count"))
    texts = [d.text for d in deltas if isinstance(d, TextDelta)]
    assert len(texts) >= 4
    assert "".join(texts) == "one two three four"
    end = deltas[-1]
    assert isinstance(end, StreamEnd)
    assert sum(isinstance(d, StreamEnd) for d in deltas) == 1
    assert end.response.content == "one two three four"
    assert (end.response.usage.input_tokens, end.response.usage.output_tokens) == (20, 4)
    assert end.response.finish_reason == "stop"


async def test_openai_stream_asks_for_usage() -> None:
    async with FakeLLMServer([text("hi")]) as server, make_openai(server) as provider:
        await collect(provider, LLMRequest.of("hi"))
    assert server.requests[0].body["stream_options"] == {"include_usage": True}


async def test_streamed_tool_calls_arrive_as_fragments(make: Make) -> None:
    reply = tool_calls(
        ("get_weather", {"location": "San Francisco, California"}),
        ("get_weather", {"location": "Buenos Aires"}),
    )
    async with FakeLLMServer([reply]) as server, make(server) as provider:
        deltas = await collect(provider, LLMRequest.of("Two", tools=(WEATHER,)))
    fragments = [d for d in deltas if isinstance(d, ToolCallDelta)]
    assert {d.index for d in fragments} == {0, 1}
    assert [d.name for d in fragments if d.name] == ["get_weather", "get_weather"]
    first = "".join(d.arguments for d in fragments if d.index == 0)
    assert first == '{"location":"San Francisco, California"}'
    assert sum(1 for d in fragments if d.index == 0 and d.arguments) > 1
    end = deltas[-1]
    assert isinstance(end, StreamEnd)
    assert end.response.finish_reason == "tool_calls"
    assert [c.parsed_arguments() for c in end.response.tool_calls] == [
        {"location": "San Francisco, California"},
        {"location": "Buenos Aires"},
    ]


async def test_broken_tool_arguments_reach_the_caller_unchanged(make: Make) -> None:
    reply = tool_call("get_weather", '{"location": "Par')
    async with FakeLLMServer([reply]) as server, make(server) as provider:
        deltas = await collect(provider, LLMRequest.of("x", tools=(WEATHER,)))
    end = deltas[-1]
    assert isinstance(end, StreamEnd)
    with pytest.raises(ValueError, match="not JSON"):
        end.response.tool_calls[0].parsed_arguments()


class City(BaseModel):
    name: str
    population: int
    nickname: str | None = None


async def test_structured_output_is_requested_and_parsed(make: Make) -> None:
    reply = json_reply({"name": "Paris", "population": 2_100_000, "nickname": None})
    async with FakeLLMServer([reply]) as server, make(server) as provider:
        response = await provider.complete(LLMRequest.of("A city", response_format=City))
    assert response.parsed == City(name="Paris", population=2_100_000)
    body = server.requests[0].body
    if server.requests[0].api == "anthropic":
        schema = body["output_config"]["format"]["schema"]
    else:
        assert body["response_format"]["json_schema"]["strict"] is True
        schema = body["response_format"]["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name", "population", "nickname"]


async def test_structured_output_when_streaming(make: Make) -> None:
    reply = json_reply({"name": "Lima", "population": 10_000_000, "nickname": "City of Kings"})
    async with FakeLLMServer([reply]) as server, make(server) as provider:
        deltas = await collect(provider, LLMRequest.of("A city", response_format=City))
    end = deltas[-1]
    assert isinstance(end, StreamEnd)
    assert end.response.parsed == City(name="Lima", population=10_000_000, nickname="City of Kings")


async def test_options_reach_the_api(make: Make) -> None:
    request = LLMRequest.of(
        "x",
        temperature=0.2,
        max_tokens=99,
        tools=(WEATHER,),
        tool_choice="required",
        extra={"top_p": 0.5},
    )
    async with FakeLLMServer([text("ok")]) as server, make(server) as provider:
        await provider.complete(request)
    body = server.requests[0].body
    assert body["temperature"] == 0.2
    assert body["top_p"] == 0.5
    if server.requests[0].api == "anthropic":
        assert body["max_tokens"] == 99
        assert body["tool_choice"] == {"type": "any"}
    else:
        assert body["max_completion_tokens"] == 99
        assert body["tool_choice"] == "required"


async def test_anthropic_long_outputs_are_streamed() -> None:
    async with (
        FakeLLMServer([text("a long answer")]) as server,
        make_anthropic(server) as provider,
    ):
        response = await provider.complete(LLMRequest.of("Write a book", max_tokens=64_000))
    assert response.content == "a long answer"
    assert server.requests[0].stream is True


async def test_anthropic_merges_turns_of_the_same_role() -> None:
    history = (
        UserMessage(content="one"),
        UserMessage(content="two"),
        AssistantMessage(content="three"),
    )
    async with FakeLLMServer([text("ok")]) as server, make_anthropic(server) as provider:
        await provider.complete(LLMRequest(messages=history))
    sent = server.requests[0].body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant"]
    assert [b["text"] for b in sent[0]["content"]] == ["one", "two"]


async def test_the_key_is_sent_in_each_providers_header() -> None:
    async with FakeLLMServer([text("a"), text("b")]) as server:
        async with make_openai(server) as openai_provider:
            await openai_provider.complete(LLMRequest.of("x"))
        async with make_anthropic(server) as anthropic_provider:
            await anthropic_provider.complete(LLMRequest.of("x"))
    assert [r.api_key for r in server.requests] == ["sk-test-key", "sk-ant-test"]
    assert "anthropic-version" in server.requests[1].headers


async def test_stopping_a_stream_early_releases_it() -> None:
    async with (
        FakeLLMServer([text("many words " * 50), text("next")]) as server,
        make_openai(server) as provider,
    ):
        async with aclosing(provider.stream(LLMRequest.of("x"))) as deltas:
            async for _ in deltas:
                break
        response = await provider.complete(LLMRequest.of("again"))
    assert response.content == "next"


async def test_anthropic_sdk_spans_are_off_so_calls_are_traced_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import anthropic
    from opentelemetry import trace

    asked: list[str] = []

    def recording_get_tracer(name: str, *args: object, **kwargs: object) -> trace.Tracer:
        asked.append(name)
        return trace.NoOpTracer()

    monkeypatch.setattr(trace, "get_tracer", recording_get_tracer)
    async with FakeLLMServer([text("ours"), text("sdk default")]) as server:
        async with make_anthropic(server) as provider:
            await provider.complete(LLMRequest.of("x"))
        assert asked == [], "llmgine's Anthropic client asks OpenTelemetry for nothing"
        # The control: the SDK left to its default does ask for a tracer, so the check above
        # would catch the option being dropped.
        async with anthropic.AsyncAnthropic(
            api_key="sk-ant", base_url=server.anthropic_base_url, max_retries=0
        ) as raw:
            await raw.messages.create(
                model="claude-haiku-4-5", max_tokens=5, messages=[{"role": "user", "content": "x"}]
            )
    assert asked, "the SDK's default client would have made spans of its own"
