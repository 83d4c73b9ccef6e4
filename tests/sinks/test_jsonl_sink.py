"""JsonlSink: one line per message, batched off the event loop, never raising from emit."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

import orjson
import pytest

from llmgine.logs import read_log
from llmgine.messages import Event
from llmgine.sinks import Backpressure, JsonlSink, Sink
from tests.sinks._stall import writer_threads_left, writer_threads_started_since

# Every write to /dev/full fails with ENOSPC: a disk that is full, without any patching.
FULL_DEVICE = "/dev/full"


class JsonlProbedEvent(Event):
    seq: int = 0


def lines_of(path) -> list[dict]:
    if not path.exists():
        return []
    return [orjson.loads(raw) for raw in path.read_bytes().splitlines()]


async def wait_for_lines(path, count: int, timeout: float = 2.0) -> list[dict]:
    """Poll the file (not the sink) until it holds ``count`` lines or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        found = lines_of(path)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.01)


@pytest.fixture
def log_path(tmp_path):
    return tmp_path / "sink.jsonl"


def test_is_a_sink(log_path):
    assert isinstance(JsonlSink(log_path), Sink)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"batch_size": 0},
        {"batch_size": -1},
        {"flush_interval": 0},
        {"flush_interval": -0.5},
        {"max_pending_bytes": 0},
    ],
)
def test_invalid_constructor_arguments_raise_value_error(log_path, kwargs):
    with pytest.raises(ValueError, match="must be positive"):
        JsonlSink(log_path, **kwargs)


async def test_emit_before_start_is_dropped_counted_and_warned_about_once(log_path, caplog):
    sink = JsonlSink(log_path)

    for i in range(3):
        sink.emit(JsonlProbedEvent(seq=i))  # never raises

    assert sink.lines_lost == 3
    warnings = [r for r in caplog.records if r.name == "llmgine.sinks.jsonl"]
    assert [r.levelname for r in warnings] == ["WARNING"]
    assert "before it started" in warnings[0].getMessage()
    assert sink.problems() == (
        f"the sink for {str(log_path)!r} dropped 3 lines that came before it started",
    )


async def test_start_twice_raises_runtime_error(log_path):
    sink = JsonlSink(log_path)
    await sink.start()
    try:
        with pytest.raises(RuntimeError, match="already started"):
            await sink.start()
    finally:
        await sink.close()


async def test_start_creates_missing_parent_folders(tmp_path):
    path = tmp_path / "a" / "b" / "log.jsonl"
    sink = JsonlSink(path)

    await sink.start()
    assert path.is_file()
    sink.emit(Event())
    await sink.close()

    assert len(lines_of(path)) == 1


async def test_a_created_file_with_no_line_is_removed_with_its_folders(tmp_path):
    (tmp_path / "a").mkdir()
    path = tmp_path / "a" / "b" / "c" / "log.jsonl"
    sink = JsonlSink(path)

    await sink.start()
    assert path.is_file()
    await sink.close()

    assert list(tmp_path.rglob("*")) == [tmp_path / "a"]  # the folder that was there stays


async def test_a_file_that_was_there_is_kept_even_with_no_new_line(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"")
    sink = JsonlSink(path)

    await sink.start()
    await sink.close()

    assert path.is_file()


async def test_a_folder_that_gained_other_files_is_kept(tmp_path):
    path = tmp_path / "logs" / "log.jsonl"
    sink = JsonlSink(path)

    await sink.start()
    (tmp_path / "logs" / "other.txt").write_text("mine")
    await sink.close()

    assert not path.exists()
    assert (tmp_path / "logs" / "other.txt").is_file()


async def test_lines_are_batched_and_appear_after_flush(log_path):
    sink = JsonlSink(log_path, batch_size=100, flush_interval=60)
    await sink.start()
    try:
        events = [JsonlProbedEvent(seq=i) for i in range(3)]
        for event in events:
            sink.emit(event)
        assert lines_of(log_path) == []  # still in the batch

        await sink.flush()

        lines = lines_of(log_path)
        assert [line["seq"] for line in lines] == [0, 1, 2]
        assert [line["event_id"] for line in lines] == [e.event_id for e in events]
        assert sink.lines_written == 3
    finally:
        await sink.close()


async def test_many_messages_with_small_batches_give_one_line_each_in_emit_order(log_path):
    sink = JsonlSink(log_path, batch_size=7, flush_interval=60)
    await sink.start()
    for i in range(5000):
        sink.emit(JsonlProbedEvent(seq=i))
    await sink.flush()

    assert [line["seq"] for line in lines_of(log_path)] == list(range(5000))
    assert sink.lines_written == 5000
    assert sink.write_errors == 0
    await sink.close()
    assert [m.seq for m in read_log(log_path)] == list(range(5000))


async def test_flush_interval_writes_lines_without_an_explicit_flush(log_path):
    sink = JsonlSink(log_path, batch_size=1000, flush_interval=0.02)
    await sink.start()
    try:
        sink.emit(JsonlProbedEvent(seq=1))
        sink.emit(JsonlProbedEvent(seq=2))

        lines = await wait_for_lines(log_path, 2)

        assert [line["seq"] for line in lines] == [1, 2]
    finally:
        await sink.close()


async def test_a_full_batch_is_written_without_flush_or_timer(log_path):
    sink = JsonlSink(log_path, batch_size=2, flush_interval=60)
    await sink.start()
    try:
        sink.emit(JsonlProbedEvent(seq=1))
        sink.emit(JsonlProbedEvent(seq=2))

        lines = await wait_for_lines(log_path, 2)

        assert [line["seq"] for line in lines] == [1, 2]
    finally:
        await sink.close()


