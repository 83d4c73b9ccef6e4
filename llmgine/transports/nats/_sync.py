"""Does the server write every acknowledged message to disk before acknowledging it?

By default JetStream acknowledges a write before it is on disk and syncs every two
minutes, so a power loss (or a crash of the whole machine) loses acknowledged messages:
Jepsen lost 131,418 of 930,005 acknowledged writes that way on NATS 2.12.1
(jepsen.io/analyses/nats-2.12.1, nats-io/nats-server#7564). The fix is
``jetstream { sync_interval: always }``, which the servers llmgine starts use. The
server's monitoring endpoint says which it runs with: ``/varz`` reports
``jetstream.config.sync_always``. ``check_sync`` reads it; the transport refuses to start
on a server that does not sync every write (or warns loudly, if told to).
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.request
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import orjson

SyncPolicy = Literal["refuse", "warn"]

ADVICE = (
    "set `jetstream { sync_interval: always }` in the server's configuration (and restart "
    "it), or start servers with llmgine's launcher, which does"
)


@dataclass(frozen=True)
class SyncReport:
    """What the monitoring endpoint says about writes to disk."""

    sync_always: bool
    sync_interval_ns: int | None

    def describe(self) -> str:
        if self.sync_always:
            return "the server syncs every write to disk"
        every = (
            "at an interval it does not report"
            if self.sync_interval_ns is None
            else f"every {self.sync_interval_ns / 1e9:g} s"
        )
        return (
            f"the server acknowledges writes before they are on disk and syncs them {every}: "
            f"acknowledged messages can be lost when the machine loses power"
        )


async def check_sync(monitor_url: str, *, timeout: float = 5.0) -> SyncReport:
    """Read ``/varz`` at ``monitor_url`` (``http://host:8222``). Raises ``OSError`` or
    ``ValueError`` when it cannot be read."""
    varz = await get_json(monitor_url.rstrip("/") + "/varz", timeout=timeout)
    return sync_report(varz, monitor_url)


def check_sync_blocking(monitor_url: str, *, timeout: float = 5.0) -> SyncReport:
    """``check_sync`` for code without an event loop (the server launcher)."""
    url = monitor_url.rstrip("/") + "/varz"
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        varz = orjson.loads(answer.read())
    return sync_report(varz, monitor_url)


def sync_report(varz: dict[str, Any], monitor_url: str) -> SyncReport:
    config = (varz.get("jetstream") or {}).get("config") or {}
    if not config:
        raise ValueError(f"{monitor_url} reports no JetStream configuration (is it enabled?)")
    interval = config.get("sync_interval")
    return SyncReport(
        bool(config.get("sync_always")), interval if isinstance(interval, int) else None
    )


async def get_json(url: str, *, timeout: float = 5.0) -> dict[str, Any]:
    """A small HTTP/1.0 GET, for monitoring endpoints (no threads, no extra client)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection(
            parts.hostname, port, ssl=ssl.create_default_context() if secure else None
        )
        try:
            host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
            writer.write(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
            await writer.drain()
            response = await reader.read()
        finally:
            writer.close()
            await writer.wait_closed()
    head, _, body = response.partition(b"\r\n\r\n")
    status = head.split(b" ", 2)[1:2]
    if status != [b"200"]:
        raise ValueError(f"{url} answered {head.splitlines()[0].decode(errors='replace')!r}")
    data = orjson.loads(body)
    if not isinstance(data, dict):
        raise ValueError(f"{url} did not answer with a JSON object")
    return data
