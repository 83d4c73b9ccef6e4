"""The size limit on a whole reply's body, where the server does not say its length up front."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx2
import pytest

from llmgine.llm._replysize import ReplyTooLarge, check_limit, size_hook


class Endless(httpx2.AsyncByteStream):
    """A body with no Content-Length that goes on for as long as it is read."""

    def __init__(self) -> None:
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            self.sent += 1024
            yield b"x" * 1024


async def test_a_body_without_a_length_is_cut_off_once_it_passes_the_limit() -> None:
    body = Endless()
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, stream=body))
    async with httpx2.AsyncClient(
        transport=transport, event_hooks={"response": [size_hook(10_000)]}
    ) as client:
        with pytest.raises(ReplyTooLarge) as caught:
            await asyncio.wait_for(client.get("http://127.0.0.1/reply"), 10)
    assert caught.value.limit == 10_000
    assert body.sent <= 11 * 1024  # read up to the limit, not one chunk more


async def test_a_body_within_the_limit_reads_whole() -> None:
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, content=b"y" * 5000))
    async with httpx2.AsyncClient(
        transport=transport, event_hooks={"response": [size_hook(10_000)]}
    ) as client:
        response = await client.get("http://127.0.0.1/reply")
    assert response.content == b"y" * 5000


def test_a_limit_must_be_positive() -> None:
    assert check_limit(None) is None
    with pytest.raises(ValueError, match="max_reply_bytes must be a positive"):
        check_limit(0)
