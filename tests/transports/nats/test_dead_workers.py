"""Workers that die: their commands are finished elsewhere, in order, and never loop.

Each test runs worker processes against the session's server, kills them with SIGKILL
while they hold commands, and checks what the callers (buses in this process) get back.
``ack_wait`` is 1 s here, so the server hands a dead worker's commands on after 1 s.
"""

from __future__ import annotations

import asyncio
import time

from llmgine.bus import MessageBus
from llmgine.messages import CommandResult, Event
from llmgine.sinks import MemorySink
from llmgine.transports.nats import CommandDeliveriesExhaustedEvent, NatsServer
from llmgine.transports.nats._names import partition_of
from tests.transports.nats._messages import Work
from tests.transports.nats.conftest import Workers, jetstream, transport

ACK_WAIT = 1.0


def sessions_in_distinct_partitions(count: int, partitions: int = 16) -> list[str]:
    """``count`` session ids whose commands go to ``count`` different partitions."""
    chosen: dict[int, str] = {}
    n = 0
    while len(chosen) < count:
        session = f"user-{n}"
        chosen.setdefault(partition_of(session, partitions), session)
        n += 1
    return list(chosen.values())


async def test_7_a_worker_holding_ten_commands_is_killed_and_another_finishes_all_ten(
    nats_server: NatsServer, namespace: str, workers: Workers
) -> None:
    holder = await workers.start(nats_server.url, namespace, "hold", ack_wait=ACK_WAIT)
    async with MessageBus(transport=transport(nats_server.url, namespace)) as front:
        sessions = sessions_in_distinct_partitions(10)
        calls = [
            asyncio.create_task(front.execute(Work(n=n, session_id=s), timeout=30))
            for n, s in enumerate(sessions)
        ]
        await holder.expect("started", count=10)  # it holds all ten, one per partition
        rescuer = await workers.start(nats_server.url, namespace, "quick", ack_wait=ACK_WAIT)
        killed_at = time.monotonic()
        holder.kill()
        results: list[CommandResult[dict[str, int]]] = await asyncio.gather(*calls)
        took = time.monotonic() - killed_at
    assert [r.success for r in results] == [True] * 10, [r.error for r in results]
    assert {r.result["pid"] for r in results if r.result} == {rescuer.pid}
    assert sorted(r.result["n"] for r in results if r.result) == list(range(10))
    assert len(await rescuer.expect("started", count=10)) == 10  # each ran once there
    assert took < ACK_WAIT + 5, f"the ten took {took:.1f} s after the kill"


async def test_4_a_sessions_order_holds_when_its_first_command_is_delivered_again(
    nats_server: NatsServer, namespace: str, workers: Workers
) -> None:
    holder = await workers.start(nats_server.url, namespace, "hold", ack_wait=ACK_WAIT)
    async with MessageBus(transport=transport(nats_server.url, namespace)) as front:
        first = asyncio.create_task(front.execute(Work(n=0, session_id="s"), timeout=30))
        await holder.expect("started 0")
        later = [
            asyncio.create_task(front.execute(Work(n=n, session_id="s"), timeout=30))
            for n in (1, 2, 3)
        ]
        rescuer = await workers.start(nats_server.url, namespace, "quick", ack_wait=ACK_WAIT)
        holder.kill()
        results = await asyncio.gather(first, *later)
    assert all(r.success for r in results), [r.error for r in results]
    # The held command comes back first; the three behind it follow, in order.
    by_order = sorted((r.result["order"], r.result["n"]) for r in results if r.result)
    assert [n for _, n in by_order] == [0, 1, 2, 3]
    assert [line.split()[1] for line in rescuer.lines if line.startswith("started")] == [
        "0", "1", "2", "3"
    ]  # fmt: skip


async def test_8_a_command_that_kills_every_worker_gets_one_failed_result_and_one_event(
    nats_server: NatsServer, namespace: str, workers: Workers
) -> None:
    crashing = await asyncio.gather(
        *(
            workers.start(nats_server.url, namespace, "crash", ack_wait=ACK_WAIT, max_deliver=3)
            for _ in range(3)
        )
    )
    sink = MemorySink()
    caller = transport(nats_server.url, namespace, ack_wait=ACK_WAIT, max_deliver=3)
    seen: list[Event] = []
    async with MessageBus(transport=caller, sinks=[sink]) as front:
        front.register_event_handler(CommandDeliveriesExhaustedEvent, seen.append)
        command = Work(n=7, session_id="poison")
        result = await asyncio.wait_for(front.execute(command), 30)
        await front.wait_for_events(timeout=10)
        names = caller.names
        async with jetstream(nats_server.url) as js:
            info = await js.consumer_info(
                names.command_stream, names.consumer("Work", names.part("poison"))
            )
    assert not result.success
    assert result.command_id == command.command_id
    assert result.failure is not None
    assert result.failure.kind == "handler_error"
    assert "delivered 3 times" in (result.error or "")
    for worker in crashing:  # each delivery killed the worker that took it
        assert await worker.wait() != 0
    started = sum(len([ln for ln in w.lines if ln.startswith("started")]) for w in crashing)
    assert started == 3
    # One event, recorded once, by the one process that settled the command.
    [event] = sink.of_type(CommandDeliveriesExhaustedEvent)
    assert (event.command_id, event.deliveries) == (command.command_id, 3)
    assert event.session_id == "poison"
    assert seen == [event]
    # Nothing is left to deliver: no loop.
    assert (info.num_pending, info.num_ack_pending) == (0, 0)
