"""Structured output with a retry on an invalid reply, and cancelling a turn mid-way."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel

from llmgine.engine import (
    CancelTurnCommand,
    ResponseCompletedEvent,
    TurnCancelledEvent,
    TurnResult,
)
from llmgine.testing import FakeLLMServer, json_reply, text, tool_call
from llmgine.tools import ToolCallRequestedEvent
from tests.engine._harness import chat, user_texts_in


@pytest.fixture(params=["openai", "anthropic"])
def adapter(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class City(BaseModel):
    name: str
    population: int


async def test_an_invalid_structured_reply_is_shown_its_errors_and_asked_again(
    adapter: str,
) -> None:
    script = [
        json_reply({"name": "Lima", "population": "lots"}),
        json_reply({"name": "Lima", "population": 10_000_000}),
    ]
    async with FakeLLMServer(script) as server:
        async with chat(adapter, server) as harness:
            result = await harness.prompt("The biggest city of Peru?", response_format=City)
    turn = result.result
    assert isinstance(turn, TurnResult), result.error
    assert turn.parsed == City(name="Lima", population=10_000_000)
    assert turn.rounds == 2
    feedback = user_texts_in(server.requests[1])[-1]
    assert "City" in feedback
    assert "population" in feedback
    # Both requests asked for the schema.
    for request in server.requests:
        assert "response_format" in request.body or "output_config" in request.body


async def test_structured_output_gives_up_after_its_retries(adapter: str) -> None:
    script = [json_reply({"name": "Lima"}), json_reply({"name": "Lima"})]
    async with FakeLLMServer(script) as server:
        async with chat(adapter, server) as harness:
            result = await harness.prompt(
                "The biggest city of Peru?", response_format=City, max_validation_retries=1
            )
    assert not result.success
    assert result.failure is not None
    assert result.failure.kind == "invalid_structured_output"
    assert result.failure.exception_type == "StructuredOutputError"
    assert result.failure.raw == '{"name":"Lima"}'
    assert harness.engine.context.history("s1") == []


async def test_a_cancelled_turn_leaves_no_half_written_history(adapter: str) -> None:
    release = asyncio.Event()
    cancelled = asyncio.Event()

    async def slow_lookup(query: str) -> str:
        """Look something up, slowly."""
        try:
            await release.wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "found"

    script = [
        text("first answer"),
        tool_call("slow_lookup", {"query": "x"}),
        text("second answer"),
    ]
    async with FakeLLMServer(script) as server:
        async with chat(adapter, server, tools=[slow_lookup]) as harness:
            await harness.prompt("first")
            before = harness.engine.context.history("s1")
            turn = asyncio.create_task(harness.prompt("look it up"))
            await harness.sink.wait_for(lambda m: isinstance(m, ToolCallRequestedEvent))
            cancel = await harness.bus.execute(
                CancelTurnCommand(session_id="s1", reason="user pressed Ctrl-C")
            )
            result = await asyncio.wait_for(turn, timeout=5)
            assert cancelled.is_set()  # the tool was interrupted, not left running
            after_cancel = harness.engine.context.history("s1")
            # The session still works, and its next request is well formed.
            again = await harness.prompt("again")
            await harness.bus.wait_for_events()
    assert cancel.success
    assert cancel.result is True
    assert not result.success
    assert "user pressed Ctrl-C" in (result.error or "")
    assert after_cancel == before
    (event,) = harness.of_type(TurnCancelledEvent)
    assert event.reason == "user pressed Ctrl-C"
    assert event.rounds == 1
    assert len(harness.of_type(ResponseCompletedEvent)) == 2
    assert again.success
    assert user_texts_in(server.requests[2]) == ["first", "again"]


async def test_cancelling_with_no_turn_running_says_so(adapter: str) -> None:
    async with FakeLLMServer([]) as server:
        async with chat(adapter, server) as harness:
            result = await harness.bus.execute(CancelTurnCommand(session_id="idle"))
    assert result.success
    assert result.result is False


async def test_a_cancelled_caller_takes_its_turn_with_it(adapter: str) -> None:
    async def stuck(query: str) -> str:
        """Never finish."""
        await asyncio.Event().wait()
        return ""

    async with FakeLLMServer([tool_call("stuck", {"query": "x"})]) as server:
        async with chat(adapter, server, tools=[stuck]) as harness:
            turn = asyncio.create_task(harness.prompt("go"))
            await harness.sink.wait_for(lambda m: isinstance(m, ToolCallRequestedEvent))
            turn.cancel()
            with pytest.raises(asyncio.CancelledError):
                await turn
            event = await harness.sink.wait_for(lambda m: isinstance(m, TurnCancelledEvent))
    assert isinstance(event, TurnCancelledEvent)
    assert harness.engine.context.history("s1") == []
    assert harness.engine._turns == {}
