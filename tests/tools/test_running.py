"""How tools run: sync tools off the loop, time limits, cancellation, concurrency."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

import pytest

from llmgine.llm import ToolCall
from llmgine.tools import ToolManager, tool_from_function

WAIT = 5.0
"""Upper bound for waits that should end at once: reached only when the code under test is
broken, so that a failure is a failed test, not a hang."""


def call(name: str, call_id: str = "call-1") -> ToolCall:
    return ToolCall(id=call_id, name=name, arguments="{}")


# -- sync tools --------------------------------------------------------------------------


async def test_a_sync_tool_runs_in_another_thread_than_the_loop() -> None:
    def where() -> int:
        return threading.get_ident()

    result = await ToolManager([where]).execute(call("where"))

    assert result.ok
    assert int(result.content) != threading.get_ident()


async def test_a_sync_tool_declared_inline_runs_on_the_loop_thread() -> None:
    manager = ToolManager()

    @manager.register(inline=True)
    def where() -> int:
        return threading.get_ident()

    def fails() -> int:
        raise LookupError("no such station")

    manager.register(fails, inline=True)
    manager.add(tool_from_function(lambda: threading.get_ident(), name="lambda_where"))

    assert [t.inline for t in manager] == [True, True, False]
    assert int((await manager.execute(call("where"))).content) == threading.get_ident()
    assert int((await manager.execute(call("lambda_where"))).content) != threading.get_ident()
    failed = await manager.execute(call("fails"))
    assert (failed.error_kind, failed.content) == (
        "exception",
        "Error: LookupError: no such station",
    )


async def test_an_async_tool_runs_on_the_loop_thread() -> None:
    async def where() -> int:
        return threading.get_ident()

    result = await ToolManager([where]).execute(call("where"))

    assert int(result.content) == threading.get_ident()


async def test_a_blocking_sync_tool_does_not_block_the_loop() -> None:
    entered, release = threading.Event(), threading.Event()

    def block() -> str:
        entered.set()
        return "released" if release.wait(timeout=WAIT) else "never released"

    task = asyncio.create_task(ToolManager([block]).execute(call("block")))
    assert await asyncio.to_thread(entered.wait, WAIT)
    # The tool is now blocked in its thread; the loop must still run callbacks.
    loop_ran = asyncio.Event()
    asyncio.get_running_loop().call_soon(loop_ran.set)
    await asyncio.wait_for(loop_ran.wait(), WAIT)
    release.set()  # set from the loop: only possible if the loop was free

    result = await asyncio.wait_for(task, WAIT)
    assert result.content == "released"


# -- time limits -------------------------------------------------------------------------


async def test_an_async_tool_past_its_timeout_is_stopped() -> None:
    never = asyncio.Event()
    stopped: list[bool] = []

    async def hang() -> None:
        try:
            await never.wait()
        except asyncio.CancelledError:
            stopped.append(True)
            raise

    manager = ToolManager()
    manager.register(hang, timeout=0.05)

    result = await asyncio.wait_for(manager.execute(call("hang")), WAIT)

    assert result.error_kind == "timeout"
    assert result.content.startswith("Error: tool 'hang' was stopped after 0.05 s")
    assert result.duration_ms >= 45  # it waited for its limit, and says how long
    assert stopped == [True], "the tool's coroutine was cancelled"


async def test_a_sync_tool_past_its_timeout_is_reported_while_its_thread_goes_on() -> None:
    release, finished = threading.Event(), threading.Event()

    def hang() -> str:
        release.wait(timeout=WAIT)
        finished.set()
        return "late"

    manager = ToolManager()
    manager.register(hang, timeout=0.05)
    try:
        result = await asyncio.wait_for(manager.execute(call("hang")), WAIT)

        assert result.error_kind == "timeout"
        assert result.content.startswith("Error: tool 'hang' was stopped after 0.05 s")
        assert not finished.is_set(), "the result came before the thread finished"
    finally:
        release.set()
    assert await asyncio.to_thread(finished.wait, WAIT), "the thread ran to its end"


async def test_the_manager_default_timeout_applies_to_tools_without_their_own() -> None:
    async def hang() -> None:
        await asyncio.Event().wait()

    result = await ToolManager([hang], default_timeout=0.05).execute(call("hang"))

    assert result.error_kind == "timeout"
    assert "stopped after 0.05 s" in result.content


async def test_a_tool_timeout_overrides_the_manager_default() -> None:
    async def hang() -> None:
        await asyncio.Event().wait()

    manager = ToolManager(default_timeout=0.05)
    manager.register(hang, timeout=0.08)

    result = await manager.execute(call("hang"))

    assert "stopped after 0.08 s" in result.content


# -- cancellation ------------------------------------------------------------------------


async def test_cancelling_execute_propagates_cancelled_error() -> None:
    started = asyncio.Event()

    async def hang() -> None:
        started.set()
        await asyncio.Event().wait()

    task = asyncio.create_task(ToolManager([hang]).execute(call("hang")))
    await asyncio.wait_for(started.wait(), WAIT)
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task


async def test_cancelling_execute_of_a_sync_tool_propagates_cancelled_error() -> None:
    entered, release = threading.Event(), threading.Event()

    def block() -> None:
        entered.set()
        release.wait(timeout=WAIT)

    task = asyncio.create_task(ToolManager([block]).execute(call("block")))
    try:
        assert await asyncio.to_thread(entered.wait, WAIT)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        release.set()


# -- execute_all -------------------------------------------------------------------------


async def test_execute_all_runs_calls_concurrently() -> None:
    a_started, b_started = asyncio.Event(), asyncio.Event()

    async def a() -> str:
        a_started.set()
        await b_started.wait()  # one after the other, this would never end
        return "a"

    async def b() -> str:
        b_started.set()
        await a_started.wait()
        return "b"

    manager = ToolManager([a, b])

    results = await asyncio.wait_for(manager.execute_all([call("a", "1"), call("b", "2")]), WAIT)

    assert [r.content for r in results] == ["a", "b"]


async def test_execute_all_runs_sync_tools_concurrently_too() -> None:
    a_started, b_started = threading.Event(), threading.Event()

    def a() -> bool:
        a_started.set()
        return b_started.wait(timeout=WAIT)

    def b() -> bool:
        b_started.set()
        return a_started.wait(timeout=WAIT)

    results = await ToolManager([a, b]).execute_all([call("a", "1"), call("b", "2")])

    assert [r.content for r in results] == ["true", "true"]


async def test_execute_all_keeps_the_order_of_the_calls_not_of_completion() -> None:
    fast_done = asyncio.Event()
    finished: list[str] = []

    async def slow() -> str:
        await fast_done.wait()
        finished.append("slow")
        return "slow"

    async def fast() -> str:
        finished.append("fast")
        fast_done.set()
        return "fast"

    calls = [call("slow", "1"), call("fast", "2"), call("missing", "3")]

    results = await asyncio.wait_for(ToolManager([slow, fast]).execute_all(calls), WAIT)

    assert finished == ["fast", "slow"]
    assert [r.call_id for r in results] == ["1", "2", "3"]
    assert [r.content for r in results[:2]] == ["slow", "fast"]
    assert results[2].error_kind == "unknown_tool"


async def test_execute_all_of_nothing_is_empty() -> None:
    assert await ToolManager().execute_all([]) == []


async def test_cancelling_execute_all_cancels_and_awaits_every_call() -> None:
    started: list[str] = []
    cancelled: list[str] = []
    both_started = asyncio.Event()

    def make(name: str) -> Callable[[], Awaitable[None]]:
        async def hang() -> None:
            started.append(name)
            if len(started) == 2:
                both_started.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.append(name)
                raise

        return hang

    manager = ToolManager()
    manager.register(make("a"), name="a")
    manager.register(make("b"), name="b")
    task = asyncio.create_task(manager.execute_all([call("a", "1"), call("b", "2")]))
    await asyncio.wait_for(both_started.wait(), WAIT)
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(cancelled) == ["a", "b"]
