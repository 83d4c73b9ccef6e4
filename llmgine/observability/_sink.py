"""The sink interface: where recorded messages go.

The bus hands every message to every sink, in order, before any handler sees it. A sink
must be quick and must not raise from ``emit``: slow work (files, networks) belongs in
batches that ``flush`` completes. Lifecycle: ``start`` once, ``emit`` many times,
``flush`` whenever, ``close`` once (flushing first).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from llmgine.messages import Message


class Sink(ABC):
    """Receives every message that crosses the bus."""

    async def start(self) -> None:  # noqa: B027 - optional hook, nothing to do by default
        """Prepare to receive messages (open files, connections)."""

    @abstractmethod
    def emit(self, message: Message) -> None:
        """Take one message. Called on the event loop; must not block or raise."""

    async def flush(self) -> None:  # noqa: B027 - optional hook, nothing to do by default
        """Finish writing everything emitted so far."""

    async def close(self) -> None:
        """Flush, then release resources. Called once, when the bus stops."""
        await self.flush()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
