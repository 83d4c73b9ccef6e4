"""A full stream is backpressure, never a silent loss; each message is recorded once, by
the process that accepted it."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from llmgine.bus import BusFullError, MessageBus
from llmgine.messages import CommandResult
from llmgine.sinks import MemorySink
from llmgine.transports.nats import NatsServer, StreamLimits
from tests.transports.nats._messages import Work, Worked
from tests.transports.nats.conftest import jetstream, transport

LIMITED = StreamLimits(max_msgs=5)  # discard="new": a full stream refuses


async def test_a_full_events_stream_raises_or_waits_by_the_buses_policy(
    nats_server: NatsServer, namespace: str
) -> None:
    seen: list[int] = []
    arrived = asyncio.Event()

    def on_worked(event: Worked) -> None:
        seen.append(event.n)
        arrived.set()

    carrier = transport(nats_server.url, namespace, events=LIMITED)
    raising = MessageBus(transport=carrier, overflow="raise")
    waiting_carrier = transport(nats_server.url, namespace, events=LIMITED)
    waiting = MessageBus(transport=waiting_carrier)
    async with raising, waiting:
        waiting.register_event_handler(Worked, on_worked)
        for n in range(5):
            await raising.publish(Worked(n=n))
        await raising.wait_for_events(timeout=10)  # all five stored
        await raising.publish(Worked(n=5))  # accepted; the stream refuses to store it
        async with asyncio.timeout(10):
            while carrier.has_room():  # noqa: ASYNC110  # until the refusal comes back
                await asyncio.sleep(0.02)
        with pytest.raises(BusFullError, match="is full") as raised:
            await raising.publish(Worked(n=99))
        assert "once old ones age out or an operator raises its limits" in str(raised.value)

        # The waiting bus learns that the stream is full from its own first refusal: that
        # event is accepted (and sent again until stored), the next one waits for room.
        await waiting.publish(Worked(n=6))
        async with asyncio.timeout(10):
            while waiting_carrier.has_room():  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        blocked = asyncio.create_task(waiting.publish(Worked(n=7)))
        done, _ = await asyncio.wait({blocked}, timeout=1)
        assert not done  # it waits for room, it does not drop the event
        async with jetstream(nats_server.url) as js:  # the operator raises the limit
            stream = carrier.names.event_stream
            info = await js.stream_info(stream)
            await js.update_stream(dataclasses.replace(info.config, max_msgs=1000))
        await asyncio.wait_for(blocked, 10)
        await raising.wait_for_events(timeout=10)
        await waiting.wait_for_events(timeout=10)
        async with asyncio.timeout(10):
            while 7 not in seen:
                arrived.clear()
                await arrived.wait()
    # Nothing accepted was dropped; each publisher's events in its order (n=99 was
    # refused, not accepted).
    assert sorted(seen) == list(range(8))
    assert seen[:5] == [0, 1, 2, 3, 4]
    assert seen.index(6) < seen.index(7)


async def test_a_full_commands_stream_fails_the_command_with_a_retryable_result(
    nats_server: NatsServer, namespace: str
) -> None:
    held = asyncio.Event()

    async def hold(command: Work) -> dict[str, int]:
        await held.wait()
        return {"n": command.n}

    carrier = transport(nats_server.url, namespace, commands=StreamLimits(max_msgs=2))
    async with MessageBus(transport=carrier) as bus:
        bus.register_command_handler(Work, hold)
        await carrier.ready()
        first = [asyncio.create_task(bus.execute(Work(n=n, session_id="a"))) for n in (0, 1)]
        async with jetstream(nats_server.url) as js, asyncio.timeout(10):
            while (await js.stream_info(carrier.names.command_stream)).state.messages < 2:  # noqa: ASYNC110
                await asyncio.sleep(0.02)  # until both are stored: the stream is full
        refused = await asyncio.wait_for(bus.execute(Work(n=2, session_id="a")), 10)
        held.set()
        done: list[CommandResult[dict[str, int]]] = await asyncio.gather(*first)
    assert [r.success for r in done] == [True, True]
    assert not refused.success
    assert refused.failure is not None
    assert (refused.failure.kind, refused.failure.retryable) == ("transport_error", True)
    assert "the commands stream refused the command" in (refused.error or "")


async def test_each_message_is_recorded_once_by_the_process_that_accepted_it(
    nats_server: NatsServer, namespace: str
) -> None:
    async def work(command: Work) -> dict[str, int]:
        await worker.publish(Worked(n=command.n, session_id=command.session_id))
        return {"n": command.n}

    front_sink, worker_sink = MemorySink(), MemorySink()
    worker_carrier = transport(nats_server.url, namespace)
    worker = MessageBus(transport=worker_carrier, sinks=[worker_sink])
    front = MessageBus(transport=transport(nats_server.url, namespace), sinks=[front_sink])
    async with worker, front:
        worker.register_command_handler(Work, work)
        front.register_event_handler(Worked, lambda event: None)
        await worker_carrier.ready()
        result = await front.execute(Work(n=1, session_id="s"))
        await worker.wait_for_events(timeout=10)
        await front.wait_for_events(timeout=10)
    assert result.success
    command_id = result.command_id
    # The caller accepted the command: it records the command and its result, once.
    front_types = [type(m).__name__ for m in front_sink.messages]
    assert front_types.count("Work") == 1
    results = [m for m in front_sink.messages if isinstance(m, CommandResult)]
    assert [r.command_id for r in results] == [command_id]
    assert "Worked" not in front_types  # delivered to the front end, recorded by the worker
    # The worker accepted the event its handler published: it records that, once.
    worker_types = [type(m).__name__ for m in worker_sink.messages]
    assert worker_types.count("Worked") == 1
    assert "Work" not in worker_types
    [worked] = worker_sink.of_type(Worked)
    assert worked.parent_id == command_id  # caused by the command, across processes
