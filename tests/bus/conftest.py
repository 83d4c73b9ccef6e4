from collections.abc import AsyncIterator

import pytest

from llmgine.bus import MessageBus
from llmgine.observability import MemorySink


@pytest.fixture
def sink() -> MemorySink:
    return MemorySink()


@pytest.fixture
async def bus(sink: MemorySink) -> AsyncIterator[MessageBus]:
    async with MessageBus(log_dir=None, sinks=[sink]) as bus:
        yield bus
