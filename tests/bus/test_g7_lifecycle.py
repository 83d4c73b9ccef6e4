"""Guarantee 7, lifecycle: stop() stops intake, drains what was accepted (with a timeout,
then reports what was not delivered), flushes every sink, and is idempotent; use after
close is a clear error; no background task is left running."""

import asyncio
import threading

import pytest

from llmgine.bus import BusClosedError, UsageError
from llmgine.logs import read_log
from llmgine.messages import BusStoppedEvent, Event
from llmgine.sinks import MemorySink, Sink
from tests.bus._messages import Add, Ping
from tests.bus._transports import new_bus
from tests.sinks._stall import writer_threads_left


async def test_stop_delivers_all_accepted_events_then_flushes_the_log(tmp_path) -> None:
    received: list[int] = []

    async def slowish(event: Ping) -> None:
        await asyncio.sleep(0)
        received.append(event.n)

    bus = new_bus(log_dir=tmp_path)
    await bus.start()
    bus.register_event_handler(Ping, slowish)
    for n in range(1_000):
        await bus.publish(Ping(n=n))
    assert len(received) < 1_000  # still queued when stop() is called
    report = await bus.stop()
    assert report.clean
    assert received == list(range(1_000))
    assert bus.log_path is not None
    logged = [m for m in read_log(bus.log_path) if isinstance(m, Ping)]
    assert [m.n for m in logged] == list(range(1_000))


async def test_stop_times_out_and_reports_what_was_not_delivered() -> None:
    async def stuck(event: Ping) -> None:
        await asyncio.Event().wait()

    bus = new_bus(log_dir=None)
    await bus.start()
    bus.register_event_handler(Ping, stuck)
    for n in range(10):
        await bus.publish(Ping(n=n))
    report = await asyncio.wait_for(bus.stop(timeout=0.05), 5)
    assert report.timed_out
    assert report.undelivered == 10
    assert not report.clean
    assert bus.state == "closed"


async def test_stop_waits_for_commands_in_flight() -> None:
    release = asyncio.Event()

    async def slow(command: Add) -> int:
        await release.wait()
        return command.a + command.b

    bus = new_bus(log_dir=None)
    await bus.start()
    bus.register_command_handler(Add, slow)
    call = asyncio.create_task(bus.execute(Add(a=1, b=2)))
    await asyncio.sleep(0)
    stopping = asyncio.create_task(bus.stop(timeout=5))
    await asyncio.sleep(0)
    assert not stopping.done()
    with pytest.raises(BusClosedError):  # intake is closed while it drains
        await bus.execute(Add(a=0, b=0))
    release.set()
    assert (await call).result == 3
    assert (await stopping).clean


async def test_stop_is_idempotent_and_concurrent_stops_agree() -> None:
    bus = new_bus(log_dir=None)
    await bus.start()
    first, second = await asyncio.gather(bus.stop(), bus.stop())
    assert first is second
    assert await bus.stop() is first


async def test_use_after_close_is_a_clear_error() -> None:
    bus = new_bus(log_dir=None)
    async with bus:
        pass
    with pytest.raises(BusClosedError, match="closed"):
        await bus.publish(Ping())
    with pytest.raises(BusClosedError, match="closed"):
        await bus.execute(Add(a=1, b=1))
    with pytest.raises(BusClosedError):
        bus.register_event_handler(Ping, print)
    with pytest.raises(BusClosedError, match="create a new one"):
        await bus.start()


async def test_use_before_start_is_a_clear_error() -> None:
    bus = new_bus(log_dir=None)
    with pytest.raises(UsageError, match="not started"):
        await bus.publish(Ping())
    with pytest.raises(UsageError, match="not started"):
        await bus.execute(Add(a=1, b=1))
    await bus.start()
    await bus.start()  # starting twice is harmless
    await bus.stop()


async def test_no_task_or_thread_is_left_running(tmp_path) -> None:
    async def work(event: Ping) -> None:
        await asyncio.sleep(0)

    before = asyncio.all_tasks()
    threads = set(threading.enumerate())
    async with new_bus(log_dir=tmp_path) as bus:
        bus.register_event_handler(Ping, work)
        for n in range(100):
            await bus.publish(Ping(n=n, session_id=f"s{n % 7}"))
    assert asyncio.all_tasks() == before
    # The log's writer thread has said it is done; it may still be returning.
    assert writer_threads_left(threads) == []
    assert not [t for t in threading.enumerate() if t.name.startswith("llmgine") and t.is_alive()]


class FailingSink(Sink):
    def __init__(self) -> None:
        self.flushed = False

    def emit(self, message: Event) -> None:  # type: ignore[override]
        raise OSError("disk on fire")

    async def close(self) -> None:
        raise OSError("cannot close")


async def test_a_failing_sink_never_breaks_the_bus_and_is_reported(caplog) -> None:
    memory = MemorySink()
    seen: list[int] = []
    bus = new_bus(log_dir=None, sinks=[FailingSink(), memory])
    async with bus:
        bus.register_event_handler(Ping, lambda e: seen.append(e.n))
        await bus.publish(Ping(n=1))
        await bus.wait_for_events()
    assert seen == [1]
    assert len(memory.of_type(Ping)) == 1
    report = await bus.stop()
    assert report.sink_errors == ("FailingSink: OSError: cannot close",)
    assert "sink" in caplog.text


async def test_stop_records_a_final_bus_stopped_event_that_no_handler_receives(
    tmp_path,
) -> None:
    memory = MemorySink()
    seen: list[Event] = []
    bus = new_bus(log_dir=tmp_path, sinks=[memory])
    async with bus:
        bus.register_event_handler(Event, seen.append)  # every event there is
        await bus.publish(Ping(n=1))
        await bus.wait_for_events()
    last = memory.messages[-1]
    assert isinstance(last, BusStoppedEvent)
    assert (last.undelivered, last.commands_in_flight, last.timed_out) == (0, 0, False)
    assert last.session_id == "BUS"
    assert [type(e) for e in seen] == [Ping]
    assert bus.log_path is not None
    assert list(read_log(bus.log_path))[-1] == last


async def test_the_bus_stopped_event_counts_what_a_timed_out_drain_lost() -> None:
    memory = MemorySink()

    async def stuck(event: Ping) -> None:
        await asyncio.Event().wait()

    bus = new_bus(log_dir=None, sinks=[memory])
    await bus.start()
    bus.register_event_handler(Ping, stuck)
    for n in range(10):
        await bus.publish(Ping(n=n))
    report = await asyncio.wait_for(bus.stop(timeout=0.05), 5)
    stopped = memory.of_type(BusStoppedEvent)
    assert len(stopped) == 1
    assert stopped[0].undelivered == report.undelivered == 10
    assert stopped[0].timed_out
