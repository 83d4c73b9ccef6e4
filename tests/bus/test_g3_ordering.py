"""Guarantee 3, ordering: events of one session reach each handler in publish order;
one slow session does not hold back the others."""

import asyncio
import random

from llmgine.bus import MessageBus
from tests.bus._messages import Ping
from tests.bus._transports import new_bus


async def test_each_handler_sees_its_sessions_events_in_publish_order(bus: MessageBus) -> None:
    rng = random.Random(7)
    seen: dict[str, list[int]] = {}

    async def jittery(event: Ping) -> None:
        for _ in range(rng.randrange(3)):
            await asyncio.sleep(0)  # handlers that await must not reorder the lane
        seen.setdefault(event.session_id, []).append(event.n)

    bus.register_event_handler(Ping, jittery)
    sessions = ["a", "b", "c"]
    expected: dict[str, list[int]] = {s: [] for s in sessions}
    for n in range(600):
        session = rng.choice(sessions)
        expected[session].append(n)
        await bus.publish(Ping(n=n, session_id=session))
    await bus.wait_for_events()
    assert seen == expected


async def test_order_holds_under_backpressure() -> None:
    seen: list[int] = []

    async def slowish(event: Ping) -> None:
        await asyncio.sleep(0)
        seen.append(event.n)

    async with new_bus(log_dir=None, max_queue_size=8) as bus:
        bus.register_event_handler(Ping, slowish)
        for n in range(500):
            await bus.publish(Ping(n=n))
        await bus.wait_for_events()
    assert seen == list(range(500))


async def test_a_slow_session_does_not_delay_another(bus: MessageBus) -> None:
    release = asyncio.Event()
    fast_done = asyncio.Event()
    fast_seen: list[int] = []

    async def slow(event: Ping) -> None:
        await release.wait()

    def fast(event: Ping) -> None:
        fast_seen.append(event.n)
        if len(fast_seen) == 100:
            fast_done.set()

    bus.register_event_handler(Ping, slow, session_id="slow")
    bus.register_event_handler(Ping, fast, session_id="fast")
    for n in range(100):
        await bus.publish(Ping(n=n, session_id="slow"))
        await bus.publish(Ping(n=n, session_id="fast"))
    # The slow session is stuck on its first event; the fast one must finish anyway.
    await asyncio.wait_for(fast_done.wait(), 5)
    assert fast_seen == list(range(100))
    assert bus.stats().queued == 100
    release.set()
    await bus.wait_for_events(timeout=5)
    assert bus.stats().queued == 0


async def test_commands_of_two_sessions_run_concurrently(bus: MessageBus) -> None:
    from tests.bus._messages import Add

    release = asyncio.Event()

    async def blocking(command: Add) -> str:
        await release.wait()
        return "slow"

    bus.register_command_handler(Add, blocking, session_id="slow")
    bus.register_command_handler(Add, lambda c: "fast", session_id="fast")
    slow = asyncio.create_task(bus.execute(Add(a=0, b=0, session_id="slow")))
    fast = await asyncio.wait_for(bus.execute(Add(a=0, b=0, session_id="fast")), 5)
    assert fast.result == "fast"
    assert not slow.done()
    release.set()
    assert (await asyncio.wait_for(slow, 5)).result == "slow"
