"""One deadline for a whole call: waits past it fail, the consumer's own time is never cut."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from llmgine.llm._deadline import Deadline


async def test_a_wait_past_the_deadline_is_a_timeout() -> None:
    never = asyncio.Event()
    with Deadline(0.05) as deadline:
        with pytest.raises(TimeoutError):
            await deadline.wait(never.wait())
    assert deadline.expired


async def test_the_consumer_s_own_time_is_not_cut_but_the_next_wait_fails_at_once() -> None:
    held = asyncio.Event()
    with Deadline(0) as deadline:
        asyncio.get_running_loop().call_later(0, held.set)  # runs after the deadline's timer
        await held.wait()  # the consumer's work, outside any wait: not interrupted
        assert deadline.expired
        with pytest.raises(TimeoutError):
            await deadline.wait(asyncio.sleep(0))  # not even started (and not left unawaited)


async def test_a_cancellation_from_outside_stays_a_cancellation() -> None:
    started, never = asyncio.Event(), asyncio.Event()

    async def slow() -> None:
        started.set()
        await never.wait()

    with Deadline(30) as deadline:
        task = asyncio.create_task(deadline.wait(slow()))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert not deadline.expired


async def test_a_bounded_stream_yields_everything_in_time() -> None:
    async def items() -> AsyncIterator[int]:
        for number in range(3):
            yield number

    with Deadline(30) as deadline:
        assert [n async for n in deadline.bound(items())] == [0, 1, 2]


async def test_leaving_the_block_disarms_the_timer() -> None:
    later = asyncio.Event()
    with Deadline(0.01) as deadline:
        pass
    asyncio.get_running_loop().call_later(0.05, later.set)
    await later.wait()
    assert not deadline.expired
