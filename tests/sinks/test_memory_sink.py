"""MemorySink: recorded messages in order, with a bounded history and waiting for a match."""

from __future__ import annotations

import asyncio

import pytest

from llmgine.messages import (
    Command,
    CommandFailedEvent,
    CommandFinishedEvent,
    CommandResult,
    CommandSucceededEvent,
    Event,
)
from llmgine.sinks import MemorySink, Sink


class MemoryProbeCommand(Command):
    n: int = 0


class MemoryProbedEvent(Event):
    n: int = 0


def finished(cls, n):
    return cls(command_id=f"c-{n}", command_type="X", duration_ms=float(n))


def test_is_a_sink():
    assert isinstance(MemorySink(), Sink)


def test_keeps_messages_in_emit_order():
    sink = MemorySink()
    messages = [MemoryProbedEvent(n=i) if i % 2 else MemoryProbeCommand(n=i) for i in range(10)]

    for message in messages:
        sink.emit(message)

    assert sink.messages == messages
    assert list(sink) == messages
    assert len(sink) == 10


def test_messages_is_a_snapshot_not_the_live_store():
    sink = MemorySink()
    sink.emit(MemoryProbedEvent(n=1))

    snapshot = sink.messages
    snapshot.clear()
    sink.emit(MemoryProbedEvent(n=2))

    assert [m.n for m in sink.messages] == [1, 2]


def test_of_type_includes_subclasses_in_order():
    sink = MemorySink()
    ok, failed = finished(CommandSucceededEvent, 1), finished(CommandFailedEvent, 2)
    command = MemoryProbeCommand()
    result = CommandResult(success=True, command_id=command.command_id)
    probe = MemoryProbedEvent()
    for message in (command, ok, probe, failed, result):
        sink.emit(message)

    assert sink.of_type(CommandFinishedEvent) == [ok, failed]
    assert sink.of_type(CommandFailedEvent) == [failed]
    assert sink.of_type(Event) == [ok, probe, failed]
    assert sink.of_type(Command) == [command]
    assert sink.of_type(CommandResult) == [result]


def test_maxlen_keeps_only_the_newest_messages():
    sink = MemorySink(maxlen=3)

    for i in range(5):
        sink.emit(MemoryProbedEvent(n=i))

    assert [m.n for m in sink] == [2, 3, 4]
    assert len(sink) == 3


def test_clear_forgets_recorded_messages():
    sink = MemorySink()
    sink.emit(MemoryProbedEvent())

    sink.clear()

    assert sink.messages == []
    assert len(sink) == 0


async def test_wait_for_returns_the_first_already_recorded_match():
    sink = MemorySink()
    first, second = MemoryProbedEvent(n=7), MemoryProbedEvent(n=7)
    sink.emit(MemoryProbeCommand())
    sink.emit(first)
    sink.emit(second)

    found = await sink.wait_for(lambda m: getattr(m, "n", None) == 7, timeout=1)

    assert found is first


async def test_wait_for_returns_a_match_recorded_later():
    sink = MemorySink()
    wanted = MemoryProbedEvent(n=3)
    loop = asyncio.get_running_loop()
    # These run only once wait_for is suspended waiting for a match.
    loop.call_soon(sink.emit, MemoryProbedEvent(n=1))
    loop.call_soon(sink.emit, wanted)
    loop.call_soon(sink.emit, MemoryProbedEvent(n=3))

    found = await sink.wait_for(lambda m: isinstance(m, MemoryProbedEvent) and m.n == 3, timeout=1)

    assert found is wanted


async def test_several_waiters_are_each_resolved():
    sink = MemorySink()
    event = MemoryProbedEvent(n=1)

    async def emit_after_waiters_registered():
        sink.emit(event)

    first, second, _ = await asyncio.gather(
        sink.wait_for(lambda m: isinstance(m, MemoryProbedEvent), timeout=1),
        sink.wait_for(lambda m: m.session_id == "BUS", timeout=1),
        emit_after_waiters_registered(),
    )

    assert first is event
    assert second is event


async def test_wait_for_raises_timeout_error_when_nothing_matches():
    sink = MemorySink()
    sink.emit(MemoryProbedEvent(n=1))

    with pytest.raises(TimeoutError):
        await sink.wait_for(lambda m: False, timeout=0.05)


async def test_emitting_after_a_timed_out_wait_still_works():
    sink = MemorySink()
    with pytest.raises(TimeoutError):
        await sink.wait_for(lambda m: True, timeout=0.01)

    sink.emit(MemoryProbedEvent(n=1))

    assert len(sink) == 1
    assert await sink.wait_for(lambda m: True, timeout=1) is sink.messages[0]
