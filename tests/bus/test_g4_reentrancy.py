"""Guarantee 4, re-entrancy: handlers may publish and execute, to any depth, without
deadlock; a call that could never finish from a handler fails fast instead."""

import asyncio

import pytest

from llmgine.bus import MessageBus, UsageError
from llmgine.messages import Command, CommandResult, Event
from llmgine.sinks import MemorySink
from tests.bus._transports import new_bus


class Start(Command):
    depth: int


class Stepped(Event):
    depth: int


async def test_command_publishes_event_whose_handler_executes_command_three_levels_deep(
    bus: MessageBus, sink: MemorySink
) -> None:
    finished = asyncio.Event()
    results: list[object] = []

    async def start(command: Start) -> str:
        await bus.publish(Stepped(depth=command.depth))
        return f"started {command.depth}"

    async def stepped(event: Stepped) -> None:
        if event.depth < 3:
            result = await bus.execute(Start(depth=event.depth + 1))
            results.append(result.result)
        else:
            finished.set()

    bus.register_command_handler(Start, start)
    bus.register_event_handler(Stepped, stepped)
    top = await asyncio.wait_for(bus.execute(Start(depth=1)), 5)
    assert top.result == "started 1"
    await asyncio.wait_for(finished.wait(), 5)
    await bus.wait_for_events(timeout=5)
    assert results == ["started 2", "started 3"]
    # Causality: each message points at the one that caused it, all the way down.
    by_id = {m.message_id: m for m in sink if not isinstance(m, CommandResult)}
    deepest = next(m for m in sink.of_type(Stepped) if m.depth == 3)
    chain = []
    node = deepest
    while node.parent_id is not None:
        chain.append(type(node).__name__)
        node = by_id[node.parent_id]
    chain.append(type(node).__name__)
    assert chain == ["Stepped", "Start", "Stepped", "Start", "Stepped", "Start"]


async def test_command_handler_awaits_nested_commands_to_any_depth(bus: MessageBus) -> None:
    async def recurse(command: Start) -> int:
        if command.depth == 0:
            return 0
        inner = await bus.execute(Start(depth=command.depth - 1))
        assert isinstance(inner.result, int)
        return inner.result + 1

    bus.register_command_handler(Start, recurse)
    result = await asyncio.wait_for(bus.execute(Start(depth=1000)), 10)
    assert result.result == 1000


async def test_event_handler_awaits_a_command_that_publishes_in_the_same_session(
    bus: MessageBus,
) -> None:
    seen: list[int] = []

    async def start(command: Start) -> None:
        await bus.publish(Stepped(depth=command.depth))

    async def stepped(event: Stepped) -> None:
        seen.append(event.depth)
        if event.depth < 50:
            result = await bus.execute(Start(depth=event.depth + 1))
            assert result.success

    bus.register_command_handler(Start, start)
    bus.register_event_handler(Stepped, stepped)
    await bus.execute(Start(depth=0, session_id="one"))
    await bus.wait_for_events(timeout=5)
    assert seen == list(range(51))


async def test_wait_for_events_inside_a_handler_fails_fast(
    bus: MessageBus, sink: MemorySink
) -> None:
    errors: list[BaseException] = []

    async def waits(event: Stepped) -> None:
        try:
            await bus.wait_for_events()
        except UsageError as exc:
            errors.append(exc)
            raise

    bus.register_event_handler(Stepped, waits)
    await bus.publish(Stepped(depth=0))
    await asyncio.wait_for(bus.wait_for_events(), 5)
    assert len(errors) == 1
    assert "inside a handler" in str(errors[0])


async def test_stop_inside_a_handler_fails_fast(bus: MessageBus) -> None:
    async def stops(command: Start) -> None:
        await bus.stop()

    bus.register_command_handler(Start, stops)
    result = await asyncio.wait_for(bus.execute(Start(depth=0)), 5)
    assert not result.success
    assert "UsageError" in (result.error or "")
    assert bus.state == "running"


async def test_messages_built_in_a_handler_inherit_parent_and_session(bus: MessageBus) -> None:
    built: list[Stepped] = []

    def handler(command: Start) -> None:
        built.append(Stepped(depth=1))

    bus.register_command_handler(Start, handler)
    command = Start(depth=0, session_id="s9")
    await bus.execute(command)
    assert built[0].parent_id == command.command_id
    assert built[0].session_id == "s9"
    outside = Stepped(depth=2)
    assert outside.parent_id is None
    assert outside.session_id == "BUS"


@pytest.mark.parametrize("max_queue_size", [1, 4])
async def test_handlers_publishing_into_a_full_queue_do_not_deadlock(max_queue_size: int) -> None:
    received: list[int] = []

    async def fan_out(event: Stepped) -> None:
        received.append(event.depth)
        if event.depth < 3:
            await bus.publish(Stepped(depth=event.depth + 1))
            await bus.publish(Stepped(depth=event.depth + 1))

    async with new_bus(log_dir=None, max_queue_size=max_queue_size) as bus:
        bus.register_event_handler(Stepped, fan_out)
        await bus.publish(Stepped(depth=0))
        await asyncio.wait_for(bus.wait_for_events(), 5)
    assert len(received) == 1 + 2 + 4 + 8


async def test_a_runaway_handler_hits_the_overflow_limit_instead_of_growing(
    sink: MemorySink,
) -> None:
    async def runaway(event: Stepped) -> None:
        if event.depth == 0:
            for n in range(1000):
                await bus.publish(Stepped(depth=n + 1))

    async with new_bus(log_dir=None, sinks=[sink], max_queue_size=10, handler_overflow=50) as bus:
        bus.register_event_handler(Stepped, runaway, session_id="loop")
        await bus.publish(Stepped(depth=0, session_id="loop"))
        await asyncio.wait_for(bus.wait_for_events(), 10)
        assert bus.stats().peak_queued == 60
        assert bus.stats().handler_failures == 1
        assert bus.recent_failures[0].exception_type == "BusFullError"
    # The events accepted before the limit were all delivered; nothing else was accepted.
    assert len(sink.of_type(Stepped)) == 60
