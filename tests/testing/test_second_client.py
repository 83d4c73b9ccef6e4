"""FakeLLMServer passes for the real services with another client library on top of the
SDK: the openai-agents SDK runs a two-turn tool conversation against it, streamed and not.

The agents SDK keeps a conversation as items keyed by tool-call id; a server that gave two
calls the same id (as ours did: ``call_0_<name>`` every time) makes it send a mangled
history. So the test checks the history the SDK sent, not only its answers.
"""

from __future__ import annotations

from typing import Any

from agents import (
    Agent,
    ModelSettings,
    OpenAIChatCompletionsModel,
    Runner,
    function_tool,
    set_tracing_disabled,
)
from openai import AsyncOpenAI

from llmgine.testing import FakeLLMServer, RecordedRequest, text, tool_call

set_tracing_disabled(True)  # the SDK would export traces to the network otherwise

cities: list[str] = []


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: the city's name.
    """
    cities.append(city)
    return f"{city}: 21 C, sunny"


def client_of(server: FakeLLMServer) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=server.openai_base_url, api_key="sk-test", max_retries=0)


def agent_on(client: AsyncOpenAI, settings: ModelSettings | None = None) -> Agent[Any]:
    model = OpenAIChatCompletionsModel(model="gpt-4o-mini", openai_client=client)
    return Agent(
        name="weather",
        instructions="Be brief.",
        tools=[get_weather],
        model=model,
        model_settings=settings or ModelSettings(),
    )


SCRIPT = [
    tool_call("get_weather", {"city": "Paris"}, usage=(50, 10)),
    text("Sunny in Paris.", usage=(80, 5)),
    tool_call("get_weather", {"city": "Oslo"}, usage=(100, 10)),
    text("Sunny in Oslo too.", usage=(130, 6)),
]


def history_of(request: RecordedRequest) -> list[tuple[str, str | None]]:
    """Each message the SDK sent as (role, the tool-call id it makes or answers)."""
    shown = []
    for message in request.messages:
        calls = message.get("tool_calls") or []
        made = calls[0]["id"] if calls else None
        shown.append((message["role"], message.get("tool_call_id") or made))
    return shown


def check_the_conversation(server: FakeLLMServer) -> None:
    last = history_of(server.requests[-1])
    assert [role for role, _ in last] == [
        "system", "user", "assistant", "tool", "assistant", "user", "assistant", "tool",
    ]  # fmt: skip
    first_call, first_result, second_call, second_result = (last[i][1] for i in (2, 3, 6, 7))
    assert first_call == first_result
    assert second_call == second_result
    assert first_call != second_call
    assert all(str(i).startswith("call_") and len(str(i)) == 29 for i in (first_call, second_call))


async def test_a_two_turn_tool_conversation() -> None:
    cities.clear()
    async with FakeLLMServer(SCRIPT) as server, client_of(server) as client:
        agent = agent_on(client)
        first = await Runner.run(agent, "Weather in Paris?")
        assert first.final_output == "Sunny in Paris."
        follow_up = [*first.to_input_list(), {"role": "user", "content": "And Oslo?"}]
        second = await Runner.run(agent, follow_up)
        assert second.final_output == "Sunny in Oslo too."
    assert cities == ["Paris", "Oslo"]
    check_the_conversation(server)
    usage = second.context_wrapper.usage
    assert (usage.requests, usage.input_tokens, usage.output_tokens) == (2, 230, 16)
    assert usage.input_tokens_details.cached_tokens == 0
    assert usage.output_tokens_details.reasoning_tokens == 0


async def test_the_same_conversation_streamed_with_usage() -> None:
    cities.clear()
    async with FakeLLMServer(SCRIPT) as server, client_of(server) as client:
        agent = agent_on(client, ModelSettings(include_usage=True))
        first = Runner.run_streamed(agent, "Weather in Paris?")
        deltas = [e async for e in first.stream_events() if e.type == "raw_response_event"]
        assert first.final_output == "Sunny in Paris."
        assert deltas  # it did stream
        follow_up = [*first.to_input_list(), {"role": "user", "content": "And Oslo?"}]
        second = Runner.run_streamed(agent, follow_up)
        async for _ in second.stream_events():
            pass
        assert second.final_output == "Sunny in Oslo too."
    assert all(r.stream for r in server.requests)
    assert all(r.body.get("stream_options") == {"include_usage": True} for r in server.requests)
    assert cities == ["Paris", "Oslo"]
    check_the_conversation(server)
    usage = second.context_wrapper.usage
    assert (usage.requests, usage.input_tokens, usage.output_tokens) == (2, 230, 16)
