"""The sink interface: where recorded messages go.

The bus hands every message to every sink, in order, before any handler sees it. A sink
must be quick and must not raise from ``emit``: slow work (files, networks) belongs in
batches that ``flush`` completes. Lifecycle: ``bind_backpressure`` (optional), ``start``
once, ``emit`` many times, ``flush`` whenever, ``close`` once (flushing first), then
``problems`` says what went wrong along the way.

A sink that cannot keep up never blocks the loop: it holds the bus's ``Backpressure``
instead, and the bus waits (asynchronously) before it accepts more work.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from llmgine.messages import Message


class Backpressure:
    """A flag one bus shares with its sinks: held while any of them is behind.

    A sink that falls behind calls ``hold(self)`` and, once it has caught up,
    ``release(self)``; the bus reads ``held`` on every publish and, when it is set,
    awaits ``wait()``. Call ``hold`` and ``release`` on the event loop only: a sink whose
    work finishes on another thread goes through ``loop.call_soon_threadsafe``.
    """

    def __init__(self) -> None:
        self.held = False
        self._holders: dict[int, object] = {}
        self._free = asyncio.Event()
        self._free.set()

    def hold(self, holder: object) -> None:
        """Mark ``holder`` as behind. Holding twice is the same as holding once."""
        self._holders[id(holder)] = holder
        self.held = True
        self._free.clear()

    def release(self, holder: object) -> None:
        """``holder`` has caught up. Releasing without holding does nothing."""
        self._holders.pop(id(holder), None)
        if not self._holders:
            self.held = False
            self._free.set()

    async def wait(self) -> None:
        """Return once nobody holds the pressure."""
        while self.held:
            await self._free.wait()

    def __repr__(self) -> str:
        holders = ", ".join(type(h).__name__ for h in self._holders.values())
        return f"Backpressure(held by [{holders}])" if self.held else "Backpressure(free)"


class Sink(ABC):
    """Receives every message that crosses the bus."""

    def bind_backpressure(self, pressure: Backpressure) -> None:  # noqa: B027 - optional hook
        """Take the bus's ``pressure`` to hold while this sink is behind (before ``start``)."""

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

    def problems(self) -> tuple[str, ...]:
        """What went wrong so far, one readable line each (never a secret)."""
        return ()

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
