"""The ToolManager on a real MessageBus: ExecuteToolCommand in, tool call events out."""

from __future__ import annotations

import pytest

from llmgine.bus import MessageBus, UsageError
from llmgine.llm import ToolCall
from llmgine.sinks import MemorySink
from llmgine.tools import (
    ExecuteToolCommand,
    ToolCallCompletedEvent,
    ToolCallFailedEvent,
    ToolCallRequestedEvent,
    ToolManager,
    ToolResult,
)


def get_weather(city: str) -> str:
    """Current weather in a city."""
    return f"sunny in {city}"


def explode() -> None:
    raise ValueError("kaboom")


@pytest.fixture
def manager() -> ToolManager:
    return ToolManager([get_weather, explode])


def weather_call(call_id: str = "call-1") -> ToolCall:
    return ToolCall(id=call_id, name="get_weather", arguments='{"city": "Paris"}')


async def test_execute_tool_command_returns_the_tool_result(
    bus: MessageBus, manager: ToolManager
) -> None:
    manager.attach(bus)

    outcome = await bus.execute(ExecuteToolCommand(call=weather_call()))

    assert outcome.success, outcome.error
    assert isinstance(outcome.result, ToolResult)
    assert outcome.result.content == "sunny in Paris"
    assert outcome.result.call_id == "call-1"


async def test_a_completed_call_is_published_pointing_at_its_command(
    bus: MessageBus, manager: ToolManager, sink: MemorySink
) -> None:
    manager.attach(bus)
    command = ExecuteToolCommand(call=weather_call())

    outcome = await bus.execute(command)
    await bus.wait_for_events()

    [event] = sink.of_type(ToolCallCompletedEvent)
    assert event.parent_id == command.command_id
    assert (event.call_id, event.tool_name, event.result) == ("call-1", "get_weather",
                                                              "sunny in Paris")  # fmt: skip
    assert event.duration_ms == outcome.result.duration_ms
    assert sink.of_type(ToolCallFailedEvent) == []
    assert sink.of_type(ToolCallRequestedEvent) == [], "the engine publishes requests"


async def test_a_failed_call_is_a_successful_command_with_a_failed_event(
    bus: MessageBus, manager: ToolManager, sink: MemorySink
) -> None:
    manager.attach(bus)
    command = ExecuteToolCommand(call=ToolCall(id="call-2", name="explode"))

    outcome = await bus.execute(command)
    await bus.wait_for_events()

    assert outcome.success, "a failing tool is not a failing command"
    assert outcome.result.error_kind == "exception"
    assert outcome.result.content == "Error: ValueError: kaboom"
    [event] = sink.of_type(ToolCallFailedEvent)
    assert event.parent_id == command.command_id
    assert (event.call_id, event.tool_name) == ("call-2", "explode")
    assert (event.error_kind, event.error) == ("exception", "ValueError: kaboom")
    assert sink.of_type(ToolCallCompletedEvent) == []


@pytest.mark.parametrize(
    ("tool_call", "kind"),
    [
        (ToolCall(id="c", name="nope"), "unknown_tool"),
        (ToolCall(id="c", name="get_weather", arguments="{"), "invalid_json"),
        (ToolCall(id="c", name="get_weather", arguments="{}"), "invalid_arguments"),
    ],
)
async def test_every_failure_kind_is_published(
    bus: MessageBus, manager: ToolManager, sink: MemorySink, tool_call: ToolCall, kind: str
) -> None:
    manager.attach(bus)

    outcome = await bus.execute(ExecuteToolCommand(call=tool_call))
    await bus.wait_for_events()

    assert outcome.result.error_kind == kind
    assert [e.error_kind for e in sink.of_type(ToolCallFailedEvent)] == [kind]


async def test_events_of_a_session_command_belong_to_that_session(
    bus: MessageBus, manager: ToolManager, sink: MemorySink
) -> None:
    manager.attach(bus)

    async with bus.session("user-42") as session:
        command = ExecuteToolCommand(call=weather_call())
        outcome = await session.execute(command)
    await bus.wait_for_events()

    assert outcome.success
    [event] = sink.of_type(ToolCallCompletedEvent)
    assert event.session_id == "user-42"
    assert event.parent_id == command.command_id


async def test_attached_to_a_session_it_serves_only_that_session(
    bus: MessageBus, manager: ToolManager, sink: MemorySink
) -> None:
    async with bus.session("user-42") as session:
        manager.attach(session)

        inside = await session.execute(ExecuteToolCommand(call=weather_call()))
        outside = await bus.execute(ExecuteToolCommand(call=weather_call()))

    assert inside.success
    assert inside.result.content == "sunny in Paris"
    assert not outside.success
    assert "no handler" in (outside.error or "")
    await bus.wait_for_events()
    [event] = sink.of_type(ToolCallCompletedEvent)
    assert event.session_id == "user-42"


async def test_a_session_attachment_ends_with_the_session(
    bus: MessageBus, manager: ToolManager
) -> None:
    async with bus.session("user-42") as session:
        manager.attach(session)

    async with bus.session("user-42") as again:
        outcome = await again.execute(ExecuteToolCommand(call=weather_call()))

    assert not outcome.success


async def test_unregistering_the_attachment_detaches_the_manager(
    bus: MessageBus, manager: ToolManager
) -> None:
    registration = manager.attach(bus)

    registration.unregister()
    outcome = await bus.execute(ExecuteToolCommand(call=weather_call()))

    assert not outcome.success
    assert "ExecuteToolCommand" in (outcome.error or "")


async def test_a_second_attachment_to_the_same_scope_is_refused(
    bus: MessageBus, manager: ToolManager
) -> None:
    manager.attach(bus)

    with pytest.raises(UsageError, match="ExecuteToolCommand"):
        ToolManager().attach(bus)
