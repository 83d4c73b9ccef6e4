"""Where results live: a key-value bucket, one entry per command key, written once.

``store`` creates the entry only if there is none (the server refuses the second write),
and returns what the bucket holds afterwards: the value given, or the one written first
by someone else. Whoever writes first decides a command's outcome: the worker that ran
it, a caller that gave up waiting (``timeout``) or was cancelled, or the process that
heard the server give up after the last delivery. Everyone else reads that outcome.

Calls retry while the server is away (a restart, a leader election), up to ``patience``
seconds, then raise ``TransportError``.
"""

from __future__ import annotations

import asyncio
import logging

from nats.aio.client import Client
from nats.errors import ConnectionClosedError
from nats.errors import Error as NatsError
from nats.js.errors import APIError

from llmgine.bus import TransportError
from llmgine.transports.nats import _direct

logger = logging.getLogger("llmgine.transports.nats")

_FIRST_WAIT = 0.05
_MAX_WAIT = 1.0
_CREATE = {"Nats-Expected-Last-Subject-Sequence": "0"}
"""Store only if the subject holds nothing yet."""
_WRONG_LAST = (10071, 10164)
"""The server's error codes for a subject that holds something already."""


class Results:
    """The results bucket of a namespace."""

    def __init__(self, client: Client, bucket: str, *, timeout: float, patience: float) -> None:
        self._client = client
        self._reads = _direct.LastReads(client, f"KV_{bucket}", timeout=timeout)
        self._prefix = f"$KV.{bucket}."
        self._timeout = timeout
        self._patience = patience

    async def get(self, key: str) -> bytes | None:
        """The stored result of ``key``, or None if there is none yet."""
        wait = _FIRST_WAIT
        loop = asyncio.get_running_loop()
        end = loop.time() + self._patience
        while True:
            try:
                return await self._reads.last(self._prefix + key)
            except ConnectionClosedError:
                raise TransportError("the NATS connection is closed") from None
            except (NatsError, TimeoutError) as exc:
                wait = await _backoff(loop, end, wait, f"reading result {key}", exc)

    async def store(self, key: str, value: bytes) -> tuple[bytes, bool]:
        """Write ``value`` under ``key`` unless something is there: what is there after,
        and whether it was this write that put it there."""
        wait = _FIRST_WAIT
        loop = asyncio.get_running_loop()
        end = loop.time() + self._patience
        while True:
            try:
                await _direct.put(
                    self._client, self._prefix + key, value, headers=_CREATE, timeout=self._timeout
                )
            except APIError as exc:
                if exc.err_code not in _WRONG_LAST:
                    wait = await _backoff(loop, end, wait, f"storing result {key}", exc)
                    continue
                stored = await self.get(key)
                if stored is not None:
                    return stored, stored == value  # equal: our own write, its ack lost
                continue  # it expired meanwhile: write it again
            except ConnectionClosedError:
                raise TransportError("the NATS connection is closed") from None
            except (NatsError, TimeoutError) as exc:
                # A write whose acknowledgement was lost may have landed: the retry finds it.
                wait = await _backoff(loop, end, wait, f"storing result {key}", exc)
                continue
            return value, True


async def _backoff(
    loop: asyncio.AbstractEventLoop, end: float, wait: float, what: str, exc: BaseException
) -> float:
    if loop.time() + wait > end:
        raise TransportError(f"{what} failed: {type(exc).__name__}: {exc}") from None
    logger.debug("%s failed (%s); retrying in %.2f s", what, type(exc).__name__, wait)
    await asyncio.sleep(wait)
    return min(wait * 2, _MAX_WAIT)
