"""When the server gives up on a command: one failed result, one event, no loop.

A command whose every delivery ended without an acknowledgement (the worker died, hung
without progress, lost its connection, or left it to others that never took it) is
delivered ``max_deliver`` times and then no more; the server announces it on an advisory
subject. Every process of the namespace listens: each reads the command back from the
stream by its sequence and tries to store a failed result under its key. The one whose
write lands sends the result to the caller and publishes a
``CommandDeliveriesExhaustedEvent`` on its bus; the others find the result stored and do
nothing. The advisory is core NATS: if no process of the namespace is connected when it
is sent, the caller waits until its timeout.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import orjson
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext

from llmgine.bus import Endpoint, TransportError
from llmgine.messages import Command, CommandResult, DecodeError, Failure, decode, encode
from llmgine.transports.nats._messages import CommandDeliveriesExhaustedEvent
from llmgine.transports.nats._names import KEY, REPLY, Names, untoken
from llmgine.transports.nats._results import Results

logger = logging.getLogger("llmgine.transports.nats")


class Advisories:
    """Turns the server's max-deliveries advisories into results (module docstring)."""

    def __init__(
        self,
        js: JetStreamContext,
        names: Names,
        results: Results,
        endpoint: Endpoint,
        publish: Callable[[str, bytes, dict[str, str]], Awaitable[None]],
    ) -> None:
        self._js = js
        self._names = names
        self._results = results
        self._endpoint = endpoint
        self._publish = publish

    async def on_advisory(self, msg: Msg) -> None:
        try:
            await self._give_up(orjson.loads(msg.data))
        except (TransportError, NatsError, ValueError, KeyError) as exc:
            logger.warning("could not settle a command the server gave up on: %s", exc)

    async def _give_up(self, advisory: dict[str, object]) -> None:
        sequence = int(str(advisory["stream_seq"]))
        deliveries = int(str(advisory.get("deliveries", 0)))
        raw = await self._js.get_msg(self._names.command_stream, seq=sequence)
        headers = raw.headers or {}
        key = headers.get("Nats-Msg-Id")
        if not key or raw.subject is None:
            return
        parts = raw.subject.split(".")
        wire_name, session_id = untoken(parts[-3]), untoken(parts[-1])
        failure = Failure(
            kind="handler_error",
            message=f"{wire_name} was delivered {deliveries} times and no delivery finished "
            f"(each worker died, hung without reporting progress, lost its connection, or "
            f"had no handler for it); it will not be delivered again",
        )
        command = _command(raw.data or b"")
        if command is not None:
            result = CommandResult.failed(command, failure)
        else:
            result = CommandResult(
                success=False, command_id=key, command_type=wire_name, session_id=session_id,
                error=failure.describe(), failure=failure,
            )  # fmt: skip
        stored, ours = await self._results.store(key, encode(result))
        if not ours:
            return  # a result was there first: a late finish, or another process
        reply = headers.get(REPLY)
        if reply:
            await self._publish(reply, stored, {KEY: key})
        logger.warning("%s %s: %s", wire_name, result.command_id, failure.message)
        await self._endpoint.emit(
            CommandDeliveriesExhaustedEvent(
                command_id=result.command_id,
                command_type=wire_name,
                deliveries=deliveries,
                stream_sequence=sequence,
                session_id=session_id,
                parent_id=result.command_id,
            )
        )


def _command(data: bytes) -> Command[object] | None:
    try:
        message = decode(data)
    except DecodeError:
        return None
    return message if isinstance(message, Command) else None
