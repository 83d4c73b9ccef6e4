"""The offline stand-in provider: tool calls for plain requests, honest text otherwise."""

from __future__ import annotations

from typing import Literal

import orjson
import pytest
from pydantic import BaseModel, Field

from llmgine.llm import (
    OFFLINE_MODEL,
    AssistantMessage,
    LLMRequest,
    LLMResponse,
    OfflineProvider,
    StreamEnd,
    TextDelta,
    ToolCallDelta,
    ToolResultMessage,
    UserMessage,
    resolve_model,
)
from llmgine.llm._offline_schema import placeholder_instance
from tests.llm.test_offline_intents import ALL_TOOLS, CALCULATE, SEND_EMAIL, WEATHER


@pytest.fixture
def offline() -> OfflineProvider:
    return OfflineProvider()


async def collect(provider: OfflineProvider, request: LLMRequest) -> list[object]:
    return [delta async for delta in provider.stream(request)]


def test_the_registry_builds_it_and_ignores_connection_options() -> None:
    provider = resolve_model(OFFLINE_MODEL, api_key="sk-unused", base_url="http://x", timeout=3)
    assert isinstance(provider, OfflineProvider)
    assert provider.model_name == "offline:stand-in"


async def test_weather_request_calls_the_weather_tool(offline: OfflineProvider) -> None:
    request = LLMRequest.of("What's the weather in Paris?", tools=ALL_TOOLS)
    response = await offline.complete(request)
    assert response.finish_reason == "tool_calls"
    assert response.content == ""
    (call,) = response.tool_calls
    assert (call.id, call.name) == ("offline_call_0_0", "get_weather")
    assert call.parsed_arguments() == {"location": "Paris"}


async def test_arithmetic_request_calls_the_calculator(offline: OfflineProvider) -> None:
    response = await offline.complete(LLMRequest.of("what's 7 times 6", tools=ALL_TOOLS))
    assert [(c.name, c.parsed_arguments()) for c in response.tool_calls] == [
        ("calculate", {"expression": "7*6"})
    ]


async def test_email_request_calls_the_mailer(offline: OfflineProvider) -> None:
    request = LLMRequest.of(
        "send an email to bob@example.com with subject Hi saying see you soon", tools=ALL_TOOLS
    )
    response = await offline.complete(request)
    assert [(c.name, c.parsed_arguments()) for c in response.tool_calls] == [
        ("send_email", {"to": "bob@example.com", "subject": "Hi", "body": "see you soon"})
    ]


async def test_two_cities_make_two_calls_with_distinct_ids(offline: OfflineProvider) -> None:
    request = LLMRequest.of("weather in Paris and Tokyo?", tools=(WEATHER,))
    response = await offline.complete(request)
    assert [c.parsed_arguments()["location"] for c in response.tool_calls] == ["Paris", "Tokyo"]
    assert len({c.id for c in response.tool_calls}) == 2


async def test_after_the_tools_answer_it_reports_their_results(offline: OfflineProvider) -> None:
    first = LLMRequest.of("weather in Paris, and what is 2+3?", tools=ALL_TOOLS)
    asked = await offline.complete(first)
    weather, calc = asked.tool_calls
    follow_up = first.model_copy(
        update={
            "messages": (
                *first.messages,
                asked.to_message(),
                ToolResultMessage(tool_call_id=weather.id, name=weather.name, content='{"c": 21}'),
                ToolResultMessage(
                    tool_call_id=calc.id, name=calc.name, content="bad input", is_error=True
                ),
            )
        }
    )
    answer = await offline.complete(follow_up)
    assert answer.finish_reason == "stop"
    assert answer.tool_calls == ()
    assert "offline stand-in" in answer.content
    assert 'get_weather returned: {"c": 21}' in answer.content
    assert "calculate failed: bad input" in answer.content


async def test_a_new_user_message_starts_a_new_turn(offline: OfflineProvider) -> None:
    request = LLMRequest(
        messages=(
            UserMessage(content="weather in Paris"),
            AssistantMessage(tool_calls=()),
            ToolResultMessage(tool_call_id="x", name="get_weather", content="sunny"),
            AssistantMessage(content="It is sunny."),
            UserMessage(content="and the weather in Rome?"),
        ),
        tools=(WEATHER,),
    )
    response = await offline.complete(request)
    (call,) = response.tool_calls
    assert call.parsed_arguments() == {"location": "Rome"}
    assert call.id == "offline_call_2_0"  # two assistant turns came before


async def test_anything_else_gets_the_honest_fallback(offline: OfflineProvider) -> None:
    response = await offline.complete(LLMRequest.of("Tell me a joke", tools=ALL_TOOLS))
    assert response.finish_reason == "stop"
    assert response.tool_calls == ()
    text = response.content
    assert "offline stand-in, not a language model" in text
    assert "no API key or reachable local model server" in text
    for hint in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "Ollama", "weather", "arithmetic"):
        assert hint in text


