"""The JSONL sink: one line per message, written in batches off the event loop.

``emit`` serialises the message at once (so the line shows the message as it was when
recorded) and appends the bytes to a buffer. Lines are written in the log form of the
messages codec (``LogWriter``): content a message repeats from earlier lines, such as the
history a model call sends again, is written by reference. A full buffer, or a short timer after the
first line, hands the batch to the writer thread (``_jsonl_writer``), which keeps batches
in order. Nothing is fsynced per line; ``fsync=True`` syncs on every flush and at close.

Invariants:

- ``emit`` never raises and never blocks. A message that arrives while the sink is not
  running is dropped, counted in ``lines_lost`` and reported by ``problems()``.
- Memory stays bounded. While more than ``max_pending_bytes`` wait for the writer the
  sink holds the bus's ``Backpressure``, until less than half of that is left; past four
  times that (a producer that does not wait), new lines are dropped and counted.
- The file holds whole lines only. A batch that could not be written is cut off again,
  counted in ``lines_lost`` and logged once per run of failures; later batches are
  written as soon as the disk takes them. Whenever a line is lost the log writer forgets
  what the file holds, so the lines after it carry their content again.
- A file the sink created and wrote no line to is removed at close, with the folders made
  for it: a bus that failed to start leaves no empty log (see ``_jsonl_writer``).
- ``flush`` and ``close`` wait for the writer through asyncio futures only, so a timeout
  around them returns on time; a close that did not finish is reported by ``problems()``.
- A sink that was started and never closed (a bus never stopped, as in a short script)
  still writes its lines when the process exits: an exit hook hands the writer what is
  buffered and waits for it, up to ``EXIT_TIMEOUT`` seconds in all.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import time
from pathlib import Path
from typing import Literal

from llmgine.messages import EncodeError, LogWriter, Message
from llmgine.sinks._jsonl_writer import BatchOutcome, Writer
from llmgine.sinks._sink import Backpressure, Sink

logger = logging.getLogger("llmgine.sinks.jsonl")

_State = Literal["new", "running", "closing", "closed"]
_HARD_CAP_FACTOR = 4
EXIT_TIMEOUT = 5.0
"""How long the process's exit waits, in all, for sinks never closed to write their lines."""
_UNCLOSED: set[JsonlSink] = set()
"""Sinks started and not closed. Their writer threads keep them alive anyway, so holding
them here costs nothing more."""


