"""The worker's side of a command: fetch it, run it once, store its result, then ack.

A bus serves a command type by pulling from that type's consumers: one per partition, each
with at most one unacknowledged message (so a session's commands run in order even when
one is delivered again), and one for steps sent by other workers' handlers (``n``,
unordered). Every worker that serves the type pulls from all of them, so a worker that
dies leaves nothing pinned: after ``ack_wait`` the server hands its commands to another.

For each message: if a result is stored under its key already (an earlier delivery
finished, or the caller gave up), that result is sent again and the message acked; the
handler does not run. Otherwise the handler runs with the command's step scope (see
``_steps``), reporting progress every third of ``ack_wait`` so that long work is not
delivered a second time; its result is stored (create-if-absent), sent to the caller,
and only then acked. A worker that has no handler for the command here (its handler was
unregistered, or is scoped to other sessions) leaves it to other workers. A caller's
cancel notice cancels the handler; a worker that stops cancels what it still runs and
gives it back to the stream at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import APIError, NotFoundError

from llmgine.bus import Endpoint, TransportError
from llmgine.messages import (
    Command,
    CommandResult,
    DecodeError,
    EncodeError,
    Failure,
    decode,
    encode,
)
from llmgine.transports.nats._names import KEY, NESTED, REPLY, TIMEOUT, Names, untoken
from llmgine.transports.nats._pull import PullLoop
from llmgine.transports.nats._results import Results
from llmgine.transports.nats._steps import Scope, current

logger = logging.getLogger("llmgine.transports.nats")

_LEAVE_DELAY = 0.1
"""Seconds before a command this worker cannot handle is offered again."""
_STEPS_IN_FLIGHT = 1000
_PULL_BATCH = 64
"""Messages one pull request asks for. A partition's consumer still hands out one at a
time (``max_ack_pending`` 1): the request stays open and takes the next command as soon as
the last is acked, so a busy partition costs no request per command."""


class Worker:
    """Serves the command types of one bus (see the module docstring)."""

    def __init__(
        self,
        client: Client,
        js: JetStreamContext,
        names: Names,
        results: Results,
        endpoint: Endpoint,
        *,
        ack_wait: float,
        max_deliver: int,
        replicas: int,
    ) -> None:
        self._client = client
        self._js = js
        self._names = names
        self._results = results
        self._endpoint = endpoint
        self._ack_wait = ack_wait
        self._max_deliver = max_deliver
        self._replicas = replicas
        self._setups: dict[str, asyncio.Task[None]] = {}
        self._loops: list[asyncio.Task[None]] = []
        self._deliveries: set[asyncio.Task[None]] = set()
        self._running: dict[str, asyncio.Task[None]] = {}
        """The delivery task running each command here, by key."""
        self._called_off: set[str] = set()
        """Keys whose caller cancelled them (their task is being cancelled for that)."""
        self._closing = False

    @property
    def busy(self) -> int:
        """Commands being handled here right now."""
        return len(self._running)

    def serve(self, wire_name: str) -> None:
        if wire_name not in self._setups and not self._closing:
            self._setups[wire_name] = asyncio.get_running_loop().create_task(
                self._set_up(wire_name), name=f"llmgine-nats-serve-{wire_name}"
            )

    async def ready(self, wire_name: str) -> None:
        """Return once this worker's consumers for ``wire_name`` exist (if it serves it)."""
        setup = self._setups.get(wire_name)
        if setup is not None:
            await asyncio.wait({setup})

    async def ready_all(self) -> None:
        while pending := [s for s in self._setups.values() if not s.done()]:
            await asyncio.wait(pending)

    async def _set_up(self, wire_name: str) -> None:
        try:
            await self._set_up_consumers(wire_name)
        except (NatsError, TimeoutError) as exc:
            logger.error("could not serve %s: %s", wire_name, exc)
            self._setups.pop(wire_name, None)  # a later registration tries again

    async def _set_up_consumers(self, wire_name: str) -> None:
        for part in [*self._names.parts(), NESTED]:
            name = self._names.consumer(wire_name, part)
            config = self._config(wire_name, part, name)
            await self._ensure(config)
            loop = PullLoop(
                self._client, self._names.command_stream, name, self._take, room=_batch,
                ensure=functools.partial(self._ensure, config), heartbeat=2.0,
            )  # fmt: skip
            self._loops.append(asyncio.get_running_loop().create_task(loop.run(), name=name))

    def _config(self, wire_name: str, part: str, name: str) -> ConsumerConfig:
        return ConsumerConfig(
            name=name, durable_name=name,
            filter_subject=self._names.consumer_filter(wire_name, part),
            ack_policy=AckPolicy.EXPLICIT, ack_wait=self._ack_wait, max_deliver=self._max_deliver,
            max_ack_pending=_STEPS_IN_FLIGHT if part == NESTED else 1,
            deliver_policy=DeliverPolicy.NEW, num_replicas=self._replicas, max_waiting=512,
        )  # fmt: skip

    async def _ensure(self, config: ConsumerConfig) -> None:
        assert config.name is not None
        try:
            await self._js.consumer_info(self._names.command_stream, config.name)
        except NotFoundError:
            try:
                await self._js.add_consumer(self._names.command_stream, config)
            except APIError:  # made meanwhile by another worker, maybe with other settings
                await self._js.consumer_info(self._names.command_stream, config.name)

    async def _take(self, msg: Msg) -> bool:
        task = asyncio.get_running_loop().create_task(self._deliver(msg))
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)
        return True

    # -- one delivery ------------------------------------------------------------------

    async def _deliver(self, msg: Msg) -> None:
        headers = msg.headers or {}
        key = headers.get("Nats-Msg-Id", "")
        try:
            stored = await self._results.get(key)
            if stored is None:
                result = await self._run(msg, key)
                if result is None:
                    return  # left to another worker
                stored, _ = await self._results.store(key, encode(result))
            await self._answer(key, headers.get(REPLY), stored)
            await msg.ack()
        except (TransportError, NatsError, EncodeError) as exc:
            # Not acked: the server delivers it again after ack_wait, and the stored
            # results of its steps spare the work done so far.
            logger.warning("could not finish command %s here: %s", key, exc)

    async def _run(self, msg: Msg, key: str) -> CommandResult[Any] | None:
        try:
            command = decode(msg.data)
        except DecodeError as exc:
            return _unreadable(msg, key, exc)
        if not isinstance(command, Command):
            return _unreadable(msg, key, DecodeError("it is not a command"))
        if not self._endpoint.handles(type(command), command.session_id):
            await msg.nak(delay=_LEAVE_DELAY)
            return None
        timeout_text = (msg.headers or {}).get(TIMEOUT)
        timeout = float(timeout_text) if timeout_text else None
        # The handler runs in this very task (its own context: its steps are keyed by this
        # command); a caller's cancel notice cancels the task, and is told from a stop.
        current.set(Scope(key, replaying=msg.metadata.num_delivered > 1))
        task = asyncio.current_task()
        assert task is not None
        self._running[key] = task
        beat = _Beat(msg, max(self._ack_wait / 3, 0.05))
        try:
            return await self._endpoint.handle(command, timeout)
        except asyncio.CancelledError:
            if key not in self._called_off:
                with contextlib.suppress(NatsError):  # this worker is stopping: give it back
                    await msg.nak()
                raise
            task.uncancel()
            failure = Failure(kind="cancelled", message="the caller cancelled the command")
            return CommandResult.failed(command, failure)
        finally:
            beat.stop()
            self._running.pop(key, None)
            self._called_off.discard(key)

    async def _answer(self, key: str, reply: str | None, stored: bytes) -> None:
        if reply:
            await self._client.publish(reply, stored, headers={KEY: key})

    def on_cancel(self, msg: Msg) -> None:
        """A caller gave up on a command: stop it if it runs here."""
        key = msg.headers.get(KEY) if msg.headers else None
        handling = self._running.get(key or "")
        if handling is not None and not handling.done() and key not in self._called_off:
            self._called_off.add(key or "")
            handling.cancel()

    # -- stopping ----------------------------------------------------------------------

    async def close(self) -> None:
        """Stop fetching, let the commands running here finish, then return. Cancelled
        (the bus's stop ran out of time), it hands them back to the stream instead."""
        self._closing = True
        for task in [*self._setups.values(), *self._loops]:
            task.cancel()
        await asyncio.gather(*self._setups.values(), *self._loops, return_exceptions=True)
        try:
            while self._deliveries:
                await asyncio.wait(set(self._deliveries))
        except asyncio.CancelledError:
            for task in self._deliveries:
                task.cancel()
            await asyncio.gather(*self._deliveries, return_exceptions=True)
            raise


