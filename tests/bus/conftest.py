"""The bus contract suite runs on every transport: each test once per transport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from llmgine.bus import MessageBus
from llmgine.sinks import MemorySink
from tests.bus import _transports
from tests.bus._transports import TRANSPORTS, TransportKind, new_bus


@pytest.fixture(autouse=True, params=TRANSPORTS)
def transport_kind(request: pytest.FixtureRequest) -> Iterator[TransportKind]:
    kind: TransportKind = request.param
    if kind == "nats":
        server = request.getfixturevalue("nats_server")
        _transports.nats_url[:] = [server.url]
    _transports.current[0] = kind
    yield kind
    _transports.current[0] = "local"


@pytest.fixture
async def bus(sink: MemorySink, transport_kind: TransportKind) -> AsyncIterator[MessageBus]:
    """A running bus on the transport of this run, with no log file, recording into ``sink``."""
    async with new_bus(log_dir=None, sinks=[sink]) as bus:
        yield bus