class JsonlSink(Sink):
    """Appends every message to ``path`` as one JSON object per line."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        batch_size: int = 1024,
        flush_interval: float = 0.2,
        max_pending_bytes: int = 64 * 1024 * 1024,
        fsync: bool = False,
    ) -> None:
        if batch_size < 1 or flush_interval <= 0 or max_pending_bytes < 1:
            raise ValueError("batch_size, flush_interval and max_pending_bytes must be positive")
        self.path = Path(path)
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._max_pending = max_pending_bytes
        self._hard_cap = _HARD_CAP_FACTOR * max_pending_bytes
        self._fsync = fsync
        self._state: _State = "new"
        self._buffer: list[bytes] = []
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writer: Writer | None = None
        self._closed: asyncio.Future[OSError | None] | None = None  # the writer's last barrier
        self._pressure: Backpressure | None = None
        self._behind = False  # more than max_pending_bytes waited; not yet down to half
        self._dropping = False  # dropping lines since the last time we caught up
        self._pending_bytes = 0  # buffered or handed to the writer, not yet written
        self._pending_lines = 0  # handed to the writer, not yet written
        self._queued_bytes = 0  # handed to the writer, not yet written
        self._failing = False  # the last batch could not be written
        self._not_written = 0
        self._last_error = ""
        self._dropped_behind = 0
        self._refused_count = 0  # messages the codec could not write
        self._last_refused = ""
        self._dropped_idle: dict[str, int] = {}  # "before it started" / "after it closed"
        self._notes: dict[str, None] = {}  # other problems, in order, each once
        self._log = LogWriter()
        self.lines_written = 0
        self.write_errors = 0

    @property
    def lines_lost(self) -> int:
        """Lines recorded but never written: failed writes and dropped messages."""
        return (
            self._not_written
            + self._dropped_behind
            + self._refused_count
            + sum(self._dropped_idle.values())
        )

    @property
    def pending_bytes(self) -> int:
        """Bytes recorded and not yet written (buffered or waiting for the writer)."""
        return self._pending_bytes

    def bind_backpressure(self, pressure: Backpressure) -> None:
        self._pressure = pressure

    async def start(self) -> None:
        if self._state != "new":
            raise RuntimeError(f"JsonlSink for {str(self.path)!r} was already started")
        self._loop = asyncio.get_running_loop()
        self._writer = Writer(self.path, self._loop, self._on_outcome)
        try:
            await self._writer.open()
        except BaseException:
            self._state = "closed"
            self._writer.barrier(fsync=False, close=True)  # if the open still finishes
            raise
        self._state = "running"
        _UNCLOSED.add(self)

    def emit(self, message: Message) -> None:
        if self._state != "running":
            self._drop_idle()
            return
        try:
            line = self._log.line(message)
        except EncodeError as exc:
            self._refuse(message, exc)
            return
        pending = self._pending_bytes + len(line)
        if pending > self._max_pending and self._over_max(pending, line):
            return
        self._pending_bytes = pending
        buffer = self._buffer
        buffer.append(line)
        if len(buffer) >= self._batch_size:
            self._hand_off()
        elif self._timer is None:
            assert self._loop is not None
            self._timer = self._loop.call_later(self._flush_interval, self._hand_off)

    def _over_max(self, pending: int, line: bytes) -> bool:
        """More than ``max_pending_bytes`` wait. Past the hard cap the line is dropped;
        otherwise, the first time, the bus is held back and the writer fed at once.
        True when ``line`` was dealt with here."""
        if self._pending_bytes > self._hard_cap:
            self._drop_behind()
            return True
        if self._behind:
            return False
        self._behind = True
        if self._pressure is not None:
            self._pressure.hold(self)
        self._pending_bytes = pending
        self._buffer.append(line)
        self._hand_off()  # the writer has to catch up before the pressure goes
        return True

    async def flush(self) -> None:
        if self._state != "running":
            return
        self._hand_off()
        assert self._writer is not None
        self._note_sync(await self._writer.barrier(fsync=self._fsync))

    async def close(self) -> None:
        if self._closed is not None:  # closing already, or a close that was given up on
            await asyncio.shield(self._closed)
            return
        if self._state != "running":
            if self._state == "new":
                self._state = "closed"
            return
        self._state = "closing"  # emit() drops from here on, so nothing can slip in
        _UNCLOSED.discard(self)
        self._hand_off()
        assert self._writer is not None
        closed = self._closed = self._writer.barrier(fsync=self._fsync, close=True)
        closed.add_done_callback(self._on_closed)
        try:
            await asyncio.shield(closed)  # if we stop waiting, the writer still closes
        finally:
            self._state = "closed"
            self._catch_up()  # a closed sink holds nobody back

    def problems(self) -> tuple[str, ...]:
        where = repr(str(self.path))
        found = []
        if count := self._not_written:
            were = "was" if count == 1 else "were"
            found.append(f"{_lines(count)} {were} not written to {where} ({self._last_error})")
        if count := self._dropped_behind:
            found.append(
                f"the sink for {where} dropped {_lines(count)}: its writer was more than "
                f"{self._hard_cap:,} bytes behind"
            )
        if count := self._refused_count:
            found.append(
                f"{_lines(count)} could not be written to {where} (last: {self._last_refused})"
            )
        for when, count in self._dropped_idle.items():
            found.append(f"the sink for {where} dropped {_lines(count)} that came {when}")
        found.extend(self._notes)
        if self._closed is not None and not self._closed.done():
            found.append(
                f"the writer of {where} is stalled: "
                f"{_lines(self._pending_lines + len(self._buffer))} not written"
            )
        return tuple(found)

    def _write_at_exit(self, deadline: float) -> None:
        if self._state != "running" or self._writer is None:
            return
        self._hand_off()  # the loop may be gone: its timer would never fire
        if not self._writer.drain(max(0.0, deadline - time.monotonic())):
            logger.error(
                "the last lines of %r were not written before the process exited", str(self.path)
            )

    def _hand_off(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._buffer:
            return
        data = b"".join(self._buffer)
        lines = len(self._buffer)
        self._buffer.clear()
        self._pending_lines += lines
        self._queued_bytes += len(data)
        assert self._writer is not None
        self._writer.write(data, lines)

    def _on_outcome(self, outcome: BatchOutcome) -> None:
        """Account for one batch the writer is done with (called on the loop)."""
        self._pending_bytes -= outcome.size
        self._pending_lines -= outcome.lines
        self._queued_bytes -= outcome.size
        if outcome.error is None:
            self.lines_written += outcome.lines
            if self._failing:
                self._failing = False
                logger.warning("writing to %r works again", str(self.path))
        else:
            self._lost(outcome, outcome.error)
        if self._behind:
            if self._pending_bytes <= self._max_pending // 2:
                self._catch_up()
            elif self._queued_bytes == 0:
                self._hand_off()  # the writer is idle while we are behind: feed it now

    def _lost(self, outcome: BatchOutcome, error: OSError) -> None:
        self._log.forget()  # the lost lines may hold what later lines would refer to
        self.write_errors += 1
        self._not_written += outcome.lines
        self._last_error = f"{type(error).__name__}: {error}"
        if outcome.repair_error is not None:
            self._note(
                f"{str(self.path)!r} may end in a partial line: cutting off a failed write "
                f"failed ({type(outcome.repair_error).__name__}: {outcome.repair_error})"
            )
        if not self._failing:
            self._failing = True
            logger.error(
                "could not write %s to %r (%s). Lines that fail are counted in lines_lost "
                "and later ones are tried again: free space on that disk or check that it "
                "is reachable.",
                _lines(outcome.lines),
                str(self.path),
                self._last_error,
            )

    def _catch_up(self) -> None:
        self._behind = self._dropping = False
        if self._pressure is not None:
            self._pressure.release(self)

    def _refuse(self, message: Message, exc: EncodeError) -> None:
        # The bus refuses such messages before they are recorded; one built around it
        # (model_construct, a mutated dict) ends here, counted, never as a repr.
        if not self._refused_count:
            name = type(message).__name__
            logger.error("could not write a %s to %r: %s", name, str(self.path), exc)
        self._refused_count += 1
        self._last_refused = f"{type(message).__name__}: {exc}"

    def _drop_behind(self) -> None:
        if not self._dropping:
            self._dropping = True
            logger.warning(
                "the writer of %r is more than %d bytes behind; dropping new lines until it "
                "catches up. Check the disk, or wait for the bus's backpressure.",
                str(self.path),
                self._hard_cap,
            )
        self._log.forget()
        self._dropped_behind += 1

    def _drop_idle(self) -> None:
        when = "before it started" if self._state == "new" else "after it closed"
        count = self._dropped_idle.get(when, 0)
        self._dropped_idle[when] = count + 1
        if count == 0:
            logger.warning(
                "the JSONL sink for %r dropped a message that came %s; later ones are "
                "counted in lines_lost, not logged. Record only while the sink runs.",
                str(self.path),
                when,
            )

    def _on_closed(self, closed: asyncio.Future[OSError | None]) -> None:
        if not closed.cancelled():
            self._note_sync(closed.result())

    def _note_sync(self, error: OSError | None) -> None:
        if error is not None:
            self._note(
                f"could not sync or close {str(self.path)!r} "
                f"({type(error).__name__}: {error}); its last lines may not be on disk"
            )

    def _note(self, problem: str) -> None:
        if problem not in self._notes:
            self._notes[problem] = None
            logger.error("%s", problem)


def _write_unclosed() -> None:
    """At exit: hand every unclosed sink's buffer to its writer and wait for them all."""
    deadline = time.monotonic() + EXIT_TIMEOUT
    for sink in list(_UNCLOSED):
        sink._write_at_exit(deadline)
    _UNCLOSED.clear()


atexit.register(_write_unclosed)


def _lines(count: int) -> str:
    """``"1 line"``, ``"1,204 lines"``."""
    return "1 line" if count == 1 else f"{count:,} lines"
