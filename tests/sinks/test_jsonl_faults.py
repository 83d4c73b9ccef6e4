"""JsonlSink under faults: a disk that hangs, a disk that fills up, a producer that never waits.

A hung disk is a FIFO whose reader reads nothing (``_stall.SilentFifo``); a full disk is a
child process with a file size limit (``RLIMIT_FSIZE``), or ``/dev/full``. Every test is
bounded in time and closes what it opened; a stalled writer is released by reading the
FIFO to its end, or by closing its reader.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import ClassVar

import orjson
import pytest

from llmgine.logs import read_log, read_records
from llmgine.messages import Event, LogRefs
from llmgine.sinks import Backpressure, JsonlSink, to_json_line
from tests.sinks._stall import SilentFifo, ticking, writer_threads_left

PAD = "x" * 1000  # about 1 KiB a line, so a few dozen lines fill the pipe
MAX_PENDING = 16 * 1024
FAULT_TIMEOUT = 20  # seconds: a sink that blocks the loop fails here, not at the suite's 60


class JsonlFaultProbedEvent(Event):
    seq: int = 0
    pad: str = PAD


LINE_SIZE = len(to_json_line(JsonlFaultProbedEvent(seq=100)))


def seqs(data: bytes) -> list[int]:
    return [orjson.loads(line)["seq"] for line in data.splitlines()]


@pytest.fixture
def fifo(tmp_path: Path):
    fifo = SilentFifo(tmp_path / "hung.jsonl")
    yield fifo
    fifo.close()


@pytest.mark.timeout(FAULT_TIMEOUT)
async def test_emit_never_blocks_on_a_stalled_writer_and_drops_lines_past_the_hard_cap(
    fifo, caplog
):
    fifo.fill()
    sink = JsonlSink(fifo.path, batch_size=4, flush_interval=60, max_pending_bytes=MAX_PENDING)
    await sink.start()

    for i in range(200):  # about 200 KiB for a writer that can write nothing
        sink.emit(JsonlFaultProbedEvent(seq=i))

    assert sink.pending_bytes <= 4 * MAX_PENDING + LINE_SIZE  # memory stays bounded
    accepted = 200 - sink.lines_lost
    assert 0 < accepted < 200
    assert sink.problems() == (
        f"the sink for {str(fifo.path)!r} dropped {sink.lines_lost} lines: its writer was "
        "more than 65,536 bytes behind",
    )
    drop_warnings = [r for r in caplog.records if "dropping new lines" in r.getMessage()]
    assert len(drop_warnings) == 1
    reading = asyncio.create_task(fifo.read_to_end(timeout=10))
    await asyncio.wait_for(sink.close(), 10)
    assert seqs(await reading) == list(range(accepted))  # the lines kept are the first ones
    assert sink.lines_written == accepted


class JsonlFaultNotesEvent(Event):
    """Notes that grow one at a time: a log writes each note once and refers to it after."""

    __log_refs__: ClassVar[LogRefs] = LogRefs(sequences=("notes",))

    notes: tuple[str, ...]


@pytest.mark.timeout(FAULT_TIMEOUT)
async def test_lines_after_dropped_ones_do_not_refer_to_what_was_dropped(fifo, tmp_path):
    fifo.fill()
    sink = JsonlSink(fifo.path, batch_size=4, flush_interval=60, max_pending_bytes=MAX_PENDING)
    await sink.start()
    notes: tuple[str, ...] = ()
    emitted = []

    def emit(count: int) -> None:
        nonlocal notes
        for _ in range(count):  # each line adds one note of about 1 KiB
            notes = (*notes, f"{len(notes):03d}{PAD}")
            emitted.append(JsonlFaultNotesEvent(notes=notes, session_id="s"))
            sink.emit(emitted[-1])

    emit(120)
    lost = sink.lines_lost
    assert 0 < lost < 120
    reading = asyncio.create_task(fifo.read_to_end(timeout=10))
    for _ in range(5):  # their notes include those of lines that were dropped
        await asyncio.wait_for(sink.flush(), 10)  # caught up: a line is taken again
        emit(1)
    await asyncio.wait_for(sink.close(), 10)
    path = tmp_path / "read.jsonl"
    path.write_bytes(await reading)

    assert sink.lines_lost == lost
    kept = 120 - lost
    assert list(read_log(path)) == emitted[:kept] + emitted[120:]


@pytest.mark.timeout(FAULT_TIMEOUT)
async def test_a_stalled_writer_holds_the_backpressure_until_it_has_caught_up(fifo):
    fifo.fill()
    pressure = Backpressure()
    sink = JsonlSink(fifo.path, batch_size=4, flush_interval=60, max_pending_bytes=MAX_PENDING)
    sink.bind_backpressure(pressure)
    await sink.start()

    async def produce() -> None:  # what the bus does: wait while the pressure is held
        for i in range(200):
            await pressure.wait()
            sink.emit(JsonlFaultProbedEvent(seq=i))

    async with ticking() as ticker:
        producer = asyncio.create_task(produce())
        await ticker.ticks(20, timeout=5)  # the loop runs on while the writer is stuck

        assert pressure.held
        assert not producer.done()
        assert MAX_PENDING < sink.pending_bytes <= MAX_PENDING + LINE_SIZE

        reading = asyncio.create_task(fifo.read_to_end(timeout=10))  # the disk is back
        await asyncio.wait_for(producer, 10)
        await asyncio.wait_for(sink.flush(), 10)
        await asyncio.wait_for(pressure.wait(), 1)
        assert not pressure.held
        await asyncio.wait_for(sink.close(), 10)
        assert seqs(await reading) == list(range(200))
    assert ticker.longest_gap < 1.0
    assert (sink.lines_written, sink.lines_lost, sink.problems()) == (200, 0, ())


@pytest.mark.timeout(FAULT_TIMEOUT)
async def test_close_on_a_stalled_disk_gives_up_on_time_and_reports_the_stalled_writer(fifo):
    before = set(threading.enumerate())
    fifo.fill()
    sink = JsonlSink(fifo.path, flush_interval=60)
    await sink.start()
    for i in range(10):
        sink.emit(JsonlFaultProbedEvent(seq=i))

    async with ticking() as ticker:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(sink.close(), 0.5)
        assert time.monotonic() - started < 2.0
        await ticker.ticks(5, timeout=2)
    assert ticker.longest_gap < 1.0
    where = repr(str(fifo.path))
    assert sink.problems() == (f"the writer of {where} is stalled: 10 lines not written",)

    # The disk comes back: the writer finishes on its own, and close() can wait for it again.
    reading = asyncio.create_task(fifo.read_to_end(timeout=10))
    await asyncio.wait_for(sink.close(), 10)
    assert seqs(await reading) == list(range(10))
    assert (sink.lines_written, sink.problems()) == (10, ())
    assert writer_threads_left(before) == []


STALLED_CHILD = """
import asyncio, sys
from llmgine.messages import Event
from llmgine.sinks import JsonlSink

