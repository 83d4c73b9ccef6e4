"""Receiving events: every event of the namespace, in stream order, into the lanes.

Each process reads the whole events stream through a consumer of its own and keeps the
events a handler here wants (by the wire name and session in the subject, before
decoding). It asks the server for no more than the lanes have room for, so a process that
falls behind leaves the backlog in the stream rather than in memory, and catches up from
there.

- Ephemeral (the default): a consumer that starts after the last event stored when the
  bus started, acknowledges nothing, and is made again from the last sequence seen if the
  server loses it (a restart). Events stored while the process was away are not seen.
- Durable (``durable="name"``): a named consumer that outlives the process: each event is
  acknowledged once delivered here, so a restarted process resumes where it left off.

The stream numbers events without holes, so a jump in the sequence means events were
removed before this process read them (aged out, or dropped from a full stream that
discards old ones); ``on_gap`` reports them. An event delivered again (a durable consumer
after a restart) while it still waits here is not queued twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from llmgine.messages import DecodeError, Event, decode
from llmgine.transports.nats._lanes import Lanes
from llmgine.transports.nats._names import Names
from llmgine.transports.nats._pull import PullLoop

logger = logging.getLogger("llmgine.transports.nats")

_MAX_BATCH = 256
_DURABLE_ACK_WAIT = 300.0
_EPHEMERAL_IDLE = 3600.0


class Intake:
    """See the module docstring."""

    def __init__(
        self,
        client: Client,
        js: JetStreamContext,
        names: Names,
        lanes: Lanes,
        *,
        consumer: str,
        durable: bool,
        wanted: Callable[[str, str], bool],
        on_arrived: Callable[[str, int, bool], None],
        on_gap: Callable[[int, int], None],
    ) -> None:
        self._client = client
        self._js = js
        self._names = names
        self._lanes = lanes
        self._consumer = consumer
        self._durable = durable
        self._wanted = wanted
        self._on_arrived = on_arrived
        self._on_gap = on_gap
        self.last_seen = 0
        self._waiting: dict[str, Msg] = {}
        """Durable: events queued here, by id, with the message to acknowledge."""

    async def prepare(self, stream_last: int) -> None:
        """Make (or find) the consumer; ``stream_last`` is the stream's last sequence now."""
        if not self._durable:
            self.last_seen = stream_last
            await self._create_ephemeral()
            return
        try:
            info = await self._js.consumer_info(self._names.event_stream, self._consumer)
            self.last_seen = info.ack_floor.stream_seq if info.ack_floor else stream_last
        except NotFoundError:
            self.last_seen = stream_last
            await self._js.add_consumer(self._names.event_stream, self._config())

    def loop(self) -> PullLoop:
        return PullLoop(
            self._client, self._names.event_stream, self._consumer, self._take,
            room=lambda: min(self._lanes.room(), _MAX_BATCH),
            room_changed=self._lanes.room_changed, ensure=self._ensure, heartbeat=1.0,
        )  # fmt: skip

    def _config(self) -> ConsumerConfig:
        if self._durable:
            return ConsumerConfig(
                durable_name=self._consumer, name=self._consumer, ack_policy=AckPolicy.EXPLICIT,
                ack_wait=_DURABLE_ACK_WAIT, deliver_policy=DeliverPolicy.NEW,
                max_ack_pending=self._lanes.bound, filter_subject=self._names.event_subjects,
                max_waiting=16,
            )  # fmt: skip
        return ConsumerConfig(
            name=self._consumer, ack_policy=AckPolicy.NONE, mem_storage=True, num_replicas=1,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=self.last_seen + 1,
            inactive_threshold=_EPHEMERAL_IDLE, filter_subject=self._names.event_subjects,
            max_waiting=16,
        )  # fmt: skip

    async def _create_ephemeral(self) -> None:
        await self._js.add_consumer(self._names.event_stream, self._config())

    async def _ensure(self) -> None:
        try:
            await self._js.consumer_info(self._names.event_stream, self._consumer)
        except NotFoundError:
            logger.info("event consumer %s was lost; making it again", self._consumer)
            if self._durable:
                await self._js.add_consumer(self._names.event_stream, self._config())
            else:
                await self._create_ephemeral()

    async def _take(self, msg: Msg) -> None:
        sequence = msg.metadata.sequence.stream
        event_id = msg.headers.get("Nats-Msg-Id", "") if msg.headers else ""
        if sequence <= self.last_seen and not self._durable:
            return  # seen already (a request that outlived a reset)
        if self._durable and event_id in self._waiting:
            return  # delivered again while it still waits here
        if sequence > self.last_seen + 1:
            self._on_gap(self.last_seen + 1, sequence - 1)
        self.last_seen = max(self.last_seen, sequence)
        session_id, wire_name = self._names.event_route(msg.subject)
        event = self._decoded(msg) if self._wanted(session_id, wire_name) else None
        if event is None:
            self._on_arrived(event_id, sequence, False)
            if self._durable:
                await msg.ack()
            return
        if self._durable:
            self._waiting[event.event_id] = msg
        self._on_arrived(event_id, sequence, True)
        self._lanes.put(event)

    def _decoded(self, msg: Msg) -> Event | None:
        try:
            event = decode(msg.data)
        except DecodeError as exc:
            logger.warning("skipped an event this process cannot read (%s): %s", msg.subject, exc)
            return None
        return event if isinstance(event, Event) else None

    async def delivered(self, event: Event) -> None:
        """Durable: acknowledge an event once it was delivered here."""
        msg = self._waiting.pop(event.event_id, None)
        if msg is not None:
            await msg.ack()
