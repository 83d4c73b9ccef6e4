"""Chat turns through ToolChatEngine, each through both the openai: and anthropic: adapters."""

from __future__ import annotations

import asyncio

import pytest

from llmgine.engine import (
    LLMCallCompletedEvent,
    LLMCallStartedEvent,
    ResponseCompletedEvent,
    ResponseDeltaEvent,
    TurnResult,
)
from llmgine.llm import AssistantMessage, ToolResultMessage, Usage, UserMessage
from llmgine.testing import FakeLLMServer, Fault, text, tool_call, tool_calls
from llmgine.tools import ToolCallCompletedEvent, ToolCallRequestedEvent
from tests.engine._harness import chat, tool_results_in, user_texts_in


@pytest.fixture(params=["openai", "anthropic"])
def adapter(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def get_weather(location: str, unit: str = "celsius") -> str:
    """The weather in a place.

    Args:
        location: the city.
        unit: celsius or fahrenheit.
    """
    return f"{location}: 21 degrees {unit}"


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


async def test_a_plain_answer(adapter: str) -> None:
    async with FakeLLMServer([text("Hello there!", usage=(12, 3))]) as server:
        async with chat(adapter, server) as harness:
            result = await harness.prompt("Hi")
    assert result.success, result.error
    turn = result.result
    assert isinstance(turn, TurnResult)
    assert turn.content == "Hello there!"
    assert turn.rounds == 1
    assert turn.usage == Usage(input_tokens=12, output_tokens=3)
    assert turn.finish_reason == "stop"
    assert harness.engine.context.history("s1") == [
        UserMessage(content="Hi"),
        AssistantMessage(content="Hello there!"),
    ]


async def test_a_multi_round_tool_turn(adapter: str) -> None:
    script = [
        tool_call("get_weather", {"location": "Paris"}, usage=(20, 5)),
        tool_call("add", {"a": 2, "b": 3}, usage=(30, 5)),
        text("Paris is at 21 degrees and 2+3 is 5.", usage=(40, 9)),
    ]
    async with FakeLLMServer(script) as server:
        async with chat(adapter, server, tools=[get_weather, add]) as harness:
            result = await harness.prompt("Weather in Paris, and 2+3?")
    turn = result.result
    assert isinstance(turn, TurnResult), result.error
    assert turn.content == "Paris is at 21 degrees and 2+3 is 5."
    assert turn.rounds == 3
    assert [r.content for r in turn.tool_results] == ["Paris: 21 degrees celsius", "5"]
    assert turn.usage == Usage(input_tokens=90, output_tokens=19)
    first, second, third = server.requests
    assert tool_results_in(first) == []
    assert tool_results_in(second) == ["Paris: 21 degrees celsius"]
    assert tool_results_in(third) == ["Paris: 21 degrees celsius", "5"]
    assert {t["name"] if "name" in t else t["function"]["name"] for t in first.tools} == {
        "get_weather",
        "add",
    }
    history = harness.engine.context.history("s1")
    assert [type(m).__name__ for m in history] == [
        "UserMessage",
        "AssistantMessage",
        "ToolResultMessage",
        "AssistantMessage",
        "ToolResultMessage",
        "AssistantMessage",
    ]
    assert isinstance(history[1], AssistantMessage)
    assert history[1].tool_calls[0].name == "get_weather"
    assert isinstance(history[2], ToolResultMessage)
    assert history[2].tool_call_id == history[1].tool_calls[0].id


async def test_the_tool_calls_of_one_reply_run_concurrently(adapter: str) -> None:
    started = {"north": asyncio.Event(), "south": asyncio.Event()}

    async def probe(side: str) -> str:
        """Wait until the other side has started too: would deadlock if run one by one."""
        started[side].set()
        other = "south" if side == "north" else "north"
        await asyncio.wait_for(started[other].wait(), timeout=5)
        return f"{side} ok"

    script = [
        tool_calls(("probe", {"side": "north"}), ("probe", {"side": "south"})),
        text("Both sides answered."),
    ]
    async with FakeLLMServer(script) as server:
        async with chat(adapter, server, tools=[probe]) as harness:
            result = await harness.prompt("Probe both sides")
    turn = result.result
    assert isinstance(turn, TurnResult), result.error
    assert [r.content for r in turn.tool_results] == ["north ok", "south ok"]
    assert all(r.ok for r in turn.tool_results)
    assert tool_results_in(server.requests[1]) == ["north ok", "south ok"]


async def test_the_answer_streams_as_delta_events_to_a_subscriber(adapter: str) -> None:
    answer = "The quick brown fox jumps over the lazy dog."
    heard: list[str] = []
    async with FakeLLMServer([text(answer)]) as server:
        async with chat(adapter, server, stream=True) as harness:
            harness.bus.register_event_handler(ResponseDeltaEvent, lambda e: heard.append(e.text))
            result = await harness.prompt("Tell me something")
            await harness.bus.wait_for_events()
    assert result.success, result.error
    assert server.requests[0].stream
    deltas = harness.of_type(ResponseDeltaEvent)
    assert len(deltas) > 3
    assert "".join(d.text for d in deltas) == answer
    assert [d.text for d in deltas] == heard
    completed = harness.of_type(ResponseCompletedEvent)[0]
    assert completed.content == answer
    log = harness.sink.messages
    assert max(log.index(d) for d in deltas) < log.index(completed)
    (call,) = harness.of_type(LLMCallCompletedEvent)
    assert call.first_delta_ms is not None
    assert 0 < call.first_delta_ms <= call.latency_ms


async def test_with_nobody_listening_deltas_are_not_published(adapter: str) -> None:
    answer = "Nobody is watching this one stream."
    async with FakeLLMServer([text(answer), text(answer)]) as server:
        async with chat(adapter, server, stream=True) as harness:
            await harness.prompt("quietly")
        async with chat(adapter, server, stream=True, delta_events="always") as loud:
            await loud.prompt("for the log")
            await loud.bus.wait_for_events()
    assert all(r.stream for r in server.requests)
    assert harness.of_type(ResponseDeltaEvent) == []
    (call,) = harness.of_type(LLMCallCompletedEvent)
    assert call.content == answer  # the whole text is recorded all the same
    assert call.first_delta_ms is not None
    assert "".join(d.text for d in loud.of_type(ResponseDeltaEvent)) == answer


async def test_without_streaming_no_deltas_are_published(adapter: str) -> None:
    async with FakeLLMServer([text("Whole reply")]) as server:
        async with chat(adapter, server, stream=False) as harness:
            result = await harness.prompt("Hi")
    assert result.success, result.error
    assert not server.requests[0].stream
    assert harness.of_type(ResponseDeltaEvent) == []


async def test_tokens_are_counted_per_turn_and_per_session(adapter: str) -> None:
    script = [text("one", usage=(10, 1)), text("two", usage=(20, 2))]
    async with FakeLLMServer(script) as server:
        async with chat(adapter, server) as harness:
            first = (await harness.prompt("1")).result
            second = (await harness.prompt("2")).result
    assert isinstance(first, TurnResult)
    assert isinstance(second, TurnResult)
    assert first.usage == Usage(input_tokens=10, output_tokens=1)
    assert second.usage == Usage(input_tokens=20, output_tokens=2)
    assert second.session_usage == Usage(input_tokens=30, output_tokens=3)
    conversation = harness.engine.context.get("s1")
    assert conversation is not None
    assert conversation.usage == second.session_usage


async def test_the_second_turn_sends_the_first_turns_history(adapter: str) -> None:
    async with FakeLLMServer([text("Nice to meet you, Ada."), text("You are Ada.")]) as server:
        async with chat(adapter, server) as harness:
            await harness.prompt("My name is Ada.")
            await harness.prompt("Who am I?")
    assert user_texts_in(server.requests[1]) == ["My name is Ada.", "Who am I?"]


async def test_turns_of_one_session_run_in_order(adapter: str) -> None:
    async with FakeLLMServer([text("first answer"), text("second answer")]) as server:
        async with chat(adapter, server) as harness:
            results = await asyncio.gather(harness.prompt("first"), harness.prompt("second"))
    assert all(r.success for r in results)
    # The second turn waited for the first, so it carries the whole first turn.
    assert user_texts_in(server.requests[1]) == ["first", "second"]


async def test_sessions_have_separate_histories(adapter: str) -> None:
    async with FakeLLMServer([text("a"), text("b")]) as server:
        async with chat(adapter, server) as harness:
            await harness.prompt("for session one", session_id="one")
            await harness.prompt("for session two", session_id="two")
    assert user_texts_in(server.requests[1]) == ["for session two"]


async def test_a_failing_model_call_fails_the_turn_and_leaves_no_history(adapter: str) -> None:
    async with FakeLLMServer([Fault.unauthorized()]) as server:
        async with chat(adapter, server) as harness:
            result = await harness.prompt("Hi")
    assert not result.success
    assert result.failure is not None
    assert result.failure.kind == "auth_failed"
    assert result.failure.exception_type == "AuthenticationError"
    assert "AuthenticationError" in (result.error or "")
    assert harness.engine.context.history("s1") == []
    assert harness.of_type(ResponseCompletedEvent) == []


async def test_the_tool_round_limit_ends_the_turn(adapter: str) -> None:
    script = [tool_call("add", {"a": 1, "b": 1}), tool_call("add", {"a": 2, "b": 2})]
    async with FakeLLMServer(script) as server:
        async with chat(adapter, server, tools=[add], max_tool_rounds=1) as harness:
            result = await harness.prompt("Keep adding")
    turn = result.result
    assert isinstance(turn, TurnResult), result.error
    assert turn.finish_reason == "max_tool_rounds"
    assert turn.rounds == 2
    assert len(turn.tool_results) == 1
    assert [c.name for c in turn.unexecuted_tool_calls] == ["add"]
    # The unexecuted call is not in the history: a next request must not carry a call
    # without its result.
    last = harness.engine.context.history("s1")[-1]
    assert isinstance(last, AssistantMessage)
    assert last.tool_calls == ()


async def test_execute_tools_false_returns_the_calls_unexecuted(adapter: str) -> None:
    ran: list[str] = []

    def record(note: str) -> str:
        """Record a note."""
        ran.append(note)
        return "recorded"

    async with FakeLLMServer([tool_call("record", {"note": "x"})]) as server:
        async with chat(adapter, server, tools=[record]) as harness:
            result = await harness.prompt("Note x", execute_tools=False)
    turn = result.result
    assert isinstance(turn, TurnResult), result.error
    assert ran == []
    assert [c.name for c in turn.unexecuted_tool_calls] == ["record"]
    assert turn.rounds == 1


async def test_a_turn_publishes_the_events_of_each_step(adapter: str) -> None:
    script = [tool_call("add", {"a": 2, "b": 3}), text("5")]
    async with FakeLLMServer(script) as server:
        async with chat(adapter, server, tools=[add]) as harness:
            result = await harness.prompt("2+3?")
            await harness.bus.wait_for_events()
    assert result.success
    started = harness.of_type(LLMCallStartedEvent)
    completed = harness.of_type(LLMCallCompletedEvent)
    assert [e.round for e in started] == [1, 2]
    assert [e.tool_count for e in started] == [1, 1]
    assert completed[0].finish_reason == "tool_calls"
    assert completed[0].tool_calls[0].name == "add"
    assert completed[1].content == "5"
    assert all(e.latency_ms > 0 and e.usage.total_tokens > 0 for e in completed)
    assert completed[0].model.split(":")[0] == adapter
    requested = harness.of_type(ToolCallRequestedEvent)
    done = harness.of_type(ToolCallCompletedEvent)
    assert [(e.tool_name, e.arguments) for e in requested] == [("add", '{"a":2,"b":3}')]
    assert [(e.call_id, e.result) for e in done] == [(requested[0].call_id, "5")]
