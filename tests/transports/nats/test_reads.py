"""Reads of the results bucket asked for together go to the server as one request
(``multi_last``), and each gets the answer it would have got alone."""

from __future__ import annotations

import asyncio
from typing import Any

from nats.aio.msg import Msg
from nats.js.api import KeyValueConfig

from llmgine.transports.nats import NatsAuth
from llmgine.transports.nats._connect import connect
from llmgine.transports.nats._direct import LastReads


async def test_reads_asked_together_go_as_one_request_and_each_gets_its_own_answer(
    nats_server: Any, namespace: str
) -> None:
    client = await connect([nats_server.url], NatsAuth(), name="test", timeout=10,
                           ping_interval=1)  # fmt: skip
    try:
        bucket = f"{namespace}_reads"
        kv = await client.jetstream().create_key_value(
            KeyValueConfig(bucket=bucket, history=1, direct=True)
        )
        await kv.create("a", b"A")
        await kv.create("c", b"C")
        await kv.create("d", b"D")
        await kv.delete("d")  # a removal marker reads as nothing
        batched = f"$JS.API.DIRECT.GET.KV_{bucket}"  # where a read of several goes
        requests: list[bytes] = []
        marker_seen = asyncio.Event()

        async def watch(msg: Msg) -> None:
            if msg.data == b"end":
                marker_seen.set()
            else:
                requests.append(msg.data)

        await client.subscribe(batched, cb=watch)
        reads = LastReads(client, f"KV_{bucket}", timeout=5)

        def subject(key: str) -> str:
            return f"$KV.{bucket}.{key}"

        together = await asyncio.gather(*(reads.last(subject(key)) for key in "abcda"))
        alone = await reads.last(subject("c"))

        assert together == [b"A", None, b"C", None, b"A"]
        assert alone == b"C"
        await client.publish(batched, b"end")  # after every request made above
        await asyncio.wait_for(marker_seen.wait(), 10)
        assert len(requests) == 1  # the five reads went as one; the one alone went as it is
        assert b"multi_last" in requests[0]
    finally:
        await client.close()
