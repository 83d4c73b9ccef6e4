"""InMemoryTransport: what crosses it, and what a test can do to it."""

from __future__ import annotations

import asyncio

import pytest

from llmgine.bus import MessageBus, TransportError
from llmgine.messages import Command, Event, decode
from llmgine.sinks import MemorySink
from llmgine.testing import InMemoryTransport


class TransportProbed(Event):
    n: int = 0


class TransportProbedLater(TransportProbed):
    pass


class TransportDouble(Command[tuple[int, int]]):
    n: int


async def test_messages_cross_as_codec_bytes_and_results_come_back_typed() -> None:
    transport = InMemoryTransport()
    async with MessageBus(log_dir=None, transport=transport) as bus:
        bus.register_command_handler(TransportDouble, lambda c: [c.n, 2 * c.n])
        result = await bus.execute(TransportDouble(n=21, session_id="s1"))
    assert result.result == (21, 42)  # read back through the declared tuple type
    command, reply = [c for c in transport.sent if c.kind in ("command", "result")]
    assert (command.session_id, command.wire_name) == ("s1", "TransportDouble")
    assert decode(command.data) == TransportDouble(
        n=21,
        session_id="s1",
        command_id=result.command_id,
        timestamp=decode(command.data).timestamp,
    )
    assert decode(reply.data) == result


async def test_events_are_routed_by_the_exact_names_subscribed() -> None:
    transport = InMemoryTransport()
    seen: list[str] = []
    async with MessageBus(log_dir=None, transport=transport) as bus:
        bus.register_event_handler(TransportProbed, lambda e: seen.append(type(e).__name__))
        assert transport.subscriptions() >= {"TransportProbed", "TransportProbedLater"}

        class TransportProbedLatest(TransportProbed):  # defined after the subscription
            pass

        assert "TransportProbedLatest" in transport.subscriptions()
        await bus.publish(TransportProbedLatest())
        await bus.publish(TransportProbedLater())
        await bus.wait_for_events(timeout=5)
    assert seen == ["TransportProbedLatest", "TransportProbedLater"]


async def test_pause_holds_every_delivery_until_resume() -> None:
    transport = InMemoryTransport()
    seen: list[int] = []
    async with MessageBus(log_dir=None, transport=transport) as bus:
        bus.register_event_handler(TransportProbed, lambda e: seen.append(e.n))
        bus.register_command_handler(TransportDouble, lambda c: (c.n, c.n))
        transport.pause()
        for n in range(3):
            await bus.publish(TransportProbed(n=n))
        call = asyncio.create_task(bus.execute(TransportDouble(n=1)))
        with pytest.raises(TimeoutError):
            await bus.wait_for_events(timeout=0.05)
        assert seen == []
        assert not call.done()
        transport.resume()
        await bus.wait_for_events(timeout=5)
        assert (await asyncio.wait_for(call, 5)).result == (1, 1)
    assert seen == [0, 1, 2]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_shuffled_sessions_interleave_but_each_keeps_its_order(seed: int) -> None:
    transport = InMemoryTransport()
    transport.shuffle(seed)
    seen: list[tuple[str, int]] = []
    async with MessageBus(log_dir=None, transport=transport) as bus:
        bus.register_event_handler(TransportProbed, lambda e: seen.append((e.session_id, e.n)))
        for n in range(20):
            for session in ("a", "b", "c"):
                await bus.publish(TransportProbed(n=n, session_id=session))
        await bus.wait_for_events(timeout=5)
    for session in ("a", "b", "c"):
        assert [n for s, n in seen if s == session] == list(range(20))
    assert len(seen) == 60


async def test_shuffling_changes_the_interleaving() -> None:
    orders = set()
    for seed in range(5):
        transport = InMemoryTransport()
        transport.shuffle(seed)
        seen: list[str] = []
        async with MessageBus(log_dir=None, transport=transport) as bus:
            bus.register_event_handler(
                TransportProbed, lambda e, seen=seen: seen.append(e.session_id)
            )
            for n in range(10):
                for session in ("a", "b", "c"):
                    await bus.publish(TransportProbed(n=n, session_id=session))
            await bus.wait_for_events(timeout=5)
        orders.add(tuple(seen))
    assert len(orders) > 1


async def test_a_refused_publish_raises_and_records_nothing() -> None:
    transport, sink = InMemoryTransport(), MemorySink()
    async with MessageBus(log_dir=None, transport=transport, sinks=[sink]) as bus:
        transport.fail_next("publish")
        with pytest.raises(TransportError, match="refused"):
            await bus.publish(TransportProbed(n=1))
        await bus.publish(TransportProbed(n=2))  # the fault was for one publish
    assert [e.n for e in sink.of_type(TransportProbed)] == [2]


async def test_a_lost_command_is_a_failed_result_not_an_exception() -> None:
    transport = InMemoryTransport()
    async with MessageBus(log_dir=None, transport=transport) as bus:
        bus.register_command_handler(TransportDouble, lambda c: (c.n, c.n))
        transport.fail_next("request")
        lost = await bus.execute(TransportDouble(n=1))
        kept = await bus.execute(TransportDouble(n=2))
    assert not lost.success
    assert lost.failure is not None
    assert (lost.failure.kind, lost.failure.retryable) == ("transport_error", True)
    assert kept.result == (2, 2)


async def test_a_lost_delivery_is_counted_in_the_stats() -> None:
    transport = InMemoryTransport()
    seen: list[int] = []
    async with MessageBus(log_dir=None, transport=transport) as bus:
        bus.register_event_handler(TransportProbed, lambda e: seen.append(e.n))
        transport.fail_next("deliver")
        for n in range(3):
            await bus.publish(TransportProbed(n=n))
        await bus.wait_for_events(timeout=5)
        stats = transport.stats()
    assert seen == [1, 2]
    assert (stats.lost, stats.delivered) == (1, 2)


async def test_one_transport_serves_one_bus() -> None:
    transport = InMemoryTransport()
    MessageBus(log_dir=None, transport=transport)
    with pytest.raises(Exception, match="already serves a bus"):
        MessageBus(log_dir=None, transport=transport)
