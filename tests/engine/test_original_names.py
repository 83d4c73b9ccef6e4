"""The original LLMgine's names on the engine and the bus: ``await engine.register_tool(fn)``,
and the README's event names as subscriptions (``CommandResultEvent``, ``CommandErrorEvent``,
``LLMResponseEvent``, ``ToolCallEvent``), each receiving what its name says."""

from __future__ import annotations

from typing import Any

from llmgine.bus import MessageBus
from llmgine.engine import LLMCallCompletedEvent, LLMResponseEvent
from llmgine.messages import Command, CommandFailedEvent, CommandFinishedEvent
from llmgine.messages.events import CommandErrorEvent, CommandResultEvent
from llmgine.testing import FakeLLMServer, text, tool_call
from llmgine.tools import (
    ToolCallCompletedEvent,
    ToolCallEvent,
    ToolCallFailedEvent,
    ToolCallRequestedEvent,
)
from tests.engine._harness import chat, tool_results_in


class SucceedingCommand(Command):
    pass


class RefusedCommand(Command):
    pass


async def weather(city: str) -> dict[str, Any]:
    """The weather in a city.

    Args:
        city: where.
    """
    if city == "Atlantis":
        raise LookupError("no station under water")
    return {"city": city, "temperature": 18}


def test_the_readme_names_are_the_classes_that_carry_those_facts() -> None:
    assert CommandResultEvent is CommandFinishedEvent
    assert CommandErrorEvent is CommandFailedEvent
    assert LLMResponseEvent is LLMCallCompletedEvent
    assert all(
        issubclass(cls, ToolCallEvent)
        for cls in (ToolCallRequestedEvent, ToolCallCompletedEvent, ToolCallFailedEvent)
    )


async def test_command_result_and_error_event_subscriptions_receive_what_their_names_say() -> None:
    results: list[str] = []
    errors: list[str] = []
    async with MessageBus() as bus:
        bus.register_event_handler(CommandResultEvent, lambda e: results.append(e.command_type))
        bus.register_event_handler(CommandErrorEvent, lambda e: errors.append(e.command_type))
        bus.register_command_handler(SucceedingCommand, lambda c: "done")
        await bus.execute(SucceedingCommand())
        await bus.execute(RefusedCommand())  # no handler: a failed result
        await bus.wait_for_events()

    assert results == ["SucceedingCommand", "RefusedCommand"]
    assert errors == ["RefusedCommand"]


async def test_register_tool_offers_the_function_from_the_next_turn_on() -> None:
    script = [
        text("I have no tools yet."),
        tool_call("weather", {"city": "Lisbon"}),
        tool_call("weather", {"city": "Atlantis"}),
        text("Lisbon is 18 degrees; Atlantis has no station."),
    ]
    async with FakeLLMServer(script) as server:
        async with chat("openai", server) as harness:
            responses: list[LLMCallCompletedEvent] = []
            tool_events: list[ToolCallEvent] = []
            harness.bus.register_event_handler(LLMResponseEvent, responses.append)
            harness.bus.register_event_handler(ToolCallEvent, tool_events.append)

            before = await harness.prompt("Weather?")
            tool = await harness.engine.register_tool(weather)
            after = await harness.prompt("Weather in Lisbon and Atlantis?")
            await harness.bus.wait_for_events()
        requests = server.requests

    assert before.success, before.error
    assert after.success, after.error
    assert tool.name == "weather"
    assert "weather" in harness.engine.tools
    assert requests[0].tools == []
    (offered,) = requests[1].tools
    assert offered["function"]["name"] == "weather"
    assert offered["function"]["parameters"]["properties"]["city"]["description"] == "where."
    assert tool_results_in(requests[2]) == ['{"city":"Lisbon","temperature":18}']
    assert "no station under water" in tool_results_in(requests[3])[-1]
    assert [r.content for r in responses][-1] == "Lisbon is 18 degrees; Atlantis has no station."
    assert len(responses) == 4
    assert [type(e).__name__ for e in tool_events] == [
        "ToolCallRequestedEvent",
        "ToolCallCompletedEvent",
        "ToolCallRequestedEvent",
        "ToolCallFailedEvent",
    ]
    assert {e.tool_name for e in tool_events} == {"weather"}
