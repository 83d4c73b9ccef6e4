"""Guarantee 6, timeouts: handlers can be given a timeout; an expired command returns a
failed result that says so."""

import asyncio

from llmgine.bus import MessageBus
from llmgine.messages import HandlerFailedEvent
from llmgine.sinks import MemorySink
from tests.bus._messages import Add, Ping
from tests.bus._transports import new_bus


async def never(_: object) -> None:
    await asyncio.Event().wait()


async def test_command_handler_timeout_gives_a_failed_result_that_says_so(
    bus: MessageBus, sink: MemorySink
) -> None:
    bus.register_command_handler(Add, never, timeout=0.05)
    result = await asyncio.wait_for(bus.execute(Add(a=1, b=2)), 5)
    assert not result.success
    assert result.error is not None
    assert "HandlerTimeoutError" in result.error
    assert "within 0.05 s" in result.error
    await bus.wait_for_events()
    [failure] = sink.of_type(HandlerFailedEvent)
    assert failure.exception_type == "HandlerTimeoutError"


async def test_execute_timeout_bounds_the_whole_call(bus: MessageBus) -> None:
    bus.register_command_handler(Add, never)
    result = await asyncio.wait_for(bus.execute(Add(a=1, b=2), timeout=0.05), 5)
    assert not result.success
    assert result.error == "Add did not finish within 0.05 s and was cancelled"


async def test_bus_wide_default_handler_timeout_applies_to_events(sink: MemorySink) -> None:
    seen: list[int] = []
    async with new_bus(log_dir=None, sinks=[sink], handler_timeout=0.05) as bus:
        bus.register_event_handler(Ping, never)
        bus.register_event_handler(Ping, lambda e: seen.append(e.n))
        await bus.publish(Ping(n=1))
        await bus.publish(Ping(n=2))
        await asyncio.wait_for(bus.wait_for_events(), 5)
    assert seen == [1, 2]
    failures = sink.of_type(HandlerFailedEvent)
    assert [f.exception_type for f in failures] == ["HandlerTimeoutError"] * 2


async def test_a_handlers_own_timeout_error_is_not_mistaken_for_expiry(bus: MessageBus) -> None:
    async def raises_timeout(command: Add) -> None:
        raise TimeoutError("upstream timed out")

    bus.register_command_handler(Add, raises_timeout, timeout=5)
    result = await bus.execute(Add(a=1, b=2))
    assert result.error == "TimeoutError: upstream timed out"


async def test_fast_handler_within_its_timeout_succeeds(bus: MessageBus) -> None:
    async def quick(command: Add) -> int:
        await asyncio.sleep(0)
        return command.a + command.b

    bus.register_command_handler(Add, quick, timeout=5)
    result = await bus.execute(Add(a=1, b=2), timeout=5)
    assert result.success
    assert result.result == 3
