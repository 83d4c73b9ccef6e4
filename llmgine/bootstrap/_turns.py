"""The turn gate: command middleware that counts the turns in flight and, once closed,
refuses new ones.

A turn is a ``PromptCommand``. While the gate is open every turn passes and is counted
until its result is back. ``close`` makes later turns fail at once with the reason given
(a failed ``CommandResult``, as any rejection by middleware); a turn caused by work already
accepted (one with a ``parent_id``, sent from a handler) still passes, so an agent that is
finishing its job can finish it. ``drain`` waits for the turns in flight, then cancels those
still running with ``CancelTurnCommand`` (the engine leaves their history as it was).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from llmgine.bus import CommandNext, MessageBus, MessageRejected
from llmgine.engine import CancelTurnCommand, PromptCommand
from llmgine.messages import Command, CommandResult

CANCEL_GRACE = 5.0
"""Seconds cancelled turns get to unwind (they publish their cancelled event and return)."""


@dataclass(frozen=True)
class DrainReport:
    """How the turns in flight at ``close`` ended."""

    finished: int = 0
    cancelled: int = 0
    left: int = 0
    """Turns still running after the cancellation grace: their callers were abandoned."""


class TurnGate:
    """Add it to a bus with ``bus.add_command_middleware(gate)``."""

    def __init__(self, bus: MessageBus) -> None:
        self._bus = bus
        self._inflight: dict[str, str] = {}  # command id -> session id
        self._changed = asyncio.Condition()
        self._refusal: str | None = None

    @property
    def in_flight(self) -> int:
        return len(self._inflight)

    @property
    def closed(self) -> bool:
        return self._refusal is not None

    async def __call__(self, command: Command[Any], call_next: CommandNext) -> CommandResult[Any]:
        if not isinstance(command, PromptCommand):
            return await call_next(command)
        if self._refusal is not None and command.parent_id is None:
            raise MessageRejected(self._refusal)
        self._inflight[command.command_id] = command.session_id
        try:
            return await call_next(command)
        finally:
            del self._inflight[command.command_id]
            async with self._changed:
                self._changed.notify_all()

    def close(self, reason: str) -> None:
        """Refuse every new turn from now on, with ``reason`` in its failed result."""
        if self._refusal is None:
            self._refusal = reason

    async def drain(self, timeout: float, hurry: asyncio.Event | None = None) -> DrainReport:
        """Wait up to ``timeout`` seconds (less if ``hurry`` is set) for the turns in flight,
        then cancel the rest and give them ``CANCEL_GRACE`` seconds to return."""
        waiting = set(self._inflight)
        if not waiting:
            return DrainReport()
        await self._wait_until_idle(timeout, hurry)
        cancelled: set[str] = set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CANCEL_GRACE
        # A turn queued behind another of its session starts once that one is cancelled,
        # so cancelling goes round until nothing is left or the grace is over.
        while self._inflight and loop.time() < deadline:
            cancelled.update(self._inflight)
            for session_id in set(self._inflight.values()):
                await self._bus.execute(
                    CancelTurnCommand(session_id=session_id, reason=self._refusal or "stopping")
                )
            await self._wait_for(self._changed_from(set(self._inflight)), deadline - loop.time())
        left = len(waiting & set(self._inflight))
        cancelled_here = len(waiting & cancelled) - left
        return DrainReport(len(waiting) - cancelled_here - left, cancelled_here, left)

    async def _wait_until_idle(self, timeout: float, hurry: asyncio.Event | None) -> None:
        idle = asyncio.ensure_future(self._wait_for(lambda: not self._inflight, timeout))
        waiters: set[asyncio.Future[Any]] = {idle}
        if hurry is not None:
            waiters.add(asyncio.ensure_future(hurry.wait()))
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)

    def _changed_from(self, snapshot: set[str]) -> Callable[[], bool]:
        return lambda: set(self._inflight) != snapshot

    async def _wait_for(self, predicate: Callable[[], bool], timeout: float) -> None:
        """Until ``predicate()`` holds or ``timeout`` seconds pass."""
        if timeout <= 0:
            return
        async with self._changed:
            try:
                async with asyncio.timeout(timeout):
                    await self._changed.wait_for(predicate)
            except TimeoutError:
                return
