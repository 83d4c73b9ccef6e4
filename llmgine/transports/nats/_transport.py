"""``NatsTransport``: the bus across processes and machines, over NATS JetStream.

``MessageBus(transport=NatsTransport("nats://..."))`` keeps the bus's API; the parts:

    publish ─▶ Outbox ─▶ stream <ns>_events ─▶ Intake (every process) ─▶ Lanes ─▶ handlers
    execute ─▶ Caller ─▶ stream <ns>_commands ─▶ Worker (one, that serves the type)
                  ▲                                   │ result stored in <ns>_results
                  └────────── reply ◀────────────────┘ then acked

A bus that registers a command handler becomes a worker for that type; a bus with none is
a front end. The events a bus accepted count against its bound until the stream stored
them and its own handlers (if any want them) ran; ``wait_for_events`` waits for those:
events other processes publish arrive when they arrive. See ``docs/distributed.md`` for
the guarantees side by side with the in-process bus.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg

from llmgine.bus import ALL_EVENTS, Endpoint, TransportError, TransportStats, UsageError
from llmgine.config import Settings
from llmgine.messages import BUS_SCOPE, Command, CommandResult, Event, encode
from llmgine.transports.nats._advisory import Advisories
from llmgine.transports.nats._caller import Caller
from llmgine.transports.nats._connect import NatsAuth, connect, server_list
from llmgine.transports.nats._intake import Intake
from llmgine.transports.nats._lanes import Lanes
from llmgine.transports.nats._names import Names, token
from llmgine.transports.nats._options import NatsOptions
from llmgine.transports.nats._outbox import Outbox, Outgoing
from llmgine.transports.nats._own import OwnEvents
from llmgine.transports.nats._results import Results
from llmgine.transports.nats._setup import Layout, prepare
from llmgine.transports.nats._sync import ADVICE, check_sync
from llmgine.transports.nats._worker import Worker

logger = logging.getLogger("llmgine.transports.nats")


class NatsTransport:
    """Carries a bus's messages over NATS JetStream (see the module docstring).

    Args:
        url: the server(s), ``"nats://host:4222"`` or several (a list, or comma-separated);
            default: ``settings.bus_url``, else ``nats://127.0.0.1:4222``.
        auth: credentials and TLS (default: from ``settings``); never put them in the URL.
        settings: where the URL, namespace, credentials and monitoring URL come from when
            not given here (default: ``llmgine.config.load_settings()``).
        options: everything else (``NatsOptions``): namespace, partitions, ack wait, max
            deliveries, replicas, stream limits, the sync check, a durable subscription.
    """

    def __init__(
        self,
        url: str | Sequence[str] | None = None,
        *,
        auth: NatsAuth | None = None,
        settings: Settings | None = None,
        options: NatsOptions | None = None,
    ) -> None:
        if settings is None and (url is None or auth is None or options is None):
            from llmgine.config import load_settings

            settings = load_settings()
        self.servers = server_list(url, settings)
        self.auth = auth or (NatsAuth.from_settings(settings) if settings else NatsAuth())
        self.options = options or NatsOptions.from_settings(settings)
        opts = self.options
        self.names = Names(opts.namespace, opts.partitions)
        self._layout = Layout(
            self.names, opts.replicas, opts.duplicate_window, opts.commands, opts.events,
            opts.result_ttl,
        )  # fmt: skip
        self._endpoint: Endpoint | None = None
        self._lanes: Lanes | None = None
        self._own = OwnEvents(bound=opts.max_queue_size, hard_limit=opts.hard_limit)
        self._wanted: dict[str, set[str]] = {}
        self._serve_later: set[str] = set()
        self._client: Client | None = None
        self._outbox: Outbox | None = None
        self._intake: Intake | None = None
        self._caller: Caller | None = None
        self._worker: Worker | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closing = False

    async def ready(self) -> None:
        """Return once this bus fetches every command type it serves. ``start`` waits for
        the types registered before it; await this after registering more on a running
        bus, before telling others that it serves them."""
        if self._worker is not None:
            await self._worker.ready_all()

    # -- the Transport protocol --------------------------------------------------------

    def bind(self, endpoint: Endpoint) -> None:
        if self._endpoint is not None:
            raise UsageError("this transport already serves a bus; give each bus its own")
        self._endpoint = endpoint
        self._lanes = Lanes(endpoint, bound=self.options.max_queue_size, on_done=self._done)

    async def start(self) -> None:
        endpoint = self._bound()
        if self._client is not None:
            return
        opts = self.options
        await self._check_sync()
        client = await connect(
            self.servers, self.auth, name=f"llmgine {opts.namespace} {endpoint.bus_id}",
            timeout=opts.connect_timeout, ping_interval=opts.ping_interval,
            reconnected=self._reconnected,
        )  # fmt: skip
        self._client = client
        try:
            await self._wire(client, endpoint)
        except BaseException:
            self._client = None
            await client.close()
            raise

    async def _wire(self, client: Client, endpoint: Endpoint) -> None:
        opts, names = self.options, self.names
        js = client.jetstream(timeout=opts.send_timeout)
        try:
            event_info, _ = await prepare(js, self._layout)
        except UsageError:
            raise
        except Exception as exc:
            raise TransportError(
                f"could not set up the streams of {names.namespace!r}: {exc}"
            ) from None
        results = Results(
            client, names.results_bucket, timeout=opts.send_timeout, patience=opts.patience
        )
        self._outbox = Outbox(
            js, names.event_stream, timeout=opts.send_timeout, on_stored=self._stored,
            on_lost=self._lost, on_full=self._own.tally.set_full,
        )  # fmt: skip
        self._worker = Worker(
            client, js, names, results, endpoint, ack_wait=opts.ack_wait,
            max_deliver=opts.max_deliver, replicas=opts.replicas,
        )  # fmt: skip
        self._caller = Caller(
            client, js, names, results, endpoint,
            reply_subject=names.reply_subject(endpoint.bus_id),
            send_timeout=opts.send_timeout, send_patience=opts.patience,
            serving=self._worker.ready, spawn=self._spawn,
        )  # fmt: skip
        advisories = Advisories(js, names, results, endpoint, self._publish_core)
        await client.subscribe(names.reply_subject(endpoint.bus_id), cb=self._on_reply)
        await client.subscribe(names.cancel_subject, cb=self._on_cancel)
        await client.subscribe(names.advisories, cb=advisories.on_advisory)
        consumer = opts.durable or f"evt-{token(endpoint.bus_id)}"
        assert self._lanes is not None
        self._intake = Intake(
            client, js, names, self._lanes, consumer=consumer, durable=opts.durable is not None,
            replicas=opts.replicas,
            wanted=self._is_wanted, listening=lambda: bool(self._wanted),
            on_arrived=self._arrived, on_gap=self._gap,
        )  # fmt: skip
        await self._intake.prepare(event_info.state.last_seq)
        intake = self._intake
        self._own.last_seen = lambda: intake.last_seen
        self._keep(self._intake.loop().run(), "llmgine-nats-intake", essential=True)
        for wire_name in self._serve_later:
            self._worker.serve(wire_name)
        await self._worker.ready_all()  # what was registered before the start is served now

    def has_room(self) -> bool:
        return self._own.tally.has_room()

    async def wait_for_room(self, *, inside_handler: bool, may_wait: bool) -> None:
        await self._own.tally.wait_for_room(inside_handler=inside_handler, may_wait=may_wait)

    def publish(self, event: Event) -> None:
        outbox = self._outbox
        if outbox is None:
            raise TransportError("the NATS transport is not connected (start the bus first)")
        subject = self.names.event_subject(event.session_id, event.wire_name)
        self._own.add(event.event_id, event.session_id)
        outbox.put(Outgoing(event.event_id, event.session_id, subject, encode(event)))

    async def request(self, command: Command[Any], timeout: float | None) -> CommandResult[Any]:
        if self._caller is None or self._closing:
            raise TransportError("the NATS transport is not connected (start the bus first)")
        return await self._caller.request(command, timeout)

    def subscribe(self, wire_names: frozenset[str], session_id: str) -> None:
        self._wanted.setdefault(session_id, set()).update(wire_names)
        if self._intake is not None:
            self._intake.listening()

    def serve(self, wire_name: str, session_id: str) -> None:
        if self._worker is None:
            self._serve_later.add(wire_name)
        else:
            self._worker.serve(wire_name)

    async def wait_idle(self) -> None:
        await self._own.tally.wait_idle()

    async def drain(self, session_id: str) -> None:
        await self._own.tally.wait_session(session_id)

    def abandon(self) -> None:
        if self._lanes is not None:
            self._lanes.cancel()
        self._own.lose_all()

    async def close(self) -> None:
        self._closing = True
        try:
            if self._worker is not None:
                await self._worker.close()  # what runs here finishes (its events are sent)
            await self._own.tally.wait_idle()
        finally:
            await self._shut_down()

    async def _shut_down(self) -> None:
        self._own.lose_all()
        for task in list(self._tasks):
            task.cancel()
        if self._outbox is not None:
            self._outbox.cancel()
        if self._lanes is not None:
            self._lanes.cancel()
        pending = [*self._tasks, *(self._outbox.tasks() if self._outbox else [])]
        pending += self._lanes.tasks() if self._lanes else []
        await asyncio.gather(*pending, return_exceptions=True)
        client, self._client = self._client, None
        if client is not None:
            await asyncio.shield(client.close())

    def stats(self) -> TransportStats:
        tally, lanes = self._own.tally, self._lanes
        return TransportStats(
            queued=tally.count, peak_queued=tally.peak, bound=tally.bound,
            delivered=lanes.delivered if lanes else 0, lost=tally.lost,
            busy_sessions=lanes.busy_sessions if lanes else 0,
        )  # fmt: skip

    def wake(self) -> None:
        self._own.tally.wake()

    # -- events: what this bus published, until stored and delivered here ----------------

    def _is_wanted(self, session_id: str, wire_name: str) -> bool:
        for scope in (BUS_SCOPE, session_id):
            names = self._wanted.get(scope)
            if names and (wire_name in names or ALL_EVENTS in names):
                return True
        return False

    def _stored(self, item: Outgoing, sequence: int, duplicate: bool) -> None:
        self._own.stored(item.event_id, sequence, duplicate)

    def _lost(self, item: Outgoing, reason: str) -> None:
        logger.warning("event %s was not stored: %s", item.event_id, reason)
        self._own.lose(item.event_id)

    def _arrived(self, event_id: str, sequence: int, wanted: bool) -> None:
        self._own.arrived(event_id, sequence, wanted)

    def _done(self, event: Event, delivered: bool) -> None:
        self._own.delivered(event.event_id, delivered)
        if self._intake is not None and delivered and self.options.durable is not None:
            self._spawn(self._intake.delivered(event))

    def _gap(self, first: int, last: int) -> None:
        count = last - first + 1
        logger.warning("this process missed %d events (%d-%d): the stream no longer has them",
                       count, first, last)  # fmt: skip
        self._own.missed(first, last)
        endpoint = self._bound()
        from llmgine.transports.nats._messages import EventsMissedEvent

        missed = EventsMissedEvent(
            bus_id=endpoint.bus_id, first_sequence=first, last_sequence=last, count=count,
            session_id=BUS_SCOPE, parent_id=None,
        )  # fmt: skip
        self._spawn(endpoint.emit(missed))

    # -- commands ------------------------------------------------------------------------

    def _reconnected(self) -> None:
        if self._caller is not None and not self._closing:
            self._spawn(self._caller.look_again())  # a reply may have been lost meanwhile

    async def _on_reply(self, msg: Msg) -> None:
        if self._caller is not None:
            self._caller.on_reply(msg)

    async def _on_cancel(self, msg: Msg) -> None:
        if self._worker is not None:
            self._worker.on_cancel(msg)

    async def _publish_core(self, subject: str, data: bytes, headers: dict[str, str]) -> None:
        if self._client is not None:
            await self._client.publish(subject, data, headers=headers)

    # -- housekeeping --------------------------------------------------------------------

    async def _check_sync(self) -> None:
        opts = self.options
        if opts.monitor_url is None:
            logger.info("no monitoring URL: whether the server syncs every write is unchecked")
            return
        try:
            report = await check_sync(opts.monitor_url, timeout=opts.connect_timeout)
        except (OSError, ValueError, TimeoutError) as exc:
            raise TransportError(
                f"could not check the server at {opts.monitor_url}: {exc}"
            ) from None
        if report.sync_always:
            return
        message = f"{report.describe()}; {ADVICE}"
        if opts.sync_check == "refuse":
            raise TransportError(f"refusing to run the bus on this NATS server: {message}")
        logger.warning("NATS SERVER DOES NOT SYNC EVERY WRITE: %s", message)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        self._keep(work, "llmgine-nats-background", essential=False)

    def _keep(self, work: Coroutine[Any, Any, None], name: str, *, essential: bool) -> None:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._ended(t, essential))

    def _ended(self, task: asyncio.Task[Any], essential: bool) -> None:
        self._tasks.discard(task)
        failed = task.cancelled() or task.exception() is not None
        if failed and essential and not self._closing:
            # Cancelled by someone else (the loop is ending) or crashed: nothing arrives now.
            why = "cancelled" if task.cancelled() else repr(task.exception())
            self._own.tally.set_broken(f"the NATS transport stopped receiving events ({why})")
            self._own.lose_all()

    def _bound(self) -> Endpoint:
        if self._endpoint is None:
            raise UsageError("the transport is not bound to a bus yet")
        return self._endpoint