class StalledChildEvent(Event):
    seq: int
    pad: str = "x" * 1000

async def main(path, how):
    sink = JsonlSink(path, flush_interval=60)
    await sink.start()
    for i in range(200):  # about 200 KiB: the pipe takes 64
        sink.emit(StalledChildEvent(seq=i))
    try:
        await asyncio.wait_for(sink.close() if how == "close" else sink.flush(), 0.5)
    except TimeoutError:
        print("gave up waiting")
    print(*sink.problems(), sep="\\n")

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


@pytest.mark.parametrize("how", ["close", "flush"])
def test_a_process_whose_log_is_stalled_exits_when_its_main_returns(fifo, how):
    done = subprocess.run(
        [sys.executable, "-c", STALLED_CHILD, str(fifo.path), how],
        capture_output=True,
        text=True,
        timeout=30,  # a process that waits for its writer at exit is killed here, and fails
        check=False,
    )

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "gave up waiting"
    if how == "close":
        assert lines[1].startswith(f"the writer of {str(fifo.path)!r} is stalled: ")
    else:
        assert lines[1:] == [""]  # still running: nothing has gone wrong yet


FULL_DISK_CHILD = """
import asyncio, json, logging, os, resource, signal, sys
from llmgine.messages import Event
from llmgine.sinks import JsonlSink, to_json_line

class FullDiskChildEvent(Event):
    seq: int
    pad: str = "x" * 100

async def main(path):
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    sink = JsonlSink(path, batch_size=10, flush_interval=60)
    await sink.start()
    emitted, whole_lines = [], []

    async def batches(count):
        for _ in range(count):
            for _ in range(10):
                event = FullDiskChildEvent(seq=len(emitted))
                sink.emit(event)
                emitted.append(to_json_line(event).decode())
            await sink.flush()
            with open(path, "rb") as log:
                whole_lines.append(log.read().endswith(b"\\n"))

    await batches(2)
    # The disk fills up half-way through the next batch.
    resource.setrlimit(resource.RLIMIT_FSIZE, (os.path.getsize(path) + 700, hard))
    await batches(3)
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # space again
    await batches(2)
    await sink.close()
    print(json.dumps({
        "emitted": emitted,
        "whole_lines": whole_lines,
        "written": sink.lines_written,
        "lost": getattr(sink, "lines_lost", None),
        "problems": list(getattr(sink, "problems", tuple)()),
    }))

asyncio.run(main(sys.argv[1]))
"""