async def test_no_call_when_the_matching_tool_is_not_offered(offline: OfflineProvider) -> None:
    response = await offline.complete(
        LLMRequest.of("What's the weather in Paris?", tools=(CALCULATE, SEND_EMAIL))
    )
    assert response.tool_calls == ()
    assert response.finish_reason == "stop"
    assert "no tool for it was offered" in response.content
    assert "the weather" in response.content


async def test_tool_choice_none_means_no_call(offline: OfflineProvider) -> None:
    request = LLMRequest.of("weather in Paris", tools=(WEATHER,), tool_choice="none")
    assert (await offline.complete(request)).tool_calls == ()


async def test_replies_are_deterministic() -> None:
    request = LLMRequest.of("weather in Paris and what is 2+3?", tools=ALL_TOOLS)
    first = await OfflineProvider().complete(request)
    second = await OfflineProvider().complete(request)
    assert first == second
    assert OfflineProvider().reply(LLMRequest.of("hi")) == OfflineProvider().reply(
        LLMRequest.of("hi")
    )


async def test_usage_is_estimated_and_never_zero(offline: OfflineProvider) -> None:
    short = await offline.complete(LLMRequest.of("hi"))
    long = await offline.complete(LLMRequest.of("hi " * 400))
    assert short.usage.input_tokens >= 1
    assert short.usage.output_tokens >= 1
    assert long.usage.input_tokens >= 300  # about four characters a token
    assert long.usage.output_tokens == short.usage.output_tokens


@pytest.mark.parametrize(
    "prompt", ["weather in Paris and Tokyo, and email a@b.co saying hi", "Tell me a joke"]
)
async def test_streaming_gives_the_same_reply_as_complete(
    offline: OfflineProvider, prompt: str
) -> None:
    request = LLMRequest.of(prompt, tools=ALL_TOOLS)
    deltas = await collect(offline, request)
    end = deltas[-1]
    assert isinstance(end, StreamEnd)
    assert end.response == await offline.complete(request)
    assert all(not isinstance(d, StreamEnd) for d in deltas[:-1])
    text = [d.text for d in deltas if isinstance(d, TextDelta)]
    assert "".join(text) == end.response.content
    if end.response.content:
        assert len(text) > 10  # word-sized pieces, not one blob


async def test_streamed_tool_calls_come_as_fragments(offline: OfflineProvider) -> None:
    request = LLMRequest.of("email bob@example.com about the quarterly report", tools=ALL_TOOLS)
    deltas = [d for d in await collect(offline, request) if isinstance(d, ToolCallDelta)]
    first, *rest = deltas
    assert (first.index, first.id, first.name, first.arguments) == (
        0,
        "offline_call_0_0",
        "send_email",
        "",
    )
    assert len(rest) > 1
    assert all(d.id is None and d.name is None for d in rest)
    assert orjson.loads("".join(d.arguments for d in rest))["to"] == "bob@example.com"


class Address(BaseModel):
    city: str
    postcode: str = Field(min_length=20)


class Profile(BaseModel):
    name: str
    age: int = Field(ge=18)
    score: float = Field(gt=0, lt=1)
    active: bool
    tags: list[str]
    kind: Literal["person", "robot"]
    address: Address
    nickname: str | None = None
    country: str = "NZ"
    history: list[Address] = Field(min_length=1)


async def test_structured_output_is_a_valid_placeholder(offline: OfflineProvider) -> None:
    response = await offline.complete(LLMRequest.of("describe me", response_format=Profile))
    assert isinstance(response.parsed, Profile)
    assert Profile.model_validate_json(response.content) == response.parsed
    profile = response.parsed
    assert (profile.name, profile.age, profile.active, profile.tags) == (
        "offline stand-in",
        18,
        False,
        [],
    )
    assert (profile.kind, profile.country, profile.nickname) == ("person", "NZ", None)
    assert 0 < profile.score < 1
    assert len(profile.history) == 1
    streamed = (await collect(offline, LLMRequest.of("describe me", response_format=Profile)))[-1]
    assert isinstance(streamed, StreamEnd)
    assert streamed.response.parsed == profile


async def test_structured_output_after_tool_results(offline: OfflineProvider) -> None:
    request = LLMRequest(
        messages=(
            UserMessage(content="weather in Paris"),
            AssistantMessage(tool_calls=()),
            ToolResultMessage(tool_call_id="x", name="get_weather", content="sunny"),
        ),
        response_format=Address,
    )
    response: LLMResponse = await offline.complete(request)
    assert isinstance(response.parsed, Address)


def test_placeholders_follow_formats_and_recursion() -> None:
    class Node(BaseModel):
        label: str
        children: list[Node]

    assert placeholder_instance(Node.model_json_schema()) == {
        "label": "offline stand-in",
        "children": [],
    }
    schema = {
        "type": "object",
        "properties": {
            "when": {"type": "string", "format": "date-time"},
            "short": {"type": "string", "maxLength": 3},
            "pair": {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "boolean"}]},
            "neg": {"type": "number", "maximum": -2},
        },
    }
    assert placeholder_instance(schema) == {
        "when": "2000-01-01T00:00:00Z",
        "short": "off",
        "pair": [0, False],
        "neg": -2.0,
    }
