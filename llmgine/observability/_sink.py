"""The sink interface: where recorded messages go.

The bus hands every message to every sink, in order, before any handler sees it. A sink
must be quick and must not raise from ``emit``: slow work (files, networks) belongs in
batches that ``flush`` completes. Lifecycle: ``start`` once, ``emit`` many times,
``flush`` whenever, ``close`` once (flushing first).
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from llmgine.messages import Message


class Backpressure:
    """Shared by a bus and its sinks: a sink that is behind holds it, publishers wait.

    ``held`` is a plain attribute, read on every publish. Call ``hold``/``release`` on the
    event loop's thread.
    """

    def __init__(self) -> None:
        self.held = False
        self._holders: set[object] = set()
        self._released: asyncio.Event | None = None

    def hold(self, holder: object) -> None:
        self._holders.add(holder)
        self.held = True

    def release(self, holder: object) -> None:
        self._holders.discard(holder)
        if not self._holders:
            self.held = False
            if self._released is not None:
                self._released.set()
                self._released = None

    async def wait(self) -> None:
        """Return once nobody holds it."""
        while self.held:
            if self._released is None:
                self._released = asyncio.Event()
            await self._released.wait()


class Sink(ABC):
    """Receives every message that crosses the bus."""

    async def start(self) -> None:  # noqa: B027 - optional hook, nothing to do by default
        """Prepare to receive messages (open files, connections)."""

    @abstractmethod
    def emit(self, message: Message) -> None:
        """Take one message. Called on the event loop; must not block or raise."""

    async def flush(self) -> None:  # noqa: B027 - optional hook, nothing to do by default
        """Finish writing everything emitted so far."""

    def bind_backpressure(self, pressure: Backpressure) -> None:  # noqa: B027 - optional
        """Receive the bus's ``Backpressure``, to hold while this sink is behind."""

    def problems(self) -> tuple[str, ...]:
        """What went wrong so far, one readable line each (lines not written...)."""
        return ()

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
