"""Sending accepted events to the stream: per session one at a time, in order, until stored.

``publish`` on the bus is synchronous, so an accepted event waits here, encoded, in its
session's queue; one task per busy session sends the queue's head and waits for the
stream's acknowledgement before sending the next, so a session's events are stored in the
order they were published even when a send is retried (a send whose acknowledgement was
lost is sent again with the same ``Nats-Msg-Id``, the event's id, and the stream drops the
copy). Sessions send side by side.

Failures: while the server is away (restart, leader election) the head is retried with a
growing pause; while the stream is full the outbox reports it (``on_full``), which stops
the bus taking events, and keeps retrying; an event the stream can never take (too large,
no permission) is given up and reported lost. Nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from nats.errors import ConnectionClosedError
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import APIError

logger = logging.getLogger("llmgine.transports.nats")

_FIRST_WAIT = 0.02
_MAX_WAIT = 1.0
_FULL = ("maximum messages", "maximum bytes", "resource limits", "insufficient resources")


@dataclass(slots=True)
class Outgoing:
    event_id: str
    session_id: str
    subject: str
    data: bytes


class Outbox:
    """See the module docstring."""

    def __init__(
        self,
        js: JetStreamContext,
        stream: str,
        *,
        timeout: float,
        on_stored: Callable[[Outgoing, int, bool], None],
        on_lost: Callable[[Outgoing, str], None],
        on_full: Callable[[str | None], None],
    ) -> None:
        self._js = js
        self._stream = stream
        self._timeout = timeout
        self._on_stored = on_stored
        self._on_lost = on_lost
        self._on_full = on_full
        self._queues: dict[str, deque[Outgoing]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._full = False

    def put(self, item: Outgoing) -> None:
        queue = self._queues.get(item.session_id)
        if queue is None:
            queue = self._queues[item.session_id] = deque()
        queue.append(item)
        if item.session_id not in self._tasks:
            task = asyncio.get_running_loop().create_task(
                self._send(item.session_id, queue), name=f"llmgine-nats-send-{item.session_id}"
            )
            self._tasks[item.session_id] = task

    async def _send(self, session_id: str, queue: deque[Outgoing]) -> None:
        try:
            while queue:
                item = queue[0]
                stored = await self._store(item)
                queue.popleft()
                if stored is not None:
                    self._on_stored(item, *stored)
        finally:
            del self._tasks[session_id]
            if self._queues.get(session_id) is queue:
                del self._queues[session_id]
            while queue:  # cancelled at close: what was not sent is lost
                self._on_lost(queue.popleft(), "the transport closed before it was sent")

    async def _store(self, item: Outgoing) -> tuple[int, bool] | None:
        """The stream sequence once stored, and whether the stream had it already; None
        if the event can never be stored."""
        wait = _FIRST_WAIT
        headers = {"Nats-Msg-Id": item.event_id}
        while True:
            try:
                ack = await self._js.publish(
                    item.subject, item.data, timeout=self._timeout, headers=headers
                )
            except ConnectionClosedError:
                raise asyncio.CancelledError from None  # closing: handled as a cancel
            except APIError as exc:
                text = str(exc.description or exc)
                if any(mark in text.lower() for mark in _FULL):
                    self._set_full(text)
                else:
                    self._on_lost(item, f"the stream refused it: {text}")
                    return None
            except (NatsError, TimeoutError) as exc:
                logger.debug("sending %s failed (%s); retrying", item.event_id, exc)
            else:
                if self._full:
                    self._set_full(None)
                return ack.seq, bool(ack.duplicate)
            await asyncio.sleep(wait)
            wait = min(wait * 2, _MAX_WAIT)

    def _set_full(self, text: str | None) -> None:
        self._full = text is not None
        self._on_full(
            None
            if text is None
            else f"the NATS stream {self._stream!r} is full ({text}); it takes events again "
            f"once old ones age out or an operator raises its limits"
        )

    def tasks(self) -> list[asyncio.Task[None]]:
        return list(self._tasks.values())

    def cancel(self) -> None:
        for task in self._tasks.values():
            task.cancel()