async def test_the_line_shows_the_message_as_it_was_when_emitted(log_path):
    sink = JsonlSink(log_path, flush_interval=60)
    await sink.start()
    event = JsonlProbedEvent(metadata={"step": "emitted"})
    sink.emit(event)
    event.metadata["step"] = "changed later"  # the dict inside a frozen model is mutable

    await sink.close()

    assert lines_of(log_path)[0]["metadata"] == {"step": "emitted"}


async def test_close_flushes_and_later_emits_are_dropped_and_counted(log_path):
    sink = JsonlSink(log_path, batch_size=100, flush_interval=60)
    await sink.start()
    sink.emit(JsonlProbedEvent(seq=1))

    await sink.close()

    assert [line["seq"] for line in lines_of(log_path)] == [1]
    assert sink.problems() == ()
    sink.emit(JsonlProbedEvent(seq=2))
    assert [line["seq"] for line in lines_of(log_path)] == [1]
    assert (sink.lines_written, sink.lines_lost) == (1, 1)
    assert sink.problems() == (
        f"the sink for {str(log_path)!r} dropped 1 line that came after it closed",
    )


async def test_flush_and_close_after_close_do_nothing(log_path):
    sink = JsonlSink(log_path)
    await sink.start()
    sink.emit(JsonlProbedEvent(seq=1))
    await sink.close()

    await sink.flush()
    await sink.close()

    assert len(lines_of(log_path)) == 1


async def test_close_without_start_closes_the_sink(log_path):
    sink = JsonlSink(log_path)

    await sink.close()

    sink.emit(JsonlProbedEvent())
    assert sink.lines_lost == 1
    assert "after it closed" in sink.problems()[0]
    assert not log_path.exists()


async def test_the_writer_thread_is_gone_after_close(log_path):
    before = set(threading.enumerate())
    sink = JsonlSink(log_path)
    await sink.start()
    sink.emit(JsonlProbedEvent())
    await sink.flush()
    assert writer_threads_started_since(before), "expected a llmgine-jsonl writer thread"

    await sink.close()

    assert writer_threads_left(before) == []


async def test_an_existing_log_is_appended_to(log_path):
    log_path.write_bytes(b'{"kind":"event","type":"Event"}\n')
    sink = JsonlSink(log_path)
    await sink.start()
    sink.emit(JsonlProbedEvent(seq=5))
    await sink.close()

    lines = lines_of(log_path)
    assert len(lines) == 2
    assert lines[1]["seq"] == 5


async def test_fsync_mode_writes_on_flush_and_close(log_path):
    sink = JsonlSink(log_path, fsync=True, flush_interval=60)
    await sink.start()
    sink.emit(JsonlProbedEvent(seq=1))
    await sink.flush()
    assert len(lines_of(log_path)) == 1

    sink.emit(JsonlProbedEvent(seq=2))
    await sink.close()

    assert [line["seq"] for line in lines_of(log_path)] == [1, 2]


async def test_a_tiny_max_pending_bytes_still_writes_everything_in_order(log_path):
    # Every line puts this sink behind: a producer that waits for the backpressure loses none.
    pressure = Backpressure()
    sink = JsonlSink(log_path, batch_size=3, max_pending_bytes=1, flush_interval=60)
    sink.bind_backpressure(pressure)
    await sink.start()
    for i in range(50):
        await asyncio.wait_for(pressure.wait(), 5)
        sink.emit(JsonlProbedEvent(seq=i))
    await sink.close()

    assert [line["seq"] for line in lines_of(log_path)] == list(range(50))
    assert (sink.write_errors, sink.lines_lost) == (0, 0)
    assert not pressure.held


async def test_start_fails_when_the_path_is_a_directory(tmp_path):
    sink = JsonlSink(tmp_path)

    with pytest.raises(IsADirectoryError):
        await sink.start()
    sink.emit(JsonlProbedEvent())
    await sink.close()

    assert sink.lines_lost == 1


async def test_a_failed_start_leaves_no_writer_thread_behind(tmp_path):
    before = set(threading.enumerate())
    sink = JsonlSink(tmp_path)

    with pytest.raises(IsADirectoryError):
        await sink.start()
    await sink.close()

    assert writer_threads_left(before) == []


async def test_write_errors_are_counted_and_never_raise_into_emit_or_flush():
    sink = JsonlSink(FULL_DEVICE, batch_size=2, flush_interval=60)
    await sink.start()
    try:
        for i in range(4):
            sink.emit(JsonlProbedEvent(seq=i))  # two full batches handed to the writer
        await sink.flush()

        assert sink.write_errors >= 1
        assert sink.lines_written == 0

        sink.emit(JsonlProbedEvent(seq=99))  # still accepting after failures
        await sink.flush()
        assert sink.write_errors >= 2
    finally:
        with contextlib.suppress(OSError):
            await sink.close()


async def test_close_after_write_errors_releases_the_writer_thread():
    before = set(threading.enumerate())
    sink = JsonlSink(FULL_DEVICE, flush_interval=60)
    await sink.start()
    sink.emit(JsonlProbedEvent())
    await sink.flush()
    assert sink.write_errors == 1

    with contextlib.suppress(OSError):
        await sink.close()

    assert writer_threads_left(before) == []


async def test_a_message_emitted_while_close_is_flushing_is_dropped_and_counted(log_path):
    sink = JsonlSink(log_path, flush_interval=60)
    await sink.start()
    sink.emit(JsonlProbedEvent(seq=1))

    async def emit_during_close() -> None:
        # gather starts close() first; it is suspended waiting for the writer when this runs.
        sink.emit(JsonlProbedEvent(seq=2))

    await asyncio.gather(sink.close(), emit_during_close())

    assert [line["seq"] for line in lines_of(log_path)] == [1]
    assert (sink.lines_written, sink.lines_lost) == (1, 1)
