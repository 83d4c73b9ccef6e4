"""A durable subscription: a process that must not miss events across restarts, clean
or kill -9, gets every event published while it was away, in order."""

from __future__ import annotations

import asyncio

from llmgine.bus import MessageBus
from llmgine.transports.nats import NatsServer
from tests.transports.nats._messages import Worked
from tests.transports.nats.conftest import Workers, jetstream, transport


class Heard:
    def __init__(self) -> None:
        self.numbers: list[int] = []
        self._more = asyncio.Event()

    def __call__(self, event: Worked) -> None:
        self.numbers.append(event.n)
        self._more.set()

    async def reach(self, count: int, timeout: float = 10) -> None:
        async with asyncio.timeout(timeout):
            while len(self.numbers) < count:
                self._more.clear()
                await self._more.wait()


async def test_a_durable_subscription_gets_what_was_published_while_it_was_stopped(
    nats_server: NatsServer, namespace: str
) -> None:
    url = nats_server.url
    first, second, passing = Heard(), Heard(), Heard()
    async with MessageBus(transport=transport(url, namespace)) as front:
        audit = MessageBus(transport=transport(url, namespace, durable="audit"))
        audit.register_event_handler(Worked, first)  # before it starts reading
        async with audit:
            for n in range(10):
                await front.publish(Worked(n=n, session_id=f"s{n % 2}"))
            await first.reach(10)
        for n in range(10, 30):  # while the audit process is away
            await front.publish(Worked(n=n, session_id=f"s{n % 2}"))
        await front.wait_for_events(timeout=10)
        again = MessageBus(transport=transport(url, namespace, durable="audit"))
        ephemeral = MessageBus(transport=transport(url, namespace))
        again.register_event_handler(Worked, second)
        ephemeral.register_event_handler(Worked, passing)
        async with again, ephemeral:
            await second.reach(20)
            await front.publish(Worked(n=30))
            await second.reach(21)
            await passing.reach(1)
    assert sorted(first.numbers) == list(range(10))
    assert sorted(second.numbers) == list(range(10, 31))  # each once, none from before
    for session in ("s0", "s1"):  # per session in order
        mine = [n for n in range(10, 30) if f"s{n % 2}" == session]
        assert [n for n in second.numbers if n in mine] == mine
    assert passing.numbers == [30]  # an ephemeral one sees only what comes after it


async def test_a_durable_subscriber_killed_mid_stream_resumes_at_the_first_unfinished_event(
    nats_server: NatsServer, namespace: str, workers: Workers
) -> None:
    url = nats_server.url
    options = {"durable": "audit", "stall_at": 5}
    listener = await workers.start(url, namespace, "listen", **options)
    carrier = transport(url, namespace)
    async with MessageBus(transport=carrier) as front:
        for n in range(20):
            await front.publish(Worked(n=n, session_id="s"))
        await listener.expect("stalled")
        async with jetstream(url) as js, asyncio.timeout(10):
            # Until the events it handled are acknowledged (the fifth, n=4, is sequence 5).
            stream = carrier.names.event_stream
            while (await js.consumer_info(stream, "audit")).ack_floor.stream_seq < 5:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        listener.kill()
        await listener.wait()
        for n in range(20, 25):
            await front.publish(Worked(n=n, session_id="s"))
        await front.wait_for_events(timeout=10)
        again = await workers.start(url, namespace, "listen", durable="audit")
        await again.expect("got", count=20)
    before = [int(line.split()[1]) for line in listener.lines if line.startswith("got")]
    after = [int(line.split()[1]) for line in again.lines if line.startswith("got")]
    assert before == [0, 1, 2, 3, 4]
    assert after == list(range(5, 25))  # from the one it died in, in order, each once
