"""Servers that die: killed and restarted, or a cluster losing its stream leader twice.

Nothing acknowledged is lost, nothing is duplicated, each session's order holds, and the
buses connected to the servers carry on by themselves once a server is back.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from nats.js import JetStreamContext

from llmgine.bus import MessageBus
from llmgine.transports.nats import NatsCluster, NatsServer, NatsTransport
from tests.transports.nats._messages import Work, Worked
from tests.transports.nats.conftest import jetstream, transport


class Seen:
    """What a handler received, with a way to wait until it has enough."""

    def __init__(self) -> None:
        self.numbers: list[int] = []
        self._more = asyncio.Event()

    def __call__(self, event: Worked) -> None:
        self.numbers.append(event.n)
        self._more.set()

    async def reach(self, count: int, timeout: float = 20) -> None:
        async with asyncio.timeout(timeout):
            while len(self.numbers) < count:
                self._more.clear()
                await self._more.wait()


async def stored_numbers(js: JetStreamContext, stream: str) -> list[int]:
    """The ``n`` of every ``Worked`` the stream holds, in stream order."""
    from llmgine.messages import decode

    info = await js.stream_info(stream)
    numbers = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        message = decode((await js.get_msg(stream, seq)).data or b"")
        if isinstance(message, Worked):
            numbers.append(message.n)
    return numbers


async def test_5_kill_and_restart_the_server_every_acknowledged_message_is_there_and_all_resume(
    own_server: NatsServer, namespace: str
) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def work(command: Work) -> dict[str, int]:
        if command.n == 99:
            started.set()
            await release.wait()  # running when the server dies
        return {"n": command.n}

    seen = Seen()
    # A server killed at once may come back without the last acknowledgements it got: the
    # consumer then delivers that command again, after the ack wait, and the worker finds
    # its result stored. A short ack wait keeps that wait short here.
    carriers = [transport(own_server.url, namespace, ack_wait=2.0) for _ in range(3)]
    worker, subscriber, front = (MessageBus(transport=carrier) for carrier in carriers)
    async with worker, subscriber, front:
        worker.register_command_handler(Work, work)
        subscriber.register_event_handler(Worked, seen)
        await carriers[0].ready()
        for n in range(200):
            await front.publish(Worked(n=n))
        await front.wait_for_events(timeout=20)  # all 200 acknowledged by the stream
        results = [await front.execute(Work(n=n)) for n in range(20)]
        await seen.reach(200)
        held = asyncio.create_task(front.execute(Work(n=99)))
        await asyncio.wait_for(started.wait(), 10)

        own_server.kill()
        await asyncio.to_thread(own_server.start)  # same port, same folder
        release.set()

        assert (await asyncio.wait_for(held, 30)).result == {"n": 99}
        for n in range(200, 250):
            await front.publish(Worked(n=n))
        await front.wait_for_events(timeout=30)
        later = [await asyncio.wait_for(front.execute(Work(n=n)), 30) for n in range(20, 30)]
        await seen.reach(250)
        names = carriers[2].names
        async with jetstream(own_server.url) as js:
            kept = await stored_numbers(js, names.event_stream)
            commands = await js.stream_info(names.command_stream)
    assert [r.result for r in results] == [{"n": n} for n in range(20)]
    assert [r.result for r in later] == [{"n": n} for n in range(20, 30)]
    assert kept == list(range(250))  # every acknowledged event, once, in order
    assert commands.state.messages == 31
    assert seen.numbers == list(range(250))  # the subscriber resumed where it was


async def stream_leader(js: JetStreamContext, stream: str) -> str | None:
    with contextlib.suppress(Exception):
        info = await js.stream_info(stream)
        return info.cluster.leader if info.cluster else None
    return None


async def new_leader(js: JetStreamContext, stream: str, *, not_: set[str]) -> str:
    """Wait until the stream has a leader other than those in ``not_``."""
    async with asyncio.timeout(30):
        # The cluster announces elections only to whoever is connected to the right node
        # at that moment, so ask it again and again instead (each ask is a round trip).
        while (leader := await stream_leader(js, stream)) is None or leader in not_:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    return leader


@contextlib.asynccontextmanager
async def publishing(bus: MessageBus) -> AsyncIterator[list[int]]:
    """Publish ``Worked`` events in three sessions without pause until the block ends;
    yields the numbers published so far."""
    published: list[int] = []
    stop = asyncio.Event()

    async def run() -> None:
        n = 0
        while not stop.is_set():
            await bus.publish(Worked(n=n, session_id=f"s{n % 3}"))
            published.append(n)
            n += 1
            if n % 20 == 0:
                await asyncio.sleep(0)

    task = asyncio.create_task(run())
    try:
        yield published
    finally:
        stop.set()
        await task


@pytest.mark.timeout(120)
async def test_6_a_cluster_loses_its_stream_leader_twice_while_events_are_published(
    cluster: NatsCluster, namespace: str
) -> None:
    options = {"replicas": 3, "send_timeout": 1.0, "max_queue_size": 100}
    sending: NatsTransport = transport(cluster.urls, namespace, **options)
    receiving: NatsTransport = transport(cluster.urls, namespace, **options)
    seen = Seen()
    async with MessageBus(transport=sending) as front, MessageBus(transport=receiving) as back:
        back.register_event_handler(Worked, seen)
        stream = sending.names.event_stream
        async with jetstream(cluster.urls) as js, publishing(front) as published:
            first = await new_leader(js, stream, not_=set())
            await seen.reach(len(seen.numbers) + 100, timeout=30)
            cluster.server(first).pause()  # the leader stops answering, mid-stream
            second = await new_leader(js, stream, not_={first})
            await seen.reach(len(seen.numbers) + 100, timeout=30)
            cluster.server(first).resume()
            cluster.server(second).kill()  # and now the new leader dies
            third = await new_leader(js, stream, not_={second})
            await seen.reach(len(seen.numbers) + 100, timeout=30)
            await asyncio.to_thread(cluster.server(second).start)
        await front.wait_for_events(timeout=60)
        await seen.reach(len(published), timeout=60)
        async with jetstream(cluster.urls) as js:
            kept = await stored_numbers(js, stream)
    assert third not in (None, second)
    assert sorted(kept) == published  # every event published, stored once
    for session in range(3):  # and in each session's order, in the stream and as received
        mine = [n for n in published if n % 3 == session]
        assert [n for n in kept if n % 3 == session] == mine
        assert [n for n in seen.numbers if n % 3 == session] == mine
    assert len(seen.numbers) == len(published)
