"""The caller's side of a command: send it once, get its one result back.

A command sent from outside a handler goes to its type's partition for its session and is
keyed by its own id; one sent by a delivered command's handler is a step of that command
(``_steps``): it runs right here when this bus handles its type, else on another worker
through the unordered ``n`` partition (its parent already keeps it in order).

Sending: the command is published with ``Nats-Msg-Id`` = its key, so sending it again
(after a lost acknowledgement, or a caller retrying ``execute`` with the same command)
is dropped by the stream, and a result already stored is read back instead of run again.
Waiting: the worker sends the result to this bus's reply subject once it is stored; the
bucket is read after a reconnect (a reply sent meanwhile is lost: core NATS keeps
nothing) and, as a safety net, now and then (every 2 s, then up to every 10 s). At the
caller's timeout, or when the caller is cancelled, the caller stores a failed result
itself (if none is there yet) and tells the worker to stop: the first result stored is
the command's outcome for everyone.

A type that no worker serves (no consumer exists for it) fails at once, as in process;
one whose workers are all away waits in the stream for the next, up to the timeout.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import APIError, NotFoundError

from llmgine.bus import Endpoint, TransportError
from llmgine.messages import (
    BUS_SCOPE,
    Command,
    CommandResult,
    DecodeError,
    EncodeError,
    Failure,
    decode,
    encode,
)
from llmgine.transports.nats import _direct
from llmgine.transports.nats._names import KEY, NESTED, REPLY, TIMEOUT, Names, result_key
from llmgine.transports.nats._results import Results
from llmgine.transports.nats._steps import Scope, as_result_of, current, final

logger = logging.getLogger("llmgine.transports.nats")

_FIRST_POLL = 2.0
_MAX_POLL = 10.0
"""Seconds between looks at the bucket while waiting: a safety net only (replies come by
message, and a reconnect, when one can be lost, looks at once)."""
_MAX_WAIT = 1.0


class Caller:
    """Sends commands and waits for their results (see the module docstring)."""

    def __init__(
        self,
        client: Client,
        js: JetStreamContext,
        names: Names,
        results: Results,
        endpoint: Endpoint,
        *,
        reply_subject: str,
        send_timeout: float,
        send_patience: float,
        serving: Callable[[str], Awaitable[None]],
        spawn: Callable[[Coroutine[Any, Any, None]], None],
    ) -> None:
        self._client = client
        self._js = js
        self._names = names
        self._results = results
        self._endpoint = endpoint
        self._reply_subject = reply_subject
        self._send_timeout = send_timeout
        self._send_patience = send_patience
        self._serving = serving
        self._spawn = spawn
        self._waiting: dict[str, list[_Waiting]] = {}
        self._served: set[str] = set()

    async def request(self, command: Command[Any], timeout: float | None) -> CommandResult[Any]:
        scope = current.get()
        wire = command.wire_name
        if scope is not None:
            key = scope.child_key(command)
            if self._endpoint.handles(type(command), command.session_id):
                return await self._run_here(key, command, timeout, scope)
            part = NESTED
        else:
            key = result_key(command.command_id)
            part = self._names.part(command.session_id)
        if not await self._is_served(wire, part):
            return _no_worker(command)
        subject = self._names.command_subject(wire, part, command.session_id)
        return await self._send(key, subject, command, timeout)

    # -- a step that runs right here ---------------------------------------------------

    async def _run_here(
        self, key: str, command: Command[Any], timeout: float | None, scope: Scope
    ) -> CommandResult[Any]:
        if scope.replaying:
            try:
                stored = await self._results.get(key)
            except TransportError as exc:
                logger.warning("could not look up step %s, running it: %s", key, exc)
                stored = None
            if stored is not None:
                logger.info("%s answered from its first run (step %s)", command.wire_name, key)
                return _read(stored, command)
        token = current.set(scope.child(key))
        try:
            result = await self._endpoint.handle(command, timeout)
        finally:
            current.reset(token)
        if not final(result):
            return result
        try:
            stored, ours = await self._results.store(key, encode(result))
        except (TransportError, EncodeError) as exc:
            logger.warning("could not record step %s (%s); a replay will run it again", key, exc)
            return result
        return result if ours else _read(stored, command)

    # -- a command sent through the stream ---------------------------------------------

    async def _is_served(self, wire: str, part: str) -> bool:
        consumer = self._names.consumer(wire, part)
        if consumer in self._served:
            return True
        await self._serving(wire)  # this very bus may be making it right now
        loop = asyncio.get_running_loop()
        end = loop.time() + self._send_patience
        wait = 0.02
        while True:
            try:
                await self._js.consumer_info(self._names.command_stream, consumer)
            except NotFoundError:
                return False
            except ConnectionClosedError:
                raise TransportError("the NATS connection is closed") from None
            except (NatsError, TimeoutError) as exc:
                if loop.time() + wait >= end:
                    raise TransportError(f"could not look up who serves {wire}: {exc!r}") from None
                await asyncio.sleep(wait)
                wait = min(wait * 2, _MAX_WAIT)
                continue
            self._served.add(consumer)
            return True

    async def _send(
        self, key: str, subject: str, command: Command[Any], timeout: float | None
    ) -> CommandResult[Any]:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        waiting = _Waiting(loop.create_future())
        self._waiting.setdefault(key, []).append(waiting)
        try:
            headers = {"Nats-Msg-Id": key, REPLY: self._reply_subject}
            if timeout is not None:
                headers[TIMEOUT] = repr(timeout)
            again = await self._publish(subject, encode(command), headers, deadline)
            stored = await self._wait(key, waiting, deadline, look_now=again)
            if stored is None:
                name = type(command).__name__
                message = f"{name} did not finish within {timeout:g} s and was cancelled"
                stored = await self._give_up(key, command, Failure(kind="timeout", message=message))
            return _read(stored, command)
        except asyncio.CancelledError:
            failure = Failure(kind="cancelled", message="the caller was cancelled")
            self._spawn(self._abandon(key, command, failure))
            raise
        finally:
            waits = self._waiting.get(key, [])
            if waiting in waits:
                waits.remove(waiting)
            if not waits:
                self._waiting.pop(key, None)

    async def _publish(
        self, subject: str, data: bytes, headers: dict[str, str], deadline: float | None
    ) -> bool:
        """Store the command in the stream; True if it was there already."""
        loop = asyncio.get_running_loop()
        end = loop.time() + self._send_patience
        if deadline is not None:
            end = min(end, deadline)
        wait = 0.02
        while True:
            timeout = max(0.05, min(self._send_timeout, end - loop.time()))
            try:
                ack = await _direct.put(
                    self._client, subject, data, headers=headers, timeout=timeout
                )
                return ack.duplicate
            except ConnectionClosedError:
                raise TransportError("the NATS connection is closed") from None
            except APIError as exc:
                text = str(exc.description or exc)
                raise TransportError(f"the commands stream refused the command: {text}") from None
            except (NatsError, TimeoutError) as exc:
                logger.debug("sending command %s failed (%s); sending it again",
                             headers["Nats-Msg-Id"], type(exc).__name__)  # fmt: skip
                if loop.time() + wait >= end:
                    raise TransportError(
                        f"could not store the command in the stream ({type(exc).__name__}); "
                        f"it may still run: execute the same command again to get its result"
                    ) from None
            await asyncio.sleep(wait)
            wait = min(wait * 2, _MAX_WAIT)

    async def _wait(
        self, key: str, waiting: _Waiting, deadline: float | None, *, look_now: bool
    ) -> bytes | None:
        """The stored result, or None once ``deadline`` passed."""
        loop = asyncio.get_running_loop()
        poll = 0.0 if look_now else _FIRST_POLL
        while True:
            timeout = poll if deadline is None else min(poll, max(0.0, deadline - loop.time()))
            timer = loop.call_later(timeout, _nudge, waiting.reply)
            try:
                stored = await waiting.reply
            finally:
                timer.cancel()
            if stored is not None:
                return stored
            # Nudged: time to look in the bucket (a reply from now on lands in a new future;
            # one that came just before is in the bucket already: it is stored first).
            waiting.reply = loop.create_future()
            stored = await self._results.get(key)
            if stored is not None:
                return stored
            if deadline is not None and loop.time() >= deadline:
                return None
            poll = min(max(poll * 2, _FIRST_POLL), _MAX_POLL)

    async def _give_up(self, key: str, command: Command[Any], failure: Failure) -> bytes:
        stored, _ = await self._results.store(key, encode(CommandResult.failed(command, failure)))
        await self._client.publish(self._names.cancel_subject, b"", headers={KEY: key})
        return stored

    async def _abandon(self, key: str, command: Command[Any], failure: Failure) -> None:
        try:
            await self._give_up(key, command, failure)
        except (TransportError, NatsError) as exc:
            logger.info("could not record that the caller of %s left: %s", key, exc)

    async def look_again(self) -> None:
        """Read the bucket for every command waited for (after a reconnect)."""
        for key in list(self._waiting):
            try:
                stored = await self._results.get(key)
            except TransportError as exc:
                logger.debug("could not look up result %s after a reconnect: %s", key, exc)
                return
            if stored is not None:
                for waiting in self._waiting.get(key, ()):
                    if not waiting.reply.done():
                        waiting.reply.set_result(stored)

    def on_reply(self, msg: Msg) -> None:
        key = msg.headers.get(KEY) if msg.headers else None
        for waiting in self._waiting.get(key or "", ()):
            if not waiting.reply.done():
                waiting.reply.set_result(msg.data)


class _Waiting:
    """One caller waiting for a result: ``reply`` gets the stored result when it comes,
    or None when it is time to look in the bucket (``_nudge``)."""

    __slots__ = ("reply",)

    def __init__(self, reply: asyncio.Future[bytes | None]) -> None:
        self.reply = reply


def _nudge(reply: asyncio.Future[bytes | None]) -> None:
    if not reply.done():
        reply.set_result(None)


def _read(stored: bytes, command: Command[Any]) -> CommandResult[Any]:
    try:
        result = decode(stored)
    except DecodeError as exc:
        failure = Failure(kind="transport_error", message=f"the stored result is unreadable: {exc}")
        return CommandResult.failed(command, failure)
    if not isinstance(result, CommandResult):
        failure = Failure(kind="transport_error", message="the stored result is not a result")
        return CommandResult.failed(command, failure)
    return as_result_of(result, command)


def _no_worker(command: Command[Any]) -> CommandResult[Any]:
    name = type(command).__name__
    session = command.session_id
    where = "" if session == BUS_SCOPE else f" in session {session!r} or"
    message = (
        f"no handler is registered for {name}{where} bus-wide; register one with "
        f"bus.register_command_handler({name}, ...) on a worker (no worker on this NATS "
        f"server has served {name})"
    )
    return CommandResult.failed(command, Failure(kind="no_handler", message=message))
