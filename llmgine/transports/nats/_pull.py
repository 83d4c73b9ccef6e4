"""A pull loop: one consumer, one open request at a time, each message to a callback.

The loop asks the server for up to ``room()`` messages (waiting while there is no room)
with an expiry and an idle heartbeat, hands each message to ``on_message`` as it arrives,
and asks again when the request is used up or expired. When something is wrong (the
request went quiet: no message and no heartbeat for two heartbeat periods, because the
server restarted, the connection dropped, or the server holding the consumer stopped
answering; the server says the consumer is gone; ``on_message`` answered False) it calls
``ensure()`` before the next request, which makes sure the consumer is there and may
answer with another one to pull from. Messages from any consumer but the current one
are dropped. nats-py's own ``fetch`` is not used: it waits for whole batches, and a
request it gave up on can still deliver into its queue later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable

import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError
from nats.errors import Error as NatsError

logger = logging.getLogger("llmgine.transports.nats")

_STATUS = "Status"
_DESCRIPTION = "Description"
_RETRY_WAIT = 0.25


class PullLoop:
    """Runs until cancelled; see the module docstring."""

    def __init__(
        self,
        client: Client,
        stream: str,
        consumer: str,
        on_message: Callable[[Msg], Awaitable[bool]],
        *,
        room: Callable[[], int],
        room_changed: asyncio.Event | None = None,
        ensure: Callable[[], Awaitable[str | None]] | None = None,
        expires: float = 10.0,
        heartbeat: float = 1.0,
    ) -> None:
        self._client = client
        self._stream = stream
        self.consumer = consumer
        self._on_message = on_message
        self._room = room
        self._room_changed = room_changed
        self._ensure = ensure
        self._expires = expires
        self._heartbeat = heartbeat
        self._arrived: deque[Msg] = deque()
        self._waiter: asyncio.Future[None] | None = None

    async def run(self) -> None:
        inbox = self._client.new_inbox()
        subscription = await self._client.subscribe(inbox, cb=self._arrive)
        try:
            while True:
                wanted = await self._wait_for_room()
                request = {
                    "batch": wanted,
                    "expires": int(self._expires * 1e9),
                    "idle_heartbeat": int(self._heartbeat * 1e9),
                }
                next_ = f"$JS.API.CONSUMER.MSG.NEXT.{self._stream}.{self.consumer}"
                try:
                    await self._client.publish(next_, orjson.dumps(request), reply=inbox)
                    again = await self._take(wanted)
                except ConnectionClosedError:
                    return
                except NatsError as exc:
                    logger.debug("pull on %s failed: %s", self.consumer, exc)
                    again = "retry"
                if again == "ensure" and self._ensure is not None:
                    await self._ensure_quietly()
                if again != "next":
                    await asyncio.sleep(_RETRY_WAIT)
        finally:
            with contextlib.suppress(NatsError):  # the connection is closing
                await subscription.unsubscribe()

    async def _wait_for_room(self) -> int:
        while (wanted := self._room()) <= 0:
            assert self._room_changed is not None, "a loop with no room needs room_changed"
            self._room_changed.clear()
            if self._room() > 0:
                continue
            await self._room_changed.wait()
        return wanted

    async def _arrive(self, msg: Msg) -> None:
        """The subscription's callback: queue ``msg`` for ``_take``."""
        self._arrived.append(msg)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _next(self, timeout: float) -> Msg | None:
        """The next message that arrived, waiting up to ``timeout`` seconds for one."""
        if not self._arrived:
            loop = asyncio.get_running_loop()
            self._waiter = waiter = loop.create_future()
            timer = loop.call_later(timeout, _wake, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiter = None
            if not self._arrived:
                return None
        return self._arrived.popleft()

    async def _take(self, wanted: int) -> str:
        """Receive for one request; what to do next: ``"next"`` request, ``"retry"``
        after a pause, or ``"ensure"`` the consumer first."""
        got = 0
        while got < wanted:
            msg = await self._next(2 * self._heartbeat)
            if msg is None:
                logger.debug("pull on %s went quiet", self.consumer)
                return "ensure"  # went quiet: the request is gone
            status = msg.headers.get(_STATUS) if msg.headers else None
            if status is None:
                if _consumer_of(msg) != self.consumer:
                    continue  # a late answer to a request made of a consumer left behind
                got += 1
                if not await self._on_message(msg):
                    return "ensure"
            elif status == "100":
                continue  # idle heartbeat
            elif status in ("404", "408"):
                return "next"  # no messages, or the request expired
            else:
                text = msg.headers.get(_DESCRIPTION, "") if msg.headers else ""
                logger.debug("pull on %s: %s %s", self.consumer, status, text)
                # 503: no server answers for the consumer (the one holding it is down)
                gone = status in ("409", "503") or "deleted" in text.lower()
                return "ensure" if gone else "retry"
        return "next"

    async def _ensure_quietly(self) -> None:
        assert self._ensure is not None
        try:
            name = await self._ensure()
            if name is not None:
                self.consumer = name
        except ConnectionClosedError:
            raise
        except Exception as exc:  # the server may still be away: try again next round
            logger.debug("could not make consumer %s again: %s", self.consumer, exc)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _consumer_of(msg: Msg) -> str | None:
    try:
        return msg.metadata.consumer
    except NatsError:  # not a JetStream message
        return None
