"""Backpressure: one flag a bus shares with its sinks, held while any sink is behind."""

from __future__ import annotations

import asyncio

from llmgine.sinks import Backpressure, MemorySink


class Holder:
    """Stands for a sink."""


async def run_ready_tasks() -> None:
    """Let every task that is ready run until it waits again (no time passes)."""
    for _ in range(3):
        await asyncio.sleep(0)


async def test_a_new_pressure_is_free_and_wait_returns_at_once():
    pressure = Backpressure()

    assert pressure.held is False
    await asyncio.wait_for(pressure.wait(), 1)
    assert repr(pressure) == "Backpressure(free)"


async def test_wait_returns_only_once_every_holder_has_released():
    pressure = Backpressure()
    first, second = Holder(), Holder()
    pressure.hold(first)
    pressure.hold(second)
    pressure.hold(first)  # holding twice is holding once
    waiter = asyncio.create_task(pressure.wait())

    pressure.release(first)
    await run_ready_tasks()
    assert pressure.held is True
    assert not waiter.done()
    assert repr(pressure) == "Backpressure(held by [Holder])"

    pressure.release(second)
    await asyncio.wait_for(waiter, 1)
    assert pressure.held is False


async def test_releasing_without_holding_changes_nothing():
    pressure = Backpressure()
    holder = Holder()
    pressure.hold(holder)

    pressure.release(Holder())

    assert pressure.held is True
    pressure.release(holder)
    assert pressure.held is False


async def test_a_waiter_keeps_waiting_when_the_pressure_is_held_again_before_it_runs():
    pressure = Backpressure()
    holder = Holder()
    pressure.hold(holder)
    waiter = asyncio.create_task(pressure.wait())
    await run_ready_tasks()

    pressure.release(holder)
    pressure.hold(holder)  # before the waiter got to run
    await run_ready_tasks()
    assert not waiter.done()

    pressure.release(holder)
    await asyncio.wait_for(waiter, 1)


async def test_a_sink_has_no_problems_and_ignores_backpressure_by_default():
    sink = MemorySink()
    pressure = Backpressure()

    sink.bind_backpressure(pressure)
    async with sink:
        pass

    assert sink.problems() == ()
    assert pressure.held is False