def test_a_write_that_fails_half_way_leaves_whole_lines_and_later_lines_are_written(tmp_path):
    path = tmp_path / "full.jsonl"

    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK_CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    report = orjson.loads(done.stdout)
    assert report["whole_lines"] == [True] * 7  # after every batch, failed ones too
    records = list(read_records(path))  # raises LogFormatError on a broken line
    assert [r.data["seq"] for r in records] == [*range(20), *range(50, 70)]
    emitted = report["emitted"]
    assert path.read_text() == "".join(emitted[:20] + emitted[50:70])  # the 3 failed batches
    assert (report["written"], report["lost"]) == (40, 30)
    assert report["problems"] == [
        f"30 lines were not written to {str(path)!r} (OSError: [Errno 27] File too large)"
    ]
    logged = done.stderr.splitlines()
    assert [line.split(" ")[0] for line in logged] == ["ERROR", "WARNING"]  # once per run
    assert logged[0].startswith(f"ERROR could not write 10 lines to {str(path)!r}")
    assert logged[1] == f"WARNING writing to {str(path)!r} works again"


FULL_DEVICE = "/dev/full"  # every write fails with ENOSPC


async def test_a_disk_that_stays_full_is_logged_once_and_reported(caplog):
    caplog.set_level(logging.WARNING, logger="llmgine.sinks.jsonl")
    sink = JsonlSink(FULL_DEVICE, batch_size=2, flush_interval=60, fsync=True)
    await sink.start()
    for i in range(0, 6, 2):
        sink.emit(JsonlFaultProbedEvent(seq=i))
        sink.emit(JsonlFaultProbedEvent(seq=i + 1))
        await sink.flush()
    await sink.close()

    assert (sink.lines_written, sink.lines_lost, sink.write_errors) == (0, 6, 3)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors[0].startswith("could not write 2 lines to '/dev/full'")
    assert errors[1:] == [sink.problems()[1]]  # and the failed sync, once
    assert sink.problems() == (
        "6 lines were not written to '/dev/full' (OSError: [Errno 28] No space left on device)",
        "could not sync or close '/dev/full' (OSError: [Errno 22] Invalid argument); "
        "its last lines may not be on disk",
    )


FULL_DISK_NOTES_CHILD = """
import asyncio, os, resource, signal, sys
from typing import ClassVar
from llmgine.messages import Event, LogRefs
from llmgine.sinks import JsonlSink

class JsonlFaultNotesEvent(Event):
    __log_refs__: ClassVar[LogRefs] = LogRefs(sequences=("notes",))
    notes: tuple[str, ...]

async def main(path):
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    sink = JsonlSink(path, batch_size=100, flush_interval=60)
    await sink.start()
    notes = ()

    async def lines(count):
        nonlocal notes
        for _ in range(count):
            notes = (*notes, f"note {len(notes)}")
            sink.emit(JsonlFaultNotesEvent(notes=notes, session_id="s"))
            await sink.flush()

    await lines(3)
    resource.setrlimit(resource.RLIMIT_FSIZE, (os.path.getsize(path) + 10, hard))
    await lines(2)  # the disk is full: both lines are lost
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # space again
    await lines(2)
    await sink.close()
    print(sink.lines_lost)

asyncio.run(main(sys.argv[1]))
"""


def test_lines_written_after_a_failed_write_do_not_refer_to_what_it_lost(tmp_path):
    path = tmp_path / "full.jsonl"

    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK_NOTES_CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2"]
    back = list(read_log(path))
    assert [len(m.notes) for m in back] == [1, 2, 3, 6, 7]  # every line read back whole
    assert back[-1].notes == tuple(f"note {n}" for n in range(7))
