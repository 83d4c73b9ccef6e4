"""Shutdown callbacks and the report of a stop.

Callbacks run last registered, first run (LIFO: what was set up last is torn down first),
each on its own: one that raises or overruns its time limit is logged and reported, and
the next one runs all the same. A callback is a function of no arguments, plain or async;
only an async one can be held to its time limit, so plain ones must be quick.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass

from llmgine.bus import StopReport

logger = logging.getLogger("llmgine.bootstrap")

ShutdownCallback = Callable[[], object]


@dataclass(frozen=True)
class ShutdownReport:
    """How an application stopped.

    ``reason`` is why (``"SIGTERM"``, ``"stop() was called"``...); the turn counts are of the
    turns in flight when the stop began: ``turns_left`` were still running when the time was
    up and their callers were abandoned. ``callback_errors`` names each shutdown callback
    that failed or overran, with why. ``bus`` is the bus's own report (events not
    delivered, sink errors).
    """

    reason: str = ""
    turns_finished: int = 0
    turns_cancelled: int = 0
    turns_left: int = 0
    callback_errors: tuple[str, ...] = ()
    bus: StopReport | None = None

    @property
    def clean(self) -> bool:
        """Nothing was lost: no turn abandoned, no callback failed, the bus drained."""
        bus_clean = self.bus is None or self.bus.clean
        return not self.turns_left and not self.callback_errors and bus_clean


@dataclass(frozen=True)
class _Entry:
    callback: ShutdownCallback
    name: str
    timeout: float | None


class ShutdownCallbacks:
    """The registered callbacks, in registration order."""

    def __init__(self, default_timeout: float) -> None:
        self.default_timeout = default_timeout
        self._entries: list[_Entry] = []

    def add(self, callback: ShutdownCallback, name: str | None, timeout: float | None) -> None:
        if not callable(callback):
            raise TypeError(f"a shutdown callback must be callable, not {callback!r}")
        label = name or getattr(callback, "__qualname__", None) or repr(callback)
        self._entries.append(_Entry(callback, label, timeout))

    def remove(self, callback: ShutdownCallback) -> bool:
        for entry in reversed(self._entries):
            if entry.callback is callback:
                self._entries.remove(entry)
                return True
        return False

    async def run(self) -> tuple[str, ...]:
        """Run every callback once, newest first; the problems, one line each."""
        entries, self._entries = self._entries, []
        errors: list[str] = []
        for entry in reversed(entries):
            problem = await self._run_one(entry)
            if problem is not None:
                errors.append(problem)
        return tuple(errors)

    async def _run_one(self, entry: _Entry) -> str | None:
        limit = self.default_timeout if entry.timeout is None else entry.timeout
        try:
            async with asyncio.timeout(limit):
                outcome = entry.callback()
                if inspect.isawaitable(outcome):
                    await outcome
        except TimeoutError:
            logger.error("shutdown callback %r took longer than %g s; skipped", entry.name, limit)
            return f"{entry.name}: took longer than {limit:g} s"
        except Exception as exc:
            logger.exception("shutdown callback %r failed", entry.name)
            return f"{entry.name}: {type(exc).__name__}: {exc}"
        return None
