"""A pull loop: one consumer, one open request at a time, each message to a callback.

The loop asks the server for up to ``room()`` messages (waiting while there is no room)
with an expiry and an idle heartbeat, hands each message to ``on_message`` as it arrives,
and asks again when the request is used up, expired, or went quiet (no message and no
heartbeat for two heartbeat periods: the server restarted or the connection dropped and
came back). When the server says the consumer is gone, ``ensure()`` makes it again before
the next request. nats-py's own ``fetch`` is not used: it waits for whole batches, and a
request it gave up on can still deliver into its queue later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
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
        on_message: Callable[[Msg], Awaitable[None]],
        *,
        room: Callable[[], int],
        room_changed: asyncio.Event | None = None,
        ensure: Callable[[], Awaitable[None]] | None = None,
        expires: float = 10.0,
        heartbeat: float = 1.0,
    ) -> None:
        self._client = client
        self._next = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"
        self.consumer = consumer
        self._on_message = on_message
        self._room = room
        self._room_changed = room_changed
        self._ensure = ensure
        self._expires = expires
        self._heartbeat = heartbeat

    async def run(self) -> None:
        inbox = self._client.new_inbox()
        subscription = await self._client.subscribe(inbox)
        try:
            while True:
                wanted = await self._wait_for_room()
                request = {
                    "batch": wanted,
                    "expires": int(self._expires * 1e9),
                    "idle_heartbeat": int(self._heartbeat * 1e9),
                }
                try:
                    await self._client.publish(self._next, orjson.dumps(request), reply=inbox)
                    again = await self._take(subscription, wanted)
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

    async def _take(self, subscription: Subscription, wanted: int) -> str:
        """Receive for one request; what to do next: ``"next"`` request, ``"retry"``
        after a pause, or ``"ensure"`` the consumer first."""
        got = 0
        while got < wanted:
            try:
                msg = await subscription.next_msg(timeout=2 * self._heartbeat)
            except TimeoutError:
                return "ensure"  # went quiet: the request is gone
            status = msg.headers.get(_STATUS) if msg.headers else None
            if status is None:
                got += 1
                await self._on_message(msg)
            elif status == "100":
                continue  # idle heartbeat
            elif status in ("404", "408"):
                return "next"  # no messages, or the request expired
            else:
                text = msg.headers.get(_DESCRIPTION, "") if msg.headers else ""
                logger.debug("pull on %s: %s %s", self.consumer, status, text)
                return "ensure" if "deleted" in text.lower() or status == "409" else "retry"
        return "next"

    async def _ensure_quietly(self) -> None:
        assert self._ensure is not None
        try:
            await self._ensure()
        except ConnectionClosedError:
            raise
        except Exception as exc:  # the server may still be away: try again next round
            logger.debug("could not make consumer %s again: %s", self.consumer, exc)