class _Beat:
    """Tells the server every ``interval`` seconds that ``msg`` is still being worked on,
    so that it is not delivered again while its handler runs (a timer, not a task: most
    commands end before the first beat)."""

    __slots__ = ("_handle", "_interval", "_msg", "_sending")

    def __init__(self, msg: Msg, interval: float) -> None:
        self._msg = msg
        self._interval = interval
        self._sending: asyncio.Task[None] | None = None
        self._handle = asyncio.get_running_loop().call_later(interval, self._due)

    def _due(self) -> None:
        loop = asyncio.get_running_loop()
        if self._sending is None or self._sending.done():
            self._sending = loop.create_task(self._send())
        self._handle = loop.call_later(self._interval, self._due)

    async def _send(self) -> None:
        with contextlib.suppress(NatsError):
            await self._msg.in_progress()

    def stop(self) -> None:
        self._handle.cancel()
        if self._sending is not None:
            self._sending.cancel()


def _batch() -> int:
    return _PULL_BATCH


def _unreadable(msg: Msg, key: str, exc: DecodeError) -> CommandResult[Any]:
    """The failed result of a command this process cannot read (a newer version of its
    class, or not a message at all): delivering it again would not help."""
    parts = msg.subject.split(".")
    wire_name, session_id = untoken(parts[-3]), untoken(parts[-1])
    failure = Failure(kind="handler_error", message=f"the worker could not read the command: {exc}")
    return CommandResult(
        success=False, command_id=key, command_type=wire_name, session_id=session_id,
        error=failure.describe(), failure=failure,
    )  # fmt: skip
