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

from nats.errors import ConnectionClosedError
from nats.errors import Error as NatsError
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from llmgine.bus import TransportError

logger = logging.getLogger("llmgine.transports.nats")

_FIRST_WAIT = 0.05
_MAX_WAIT = 1.0


class Results:
    """The results bucket of a namespace."""

    def __init__(self, bucket: KeyValue, *, patience: float) -> None:
        self._bucket = bucket
        self._patience = patience

    async def get(self, key: str) -> bytes | None:
        """The stored result of ``key``, or None if there is none yet."""
        wait = _FIRST_WAIT
        loop = asyncio.get_running_loop()
        end = loop.time() + self._patience
        while True:
            try:
                entry = await self._bucket.get(key)
            except KeyNotFoundError:
                return None
            except ConnectionClosedError:
                raise TransportError("the NATS connection is closed") from None
            except (NatsError, TimeoutError) as exc:
                wait = await _backoff(loop, end, wait, f"reading result {key}", exc)
                continue
            return entry.value

    async def store(self, key: str, value: bytes) -> tuple[bytes, bool]:
        """Write ``value`` under ``key`` unless something is there: what is there after,
        and whether it was this write that put it there."""
        wait = _FIRST_WAIT
        loop = asyncio.get_running_loop()
        end = loop.time() + self._patience
        while True:
            try:
                await self._bucket.create(key, value)
            except KeyWrongLastSequenceError:
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
