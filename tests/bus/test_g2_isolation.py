"""Guarantee 2, isolation: a raising handler never stops the others nor the bus; it
produces a HandlerFailedEvent (and a failed result for commands); no exception is left
unretrieved."""

import asyncio
import gc

import pytest

from llmgine.bus import MessageBus
from llmgine.messages import CommandResult, HandlerFailedEvent
from llmgine.sinks import MemorySink
from tests.bus._messages import Add, Ping
from tests.bus._transports import new_bus


def boom(event: Ping) -> None:
    raise ValueError(f"bad ping {event.n}")


async def test_raising_handler_leaves_the_other_nine_served(
    bus: MessageBus, sink: MemorySink
) -> None:
    served: list[int] = []
    for i in range(10):
        if i == 4:
            bus.register_event_handler(Ping, boom)
        else:
            bus.register_event_handler(Ping, lambda e, i=i: served.append(i))
    event = Ping(n=7)
    await bus.publish(event)
    await bus.wait_for_events()
    assert served == [0, 1, 2, 3, 5, 6, 7, 8, 9]
    [failure] = sink.of_type(HandlerFailedEvent)
    assert failure.handler.endswith("boom")
    assert failure.exception_type == "ValueError"
    assert failure.exception_message == "bad ping 7"
    assert failure.message_type == "Ping"
    assert failure.failed_message_id == event.event_id
    assert failure.parent_id == event.event_id
    assert failure.traceback is not None
    assert "ValueError" in failure.traceback
    assert bus.recent_failures == [failure]


async def test_async_raising_handler_is_isolated_and_bus_keeps_working(
    bus: MessageBus, sink: MemorySink
) -> None:
    async def fails(event: Ping) -> None:
        await asyncio.sleep(0)
        raise RuntimeError("async failure")

    seen: list[int] = []
    bus.register_event_handler(Ping, fails)
    bus.register_event_handler(Ping, lambda e: seen.append(e.n))
    for n in range(3):
        await bus.publish(Ping(n=n))
    await bus.wait_for_events()
    assert seen == [0, 1, 2]
    assert len(sink.of_type(HandlerFailedEvent)) == 3
    assert bus.stats().handler_failures == 3


async def test_raising_command_handler_gives_failed_result_and_failure_event(
    bus: MessageBus, sink: MemorySink
) -> None:
    def divide(command: Add) -> float:
        return command.a / command.b

    bus.register_command_handler(Add, divide)
    result = await bus.execute(Add(a=1, b=0))
    assert not result.success
    assert result.error == "ZeroDivisionError: division by zero"
    await bus.wait_for_events()
    [failure] = sink.of_type(HandlerFailedEvent)
    assert failure.exception_type == "ZeroDivisionError"
    assert failure.failed_message_id == result.command_id
    ok = await bus.execute(Add(a=4, b=2))
    assert ok.success
    assert ok.result == 2.0
    assert [r.success for r in sink.of_type(CommandResult)] == [False, True]


async def test_failing_failure_handler_does_not_cascade(bus: MessageBus, sink: MemorySink) -> None:
    def also_fails(event: HandlerFailedEvent) -> None:
        raise RuntimeError("the failure handler fails too")

    bus.register_event_handler(Ping, boom)
    bus.register_event_handler(HandlerFailedEvent, also_fails)
    await bus.publish(Ping(n=1))
    await bus.wait_for_events()
    assert len(sink.of_type(HandlerFailedEvent)) == 1
    assert bus.stats().handler_failures == 2


async def test_no_exception_is_left_unretrieved() -> None:
    loop = asyncio.get_running_loop()
    reported: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        async with new_bus(log_dir=None) as bus:
            bus.register_event_handler(Ping, boom)
            bus.register_command_handler(Add, lambda c: 1 / 0)
            for n in range(50):
                await bus.publish(Ping(n=n))
                await bus.execute(Add(a=1, b=0))
            await bus.wait_for_events()
        gc.collect()
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert reported == []


async def test_cancellation_of_the_caller_is_not_swallowed(bus: MessageBus) -> None:
    started = asyncio.Event()

    async def forever(command: Add) -> None:
        started.set()
        await asyncio.Event().wait()

    bus.register_command_handler(Add, forever)
    task = asyncio.create_task(bus.execute(Add(a=1, b=1)))
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
