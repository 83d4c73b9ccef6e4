"""A subscriber that stalls for 30 s holds up nobody, and loses nothing without saying so.

Three subscribers stall at once, for ``STALL`` seconds each: a handler in this process
that waits (its bus stops asking for events once its bound is full, so the backlog stays
in the stream), a whole worker process stopped with SIGSTOP (it answers no heartbeat),
and a handler whose backlog the stream drops meanwhile (a stream that keeps only the last
100 events). Meanwhile commands run and another subscriber receives every event at once.
Afterwards the first two catch up on every event, in order; the third receives what the
stream still holds and is told how many it missed.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable

import pytest

from llmgine.bus import MessageBus
from llmgine.transports.nats import EventsMissedEvent, NatsServer, StreamLimits
from tests.transports.nats._messages import Work, Worked
from tests.transports.nats.conftest import Workers, fresh_namespace, transport

STALL = 30.0
EVENTS = 500


class Stalling:
    """A handler that, at its first event, waits until released."""

    def __init__(self) -> None:
        self.numbers: list[int] = []
        self.stalled = asyncio.Event()
        self.release = asyncio.Event()
        self._more = asyncio.Event()

    async def __call__(self, event: Worked) -> None:
        if not self.stalled.is_set():
            self.stalled.set()
            await self.release.wait()
        self.numbers.append(event.n)
        self._more.set()

    async def reach(self, count: int, timeout: float) -> None:
        await self.until(lambda: len(self.numbers) >= count, timeout)

    async def until(self, done: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not done():
                self._more.clear()
                await self._more.wait()


@pytest.mark.timeout(STALL + 60)
async def test_9_subscribers_stalled_for_30_s_hold_up_nobody_and_catch_up_or_report_a_gap(
    nats_server: NatsServer, namespace: str, workers: Workers
) -> None:
    url = nats_server.url
    listener = await workers.start(url, namespace, "listen")
    small = fresh_namespace()  # its events stream keeps the last 100 events only
    dropping = {"events": StreamLimits(max_msgs=100, discard="old")}

    def work(command: Work) -> dict[str, int]:
        return {"n": command.n}

    slow, lossy, prompt = Stalling(), Stalling(), Stalling()
    prompt.stalled.set()  # never stalls
    missed: list[EventsMissedEvent] = []
    told = asyncio.Event()

    def on_missed(event: EventsMissedEvent) -> None:
        missed.append(event)
        told.set()

    buses = {
        "front": MessageBus(transport=transport(url, namespace)),
        "worker": MessageBus(transport=transport(url, namespace)),
        "slow": MessageBus(transport=transport(url, namespace, max_queue_size=20)),
        "prompt": MessageBus(transport=transport(url, namespace)),
        "small_front": MessageBus(transport=transport(url, small, **dropping)),
        "lossy": MessageBus(transport=transport(url, small, max_queue_size=20, **dropping)),
    }
    for bus in buses.values():
        await bus.start()
    try:
        buses["worker"].register_command_handler(Work, work)
        buses["slow"].register_event_handler(Worked, slow)
        buses["prompt"].register_event_handler(Worked, prompt)
        buses["lossy"].register_event_handler(Worked, lossy)
        buses["lossy"].register_event_handler(EventsMissedEvent, on_missed)

        listener.process.send_signal(signal.SIGSTOP)  # the whole process stalls
        stalled_at = time.monotonic()
        for n in range(EVENTS):
            await buses["front"].publish(Worked(n=n, session_id="s"))
            await buses["small_front"].publish(Worked(n=n, session_id="s"))
        await asyncio.wait_for(slow.stalled.wait(), 10)
        await asyncio.wait_for(lossy.stalled.wait(), 10)

        # Nobody else waits for the stalled ones: every event reaches the prompt
        # subscriber, and commands run, well within the stall.
        await prompt.reach(EVENTS, timeout=STALL / 2)
        started = time.monotonic()
        results = [await buses["front"].execute(Work(n=n), timeout=5) for n in range(20)]
        commands_took = time.monotonic() - started
        assert time.monotonic() - stalled_at < STALL
        assert slow.numbers == lossy.numbers == []

        await asyncio.sleep(STALL - (time.monotonic() - stalled_at))  # the stall itself
        listener.process.send_signal(signal.SIGCONT)
        slow.release.set()
        lossy.release.set()

        await slow.reach(EVENTS, timeout=30)
        await listener.expect("got", count=EVENTS, timeout=30)
        await lossy.until(lambda: lossy.numbers[-1:] == [EVENTS - 1], timeout=30)
        await asyncio.wait_for(told.wait(), 10)  # published through the stream, then here
    finally:
        for bus in buses.values():
            await bus.stop()
    assert all(r.success for r in results), [r.error for r in results]
    assert commands_took < 10, f"20 commands took {commands_took:.1f} s"
    assert prompt.numbers == list(range(EVENTS))
    assert slow.numbers == list(range(EVENTS))  # caught up, in order
    heard = [int(line.split()[1]) for line in listener.lines if line.startswith("got")]
    assert heard == list(range(EVENTS))  # the stopped process too
    # The lossy one: the events it had taken before the stall, then the last 100 the stream
    # kept; the ones between are reported missed, with their count.
    [gap] = missed
    first_after = lossy.numbers[-100]
    assert lossy.numbers[-100:] == list(range(EVENTS - 100, EVENTS))
    assert gap.count == first_after - (lossy.numbers[-101] + 1)
    assert len(lossy.numbers) + gap.count == EVENTS
