"""A limit on the size of one reply, so a runaway or hostile server cannot fill memory.

A whole reply is held several times over on its way in (the body, the parsed JSON, the
SDK's objects, ours, the log line), so one of 500 MB costs gigabytes. The adapters cut it
off at ``max_reply_bytes`` (``LLMGINE_MAX_REPLY_BYTES``):

- a whole (non-streamed) reply by the bytes of its HTTP body, counted as they arrive, so
  no more than the limit is ever read; the SDK's HTTP client gets a response hook that
  wraps the body's stream in a counting one;
- a streamed reply by what it carries, its text and tool-call arguments, counted by the
  ``StreamAssembler`` as it puts them together: the event framing around each token is
  many times the token, and would make the limit cut long but honest replies.

Past the limit the adapter raises ``MalformedResponseError`` saying what to change; it is
not retried, since the same request would bring the same reply.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx2

DEFAULT_MAX_REPLY_BYTES = 8 * 1024 * 1024
"""8 MiB: some fifty times the longest reply a model writes today, far below what hurts."""


class ReplyTooLarge(Exception):
    """A reply passed ``limit`` bytes (inside the LLM layer; adapters raise an ``LLMError``)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the reply passed {limit} bytes")
        self.limit = limit


def check_limit(limit: int | None) -> int | None:
    if limit is not None and limit < 1:
        raise ValueError(f"max_reply_bytes must be a positive number of bytes, not {limit!r}")
    return limit


def size_hook(limit: int) -> Callable[[httpx2.Response], Awaitable[None]]:
    """An ``httpx2`` response hook that cuts bodies off at ``limit`` bytes (not streams:
    those are counted by what they carry)."""

    async def cap(response: httpx2.Response) -> None:
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            return
        length = response.headers.get("content-length", "")
        if not length.isdigit():
            response.stream = _Counted(response.stream, limit)  # chunked: count as it comes
        elif int(length) > limit:
            raise ReplyTooLarge(limit)  # said so up front: not a byte of it is read
        # else the HTTP layer reads no more than the Content-Length it was told

    return cap


def capped_client(client_class: type[httpx2.AsyncClient], limit: int) -> Any:
    """An SDK's default HTTP client (``openai.DefaultAsyncHttpxClient``...) with the hook."""
    return client_class(event_hooks={"response": [size_hook(limit)]})


class _Counted(httpx2.AsyncByteStream):
    def __init__(self, inner: Any, limit: int) -> None:
        self._inner = inner
        self._limit = limit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self._inner:
            seen += len(chunk)
            if seen > self._limit:
                raise ReplyTooLarge(self._limit)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()
