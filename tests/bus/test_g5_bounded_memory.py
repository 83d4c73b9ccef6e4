"""Guarantee 5, bounded memory: the queue never grows past its bound; a full queue makes
publish wait (or raise, by policy); histories are ring buffers."""

import asyncio

import pytest

from llmgine.bus import BusClosedError, BusFullError, MessageBus
from llmgine.messages import HandlerFailedEvent
from llmgine.sinks import MemorySink
from tests.bus._messages import Ping
from tests.bus._transports import new_bus


async def test_ten_thousand_events_with_a_slow_subscriber_stay_within_the_bound() -> None:
    bound = 100
    depths: list[int] = []
    received: list[int] = []

    async def slow(event: Ping) -> None:
        await asyncio.sleep(0)  # slower than the publisher: the queue fills
        received.append(event.n)

    async with new_bus(log_dir=None, max_queue_size=bound) as bus:
        bus.register_event_handler(Ping, slow)
        for n in range(10_000):
            await bus.publish(Ping(n=n))
            depths.append(bus.stats().queued)
        await bus.wait_for_events(timeout=30)
        stats = bus.stats()
    assert max(depths) == bound  # it did fill up ...
    assert stats.peak_queued == bound  # ... and never went past the bound
    assert received == list(range(10_000))
    assert stats.delivered == 10_000


async def test_full_queue_with_raise_policy_raises_and_loses_nothing_accepted() -> None:
    release = asyncio.Event()
    received: list[int] = []

    async def blocked(event: Ping) -> None:
        await release.wait()
        received.append(event.n)

    accepted: list[int] = []

    async def publish_many() -> None:
        for n in range(100):
            await bus.publish(Ping(n=n))
            accepted.append(n)

    async with new_bus(log_dir=None, max_queue_size=5, overflow="raise") as bus:
        bus.register_event_handler(Ping, blocked)
        with pytest.raises(BusFullError, match="overflow policy is 'raise'"):
            await publish_many()
        release.set()
        await bus.wait_for_events(timeout=5)
    assert accepted == [0, 1, 2, 3, 4]
    assert received == accepted


async def test_publisher_waiting_for_room_is_released_when_the_bus_stops() -> None:
    release = asyncio.Event()

    async def blocked(event: Ping) -> None:
        await release.wait()

    bus = new_bus(log_dir=None, max_queue_size=2)
    await bus.start()
    bus.register_event_handler(Ping, blocked)
    await bus.publish(Ping(n=0))
    await bus.publish(Ping(n=1))
    waiting = asyncio.create_task(bus.publish(Ping(n=2)))
    await asyncio.sleep(0)
    assert not waiting.done()  # backpressure: it waits for room
    stopping = asyncio.create_task(bus.stop(timeout=5))
    release.set()
    with pytest.raises(BusClosedError):
        await asyncio.wait_for(waiting, 5)
    report = await stopping
    assert report.undelivered == 0


async def test_recent_failures_is_a_ring_buffer(sink: MemorySink) -> None:
    def boom(event: Ping) -> None:
        raise ValueError(event.n)

    async with new_bus(log_dir=None, sinks=[sink]) as bus:
        bus.register_event_handler(Ping, boom)
        for n in range(250):
            await bus.publish(Ping(n=n))
        await bus.wait_for_events()
        failures = bus.recent_failures
    assert len(failures) == 100
    assert [f.exception_message for f in failures] == [str(n) for n in range(150, 250)]
    assert len(sink.of_type(HandlerFailedEvent)) == 250


async def test_lanes_of_finished_sessions_are_released(bus: MessageBus) -> None:
    bus.register_event_handler(Ping, lambda e: None)
    for n in range(2_000):
        await bus.publish(Ping(n=n, session_id=f"s{n}"))
    await bus.wait_for_events()
    assert bus.transport.stats().busy_sessions == 0


def test_invalid_bounds_are_rejected() -> None:
    with pytest.raises(ValueError, match="max_queue_size"):
        new_bus(log_dir=None, max_queue_size=0)
    with pytest.raises(ValueError, match="overflow"):
        new_bus(log_dir=None, overflow="drop")  # type: ignore[arg-type]
