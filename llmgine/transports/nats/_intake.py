"""Receiving events: every event of the namespace, in stream order, into the lanes.

Each process reads the whole events stream through a consumer of its own and keeps the
events a handler here wants (by the wire name and session in the subject, before
decoding). It asks the server for no more than the lanes have room for, so a process that
falls behind leaves the backlog in the stream rather than in memory, and catches up from
there.

- Ephemeral (the default): a consumer in memory on one server, that starts after the
  last event stored when the bus started and acknowledges nothing. When pulling from it
  fails (the server restarted and lost it, or the node of a cluster that held it is
  down or paused), a new one is made, under a new name, from the last sequence seen; the
  old one, if it still exists, goes once idle. Events stored while the process was away
  are not seen.
- Durable (``durable="name"``): a named consumer, replicated like the stream, that
  outlives the process: each event is acknowledged once delivered here, so a restarted
  process resumes where it left off. It starts reading once a handler here wants events
  (register them before starting the bus: what arrives while nothing here wants it is
  acknowledged and skipped, as by any subscriber). One that died with events delivered
  and not yet acknowledged starts again after the last event acknowledged in order: at
  least once, in order (an event whose handlers ran but whose acknowledgement was lost
  comes again).

The stream numbers events without holes, so a jump in the sequence means events were
either lost on the way (sent while the connection was down: an ephemeral consumer,
which acknowledges nothing, counts them as delivered) or removed from the stream before
this process read them (aged out, or dropped from a full stream that discards old ones).
The stream's first sequence tells which: the first are read again through a new
consumer, the second are reported (``on_gap``). An event delivered again (a durable consumer
after a restart) while it still waits here is not queued twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
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
_EPHEMERAL_IDLE = 120.0
"""Seconds an ephemeral consumer nobody pulls from is kept (one left behind goes then)."""


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
        replicas: int,
        wanted: Callable[[str, str], bool],
        listening: Callable[[], bool],
        on_arrived: Callable[[str, int, bool], None],
        on_gap: Callable[[int, int], None],
    ) -> None:
        self._client = client
        self._js = js
        self._names = names
        self._lanes = lanes
        self._base = consumer
        self._consumer = consumer
        self._moves = 0
        self._fresh = True
        """No event came through the current consumer yet."""
        self._durable = durable
        self._replicas = replicas
        self._wanted = wanted
        self._listening = listening
        self._on_arrived = on_arrived
        self._on_gap = on_gap
        self.last_seen = 0
        self._waiting: dict[str, Msg] = {}
        """Durable: events queued here, by id, with the message to acknowledge."""

    async def prepare(self, stream_last: int) -> None:
        """Make (or find) the consumer; ``stream_last`` is the stream's last sequence now."""
        stream, name = self._names.event_stream, self._consumer
        if not self._durable:
            self.last_seen = stream_last
            await self._js.add_consumer(stream, self._config(name))
            return
        try:
            info = await self._js.consumer_info(stream, name)
        except NotFoundError:
            self.last_seen = stream_last
            await self._js.add_consumer(stream, self._config(name))
            return
        floor = info.ack_floor.stream_seq if info.ack_floor else 0
        self.last_seen = floor or stream_last
        if info.num_ack_pending:
            # Delivered to this process's last run and never acknowledged (it died): start
            # again after the last event acknowledged in order, rather than wait for the
            # server to send them again, later and out of order.
            pending = info.num_ack_pending
            logger.info("durable subscription %s: %d events were not acknowledged; reading "
                        "again from sequence %d", name, pending, floor + 1)  # fmt: skip
            await self._js.delete_consumer(stream, name)
            await self._js.add_consumer(stream, self._config(name))

    def loop(self) -> PullLoop:
        return PullLoop(
            self._client, self._names.event_stream, self._consumer, self._take,
            room=self._room,
            room_changed=self._lanes.room_changed, ensure=self._ensure, heartbeat=1.0,
        )  # fmt: skip

    def _room(self) -> int:
        if self._durable and not self._listening():
            return 0  # a durable one acknowledges what nobody here wants: wait for handlers
        return min(self._lanes.room(), _MAX_BATCH)

    def listening(self) -> None:
        """A handler here now wants events (a durable subscription starts reading)."""
        self._lanes.room_changed.set()

    def _config(self, name: str) -> ConsumerConfig:
        if self._durable:
            return ConsumerConfig(
                durable_name=name, name=name, ack_policy=AckPolicy.EXPLICIT,
                ack_wait=_DURABLE_ACK_WAIT, deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                opt_start_seq=self.last_seen + 1,
                max_ack_pending=self._lanes.bound, filter_subject=self._names.event_subjects,
                max_waiting=16, num_replicas=self._replicas,
            )  # fmt: skip
        return ConsumerConfig(
            name=name, ack_policy=AckPolicy.NONE, mem_storage=True, num_replicas=1,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=self.last_seen + 1,
            inactive_threshold=_EPHEMERAL_IDLE, filter_subject=self._names.event_subjects,
            max_waiting=16,
        )  # fmt: skip

    async def _ensure(self) -> str:
        """After a failed pull: the consumer to pull from next (see the module docstring).
        Raises while the server cannot be reached; the loop asks again."""
        if self._durable:  # replicated with the stream: it comes back with its servers
            try:
                await self._js.consumer_info(self._names.event_stream, self._consumer)
            except NotFoundError:
                logger.info("event consumer %s was lost; making it again", self._consumer)
                await self._js.add_consumer(self._names.event_stream, self._config(self._consumer))
            return self._consumer
        self._moves += 1
        name = f"{self._base}-{self._moves}"
        await self._js.add_consumer(self._names.event_stream, self._config(name))
        logger.info("reading events through %s from sequence %d", name, self.last_seen + 1)
        self._consumer, self._fresh = name, True
        return name

    async def _take(self, msg: Msg) -> bool:
        """Take one event; False: stop, and read again through a new consumer."""
        sequence = msg.metadata.sequence.stream
        event_id = msg.headers.get("Nats-Msg-Id", "") if msg.headers else ""
        fresh, self._fresh = self._fresh, False
        if sequence <= self.last_seen and not self._durable:
            return True  # seen already (read again by a consumer made from an earlier point)
        if self._durable and event_id in self._waiting:
            return True  # delivered again while it still waits here
        if sequence > self.last_seen + 1:
            first = await self._stream_first()
            still_there = first < sequence if first is not None else not fresh
            if still_there and not self._durable:
                # Sent to this process while its connection was down: lost on the way, not
                # from the stream. Read them again, in order.
                logger.info("events %d-%d were lost on the way here; reading them again",
                            self.last_seen + 1, sequence - 1)  # fmt: skip
                return False
            if not still_there:
                self._on_gap(self.last_seen + 1, sequence - 1)
            # A durable consumer delivers the ones lost on the way again after its ack wait.
        self.last_seen = max(self.last_seen, sequence)
        session_id, wire_name = self._names.event_route(msg.subject)
        event = self._decoded(msg) if self._wanted(session_id, wire_name) else None
        if event is None:
            self._on_arrived(event_id, sequence, False)
            if self._durable:
                await msg.ack()
            return True
        if self._durable:
            self._waiting[event.event_id] = msg
        self._on_arrived(event_id, sequence, True)
        self._lanes.put(event)
        return True

    async def _stream_first(self) -> int | None:
        """The first sequence the stream still holds (None: the server did not say)."""
        try:
            info = await self._js.stream_info(self._names.event_stream)
        except (NatsError, TimeoutError) as exc:
            logger.debug("could not read the events stream's state: %s", exc)
            return None
        return int(info.state.first_seq)

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
