"""Faults the bus must survive: exceptions that are not ``Exception``, a stop cut short,
a sink that stalls or loses lines, a sink that falls behind. Each ran into a hole on the
bus before the transport seam; the tests name what used to happen."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from llmgine.bus import MessageBus
from llmgine.logs import read_log
from llmgine.messages import (
    BusStoppedEvent,
    Event,
    HandlerFailedEvent,
)
from llmgine.sinks import Backpressure, JsonlSink, MemorySink, Sink
from tests.bus._fault_child import FaultChildPinged
from tests.bus._messages import Add, Ping
from tests.bus._transports import TransportKind, new_bus
from tests.sinks._stall import SilentFifo, ticking

ROOT = Path(__file__).resolve().parents[2]


def run_child(
    scenario: str, transport: str, log_dir: Path
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "tests.bus._fault_child", scenario, transport, str(log_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=25,
        check=False,
    )
    return done, time.monotonic() - started


# -- exceptions that escape an event handler -------------------------------------------


async def test_a_cancelled_error_escaping_an_event_handler_keeps_its_session_going(
    bus: MessageBus, sink: MemorySink
) -> None:
    # Used to: kill the session's lane, so later events waited for a publish to restart it,
    # which then delivered the failed event again; no failure was recorded.
    victim = asyncio.get_running_loop().create_future()
    victim.cancel()  # cancelled by someone else
    calls: list[int] = []

    async def handler(event: Ping) -> None:
        calls.append(event.n)
        if event.n == 1:
            await victim  # raises CancelledError, though nobody cancelled this handler

    bus.register_event_handler(Ping, handler)
    for n in range(4):
        await bus.publish(Ping(n=n, session_id="s1"))
    await bus.wait_for_events(timeout=5)
    assert calls == [0, 1, 2, 3]  # every event once, the failed one too, in order
    [failure] = sink.of_type(HandlerFailedEvent)
    assert failure.exception_type == "CancelledError"
    assert failure.handler.endswith("handler")
    report = await asyncio.wait_for(bus.stop(), 5)
    assert report.clean


async def test_a_command_handler_meeting_someone_elses_cancellation_fails_its_command(
    bus: MessageBus, sink: MemorySink
) -> None:
    # Used to: raise CancelledError out of execute(), as if the caller had been cancelled.
    victim = asyncio.get_running_loop().create_future()
    victim.cancel()

    async def handler(command: Add) -> int:
        await victim
        return 0

    bus.register_command_handler(Add, handler)
    result = await bus.execute(Add(a=1, b=2))
    assert not result.success
    assert result.failure is not None
    assert (result.failure.kind, result.failure.exception_type) == ("cancelled", "CancelledError")
    assert [f.exception_type for f in sink.of_type(HandlerFailedEvent)] == ["CancelledError"]


async def test_a_cancelled_caller_still_cancels_its_command(bus: MessageBus) -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def handler(command: Add) -> int:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return 0

    bus.register_command_handler(Add, handler)
    call = asyncio.create_task(bus.execute(Add(a=1, b=2)))
    await asyncio.wait_for(started.wait(), 5)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    await asyncio.wait_for(cancelled.wait(), 5)
    assert bus.recent_failures == []  # the caller's own cancellation is no handler failure


@pytest.mark.parametrize(("scenario", "status"), [("keyboard-interrupt", None), ("system-exit", 3)])
def test_keyboard_interrupt_or_system_exit_in_a_handler_ends_the_program_after_a_clean_stop(
    tmp_path: Path, transport_kind: TransportKind, scenario: str, status: int | None
) -> None:
    # Used to: kill the lane and leave stop() waiting out its whole timeout (30 s here).
    done, took = run_child(scenario, transport_kind, tmp_path)
    if status is None:
        assert done.returncode != 0
        assert "KeyboardInterrupt" in done.stderr
    else:
        assert done.returncode == status, done.stderr
    assert took < 15, f"the program took {took:.1f} s to end"
    assert done.stderr.count("delivered 1") == 1  # the event that raised, never again
    [log] = tmp_path.glob("*.jsonl")
    messages = list(read_log(log))
    escaped = "KeyboardInterrupt" if status is None else "SystemExit"
    failures = [m for m in messages if isinstance(m, HandlerFailedEvent)]
    assert [f.exception_type for f in failures] == [escaped]
    assert isinstance(messages[-1], BusStoppedEvent)
    # The three events after it, and the failure event queued behind them: recorded, and
    # counted as not delivered rather than waited for.
    assert messages[-1].undelivered == 4


# -- a stop cut short ------------------------------------------------------------------


async def test_a_stop_whose_caller_gave_up_goes_on_and_can_be_awaited_again(
    tmp_path: Path,
) -> None:
    # Used to: leave the bus "stopping" for ever; every later stop() waited for ever.
    memory = MemorySink()
    bus = new_bus(log_dir=tmp_path, sinks=[memory], stop_timeout=30)
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow(command: Add) -> int:
        entered.set()
        await release.wait()
        return command.a + command.b

    await bus.start()
    bus.register_command_handler(Add, slow)
    call = asyncio.create_task(bus.execute(Add(a=1, b=2)))
    await asyncio.wait_for(entered.wait(), 5)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(bus.stop(), 0.05)
    assert bus.state == "stopping"
    release.set()
    report = await asyncio.wait_for(bus.stop(), 5)
    assert report.clean
    assert (await call).result == 3
    assert bus.state == "closed"
    assert await bus.stop() is report  # idempotent
    assert isinstance(memory.messages[-1], BusStoppedEvent)
    assert bus.log_path is not None
    assert isinstance(list(read_log(bus.log_path))[-1], BusStoppedEvent)


# -- sinks that stall, lose lines or fall behind ---------------------------------------


async def test_a_stalled_log_is_reported_and_never_holds_the_stop_past_its_timeout(
    tmp_path: Path,
) -> None:
    # Used to: freeze stop() for ever, and the whole event loop under an outer timeout.
    fifo = SilentFifo(tmp_path / "hung.jsonl")
    try:
        bus = new_bus(log_dir=None, sinks=[JsonlSink(fifo.path)], stop_timeout=1.0)
        async with ticking() as ticker:
            await bus.start()
            bus.register_event_handler(Ping, lambda e: None)
            fifo.fill()
            for n in range(50):
                await bus.publish(Ping(n=n))
            started = time.monotonic()
            report = await asyncio.wait_for(bus.stop(), 10)
            took = time.monotonic() - started
            await ticker.ticks(3, timeout=5)  # the loop is still free
        assert took < 3, f"stop took {took:.1f} s with a 1 s stop timeout"
        assert ticker.longest_gap < 0.5
        assert not report.clean
        assert any("stalled" in problem for problem in report.sink_errors), report
    finally:
        fifo.close()


def test_lines_a_full_disk_lost_are_in_the_stop_report_and_the_last_line(
    tmp_path: Path, transport_kind: TransportKind
) -> None:
    # Used to: leave half a line in the log (unreadable from there on) and a clean report.
    done, _ = run_child("disk-full", transport_kind, tmp_path)
    assert done.returncode == 0, done.stderr
    outcome = orjson.loads(done.stdout)
    problems = outcome["report"]["sink_errors"]
    assert any("lines were not written" in p for p in problems), problems
    messages = list(read_log(outcome["log"]))  # raises on a broken line
    numbers = [m.n for m in messages if isinstance(m, FaultChildPinged)]
    assert numbers[:200] == list(range(200))
    assert numbers[-50:] == list(range(400, 450))
    assert 200 < len(numbers) < 450  # some of the middle were lost, whole lines only
    last = messages[-1]
    assert isinstance(last, BusStoppedEvent)
    assert any("lines were not written" in p for p in last.sink_problems)


class BehindSink(Sink):
    """A sink that falls behind when told to, and holds the bus back meanwhile."""

    def __init__(self) -> None:
        self.pressure: Backpressure | None = None
        self.seen: list[Event] = []

    def bind_backpressure(self, pressure: Backpressure) -> None:
        self.pressure = pressure

    def emit(self, message: object) -> None:
        if isinstance(message, Ping):
            self.seen.append(message)

    def fall_behind(self) -> None:
        assert self.pressure is not None
        self.pressure.hold(self)

    def catch_up(self) -> None:
        assert self.pressure is not None
        self.pressure.release(self)


async def test_a_sink_that_falls_behind_slows_publishers_without_blocking_the_loop() -> None:
    # Used to: the JSONL sink blocked the whole event loop until its writer caught up.
    behind = BehindSink()
    async with new_bus(log_dir=None, sinks=[behind]) as bus:
        bus.register_event_handler(Ping, lambda e: None)
        await bus.publish(Ping(n=0))
        behind.fall_behind()
        publishing = asyncio.create_task(bus.publish(Ping(n=1)))
        executing = asyncio.create_task(bus.execute(Add(a=1, b=1)))
        async with ticking() as ticker:
            await ticker.ticks(3, timeout=5)  # the loop runs; the publisher waits
        assert not publishing.done()
        assert not executing.done()
        assert [e.n for e in behind.seen] == [0]
        behind.catch_up()
        await asyncio.wait_for(publishing, 5)
        await asyncio.wait_for(executing, 5)
        assert [e.n for e in behind.seen] == [0, 1]


async def test_the_log_on_a_stalled_disk_holds_publishers_back_instead_of_the_loop(
    tmp_path: Path,
) -> None:
    fifo = SilentFifo(tmp_path / "slow.jsonl")
    sink = JsonlSink(fifo.path, max_pending_bytes=4096, flush_interval=0.01)
    try:
        bus = new_bus(log_dir=None, sinks=[sink], stop_timeout=1.0)
        await bus.start()
        fifo.fill()
        async with ticking() as ticker:
            publisher = asyncio.create_task(_publish_many(bus, 2_000))
            await ticker.ticks(5, timeout=5)
            assert not publisher.done()  # held back by the sink
            assert ticker.longest_gap < 0.5  # and the loop was never blocked
            publisher.cancel()
            await asyncio.gather(publisher, return_exceptions=True)
        await bus.stop()
    finally:
        fifo.close()


async def _publish_many(bus: MessageBus, count: int) -> None:
    for n in range(count):
        await bus.publish(Ping(n=n, session_id=f"s{n % 3}"))
