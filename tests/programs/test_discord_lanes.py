"""Lanes: one at a time per key, first come first served, keys independent, nothing kept.

A task sets its ``arrived`` event just before ``hold``; it then runs on into the lock's
queue without pausing, so once the test sees the event, the task is waiting in the lane.
"""

from __future__ import annotations

import asyncio

import pytest

from programs.discord.lanes import Lanes


async def test_one_key_runs_in_order_of_arrival() -> None:
    lanes = Lanes()
    order: list[int] = []
    arrived = [asyncio.Event() for _ in range(4)]
    release = asyncio.Event()

    async def work(n: int) -> None:
        arrived[n].set()
        async with lanes.hold("a"):
            order.append(n)
            if n == 0:
                await release.wait()

    tasks = [asyncio.create_task(work(n)) for n in range(4)]
    await asyncio.wait_for(asyncio.gather(*(event.wait() for event in arrived)), 5)
    assert order == [0]  # the others wait behind the first
    assert len(lanes) == 1
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert order == [0, 1, 2, 3]
    assert len(lanes) == 0


async def test_different_keys_do_not_wait_for_each_other() -> None:
    lanes = Lanes()
    inside = {"a": asyncio.Event(), "b": asyncio.Event()}

    async def work(key: str, other: str) -> None:
        async with lanes.hold(key):
            inside[key].set()
            await inside[other].wait()  # both must be inside at once

    await asyncio.wait_for(asyncio.gather(work("a", "b"), work("b", "a")), 5)
    assert len(lanes) == 0


async def test_a_cancelled_waiter_leaves_nothing_behind() -> None:
    lanes = Lanes()
    held, arrived, release = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with lanes.hold("a"):
            held.set()
            await release.wait()

    async def waiter() -> None:
        arrived.set()
        async with lanes.hold("a"):
            pytest.fail("a cancelled waiter must never get the lane")

    first = asyncio.create_task(holder())
    await held.wait()
    second = asyncio.create_task(waiter())
    await arrived.wait()
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    assert len(lanes) == 1  # the holder's
    release.set()
    await first
    assert len(lanes) == 0
