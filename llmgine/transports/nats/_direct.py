"""Two JetStream calls made straight on the connection, without nats-py's JetStream layer
(which parses every acknowledgement into dataclasses and every read's time stamp): the
same requests and the same answers, in a fraction of the time on the command path.

``put`` stores a message in a stream and returns its acknowledgement; ``last`` reads the
last message stored under a subject (a direct get: the stream must allow direct reads).
Errors are nats-py's own: the server's refusal as ``APIError`` (its subclass by code),
no stream answering as ``NoRespondersError``, a timeout as ``TimeoutError``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import APIError

from llmgine.messages import new_id

logger = logging.getLogger("llmgine.transports.nats")

_KV_OPERATION = "KV-Operation"
_REMOVED = ("DEL", "PURGE")


@dataclass(frozen=True, slots=True)
class Stored:
    """The stream's acknowledgement of a message."""

    seq: int
    duplicate: bool


async def put(
    client: Client, subject: str, data: bytes, *, headers: dict[str, str], timeout: float
) -> Stored:
    """Store ``data`` under ``subject``; raises ``APIError`` when the stream refuses it."""
    reply = await client.request(subject, data, timeout=timeout, headers=headers)
    try:
        ack = orjson.loads(reply.data)
    except orjson.JSONDecodeError:
        raise APIError(description=f"unreadable acknowledgement: {reply.data[:80]!r}") from None
    error = ack.get("error")
    if error is not None:
        APIError.from_error(error)  # raises the error of its code
    return Stored(seq=int(ack.get("seq", 0)), duplicate=bool(ack.get("duplicate", False)))


async def last(client: Client, stream: str, subject: str, *, timeout: float) -> bytes | None:
    """The data of the last message under ``subject`` in ``stream``; None if there is
    none (or it is a key-value bucket's removal marker)."""
    msg: Msg = await client.request(f"$JS.API.DIRECT.GET.{stream}.{subject}", b"", timeout=timeout)
    headers = msg.headers
    if headers:
        status = headers.get("Status")
        if status == "404":
            return None
        if status:
            APIError.from_msg(msg)  # raises the error of its status
        if headers.get(_KV_OPERATION) in _REMOVED:
            return None
    return msg.data


class LastReads:
    """``last`` for many subjects of one stream, gathered: the reads asked for in the same
    turn of the event loop go to the server as one request (``multi_last``), up to
    ``most`` subjects each; a read asked for alone goes as it is. Each read gets what
    ``last`` would have given, or raises what it would have raised."""

    def __init__(self, client: Client, stream: str, *, timeout: float, most: int = 128) -> None:
        self._client = client
        self._stream = stream
        self._timeout = timeout
        self._most = most
        self._asked: dict[str, list[asyncio.Future[bytes | None]]] = {}
        self._scheduled = False
        self._answers: dict[str, _Answer] = {}
        self._inbox: asyncio.Future[str] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._warned = False

    async def last(self, subject: str) -> bytes | None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bytes | None] = loop.create_future()
        self._asked.setdefault(subject, []).append(future)
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._send)
        return await future

    def _send(self) -> None:
        self._scheduled = False
        while self._asked:
            batch = {}
            for subject in list(self._asked)[: self._most]:
                batch[subject] = self._asked.pop(subject)
            task = asyncio.get_running_loop().create_task(self._ask(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _ask(self, batch: dict[str, list[asyncio.Future[bytes | None]]]) -> None:
        try:
            if len(batch) == 1:
                [subject] = batch
                found = {subject: await last(self._client, self._stream, subject,
                                             timeout=self._timeout)}  # fmt: skip
            else:
                found = await self._read_or_each(list(batch))
        except Exception as exc:
            for futures in batch.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(exc)
            return
        except BaseException:
            for futures in batch.values():
                for future in futures:
                    future.cancel()
            raise
        for subject, futures in batch.items():
            for future in futures:
                if not future.done():
                    future.set_result(found.get(subject))

    async def _read_or_each(self, subjects: list[str]) -> dict[str, bytes | None]:
        try:
            return await self._read(subjects)
        except (NatsTimeoutError, NoRespondersError):
            # Unanswered: the server may be away (then the reads below fail as well and
            # are retried), or this user may not publish to the stream's own direct-get
            # subject (permissions written for reads one by one): read them one by one.
            if not self._warned:
                self._warned = True
                logger.warning(
                    "a read of %d results at once went unanswered; reading them one by one. "
                    "If the NATS user lacks permission to publish to $JS.API.DIRECT.GET.%s, "
                    "grant it (see docs/distributed.md)", len(subjects), self._stream,
                )  # fmt: skip
            values = await asyncio.gather(
                *(last(self._client, self._stream, s, timeout=self._timeout) for s in subjects)
            )
            return dict(zip(subjects, values, strict=True))

    async def _read(self, subjects: list[str]) -> dict[str, bytes | None]:
        prefix = await self._subscribed()
        token = new_id()
        answer = _Answer(asyncio.get_running_loop().create_future())
        self._answers[token] = answer
        try:
            request = orjson.dumps({"multi_last": subjects, "batch": len(subjects)})
            await self._client.publish(
                f"$JS.API.DIRECT.GET.{self._stream}", request, reply=prefix + token
            )
            try:
                await asyncio.wait_for(answer.done, self._timeout)
            except TimeoutError:
                raise NatsTimeoutError from None
        finally:
            self._answers.pop(token, None)
        if answer.more:  # the server stopped short (too much to send at once): the rest one by one
            for subject in subjects:
                if subject not in answer.found:
                    answer.found[subject] = await last(
                        self._client, self._stream, subject, timeout=self._timeout
                    )
        return answer.found

    async def _subscribed(self) -> str:
        if self._inbox is None:
            self._inbox = asyncio.get_running_loop().create_future()
            prefix = self._client.new_inbox() + "."
            try:
                await self._client.subscribe(prefix + "*", cb=self._on_answer)
            except BaseException as exc:
                self._inbox.set_exception(exc)
                self._inbox.exception()  # retrieved: the next read tries again
                self._inbox = None
                raise
            self._inbox.set_result(prefix)
        return await asyncio.shield(self._inbox)

    async def _on_answer(self, msg: Msg) -> None:
        answer = self._answers.get(msg.subject.rsplit(".", 1)[-1])
        if answer is None or answer.done.done():
            return  # the read gave up
        headers = msg.headers or {}
        status = headers.get("Status")
        if status is None:
            removed = headers.get(_KV_OPERATION) in _REMOVED
            answer.found[headers.get("Nats-Subject", "")] = None if removed else msg.data
        elif status == "204":  # the end of the answer
            answer.more = headers.get("Nats-Num-Pending", "0") != "0"
            answer.done.set_result(None)
        elif status == "404":  # none of the subjects holds anything
            answer.done.set_result(None)
        elif status == "503":
            answer.done.set_exception(NoRespondersError())
        else:
            description = headers.get("Description", "")
            answer.done.set_exception(APIError(code=int(status), description=description))


@dataclass(slots=True)
class _Answer:
    done: asyncio.Future[None]
    found: dict[str, bytes | None] = field(default_factory=dict)
    more: bool = False
