"""``Hooks``: functions that see and change the work of the bus, built on command middleware.

``install(bus)`` adds one command middleware. For each command it looks up a plan: the
command's hook point and the hooks of its two stages, cached per command class and
dropped whenever a hook or a point is added or removed. A command with no plan goes
straight to ``call_next``. Otherwise the before hooks run on the command, the (possibly
changed) command goes on to its handler, and on a successful result the after hooks run
on the result value. A failed result is returned as it is.

A hook that raises (other than ``HookRejected``) or times out is handled by its policy:
``"fail"`` rejects the command with an error that names the hook, ``"skip"`` drops its
change, ``"log"`` drops it and logs a warning. Each such failure is also published as a
``HookFailedEvent``.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from llmgine.bus import CommandNext, MessageBus, MessageRejected, Registration, UsageError
from llmgine.hooks._messages import HookFailedEvent
from llmgine.hooks._points import AnyPoint, point_for, points_version
from llmgine.hooks._run import HookEntry, StageRun, run_stage
from llmgine.hooks._types import (
    POLICIES,
    STAGES,
    TARGET_STAGES,
    HookErrorPolicy,
    HookFunction,
    HookStage,
)
from llmgine.messages import Command, CommandResult

logger = logging.getLogger("llmgine.hooks")

F = TypeVar("F", bound=HookFunction)


@dataclass(frozen=True, slots=True)
class _Plan:
    point: AnyPoint
    stages: tuple[HookStage, HookStage]
    before: tuple[HookEntry, ...]
    after: tuple[HookEntry, ...]


class Hooks:
    """A set of hooks, by stage, that can be installed on one or more buses.

    ``add`` or the ``on`` decorator adds a hook; ``install(bus)`` makes the hooks run on
    that bus's commands. Hooks of a stage run in the order they were added.
    """

    def __init__(self) -> None:
        self._stages: dict[HookStage, list[HookEntry]] = {stage: [] for stage in STAGES}
        self._plans: dict[type[Command[Any]], _Plan | None] = {}
        self._plans_version = points_version()
        self._installed: weakref.WeakKeyDictionary[MessageBus, Registration] = (
            weakref.WeakKeyDictionary()
        )

    def add(
        self,
        stage: HookStage,
        fn: HookFunction,
        *,
        name: str | None = None,
        timeout: float | None = 5.0,
        on_error: HookErrorPolicy = "fail",
    ) -> Registration:
        """Add ``fn`` to ``stage``; the returned ``Registration`` removes it again.

        Args:
            stage: when it runs, e.g. ``"before_tool"``.
            fn: the hook, sync or async; it returns the new payload or ``None``.
            name: how failures and rejections name it (default: its qualified name).
            timeout: seconds it may take (``None``: no limit); past that it has failed.
            on_error: what its failure does: ``"fail"`` the command, ``"skip"`` the
                change, or ``"log"`` (skip and log a warning).
        """
        if stage not in STAGES:
            raise ValueError(f"unknown hook stage {stage!r}; use one of {tuple(STAGES)}")
        if on_error not in POLICIES:
            raise ValueError(f"unknown on_error policy {on_error!r}; use one of {POLICIES}")
        if timeout is not None and not timeout > 0:
            raise ValueError(
                f"timeout must be a number of seconds above 0 or None, not {timeout!r}"
            )
        if not callable(fn):
            raise TypeError(f"a hook must be callable, not {fn!r}")
        label = name or _default_name(fn)
        entry = HookEntry(stage, fn, label, timeout, on_error)
        self._stages[stage].append(entry)
        self._plans.clear()
        return Registration(f"hook {label!r} at {stage}", lambda: self._remove(entry))

    def on(
        self,
        stage: HookStage,
        *,
        name: str | None = None,
        timeout: float | None = 5.0,
        on_error: HookErrorPolicy = "fail",
    ) -> Callable[[F], F]:
        """``add`` as a decorator: ``@hooks.on("before_tool", timeout=1)``."""

        def decorate(fn: F) -> F:
            self.add(stage, fn, name=name, timeout=timeout, on_error=on_error)
            return fn

        return decorate

    def names(self, stage: HookStage) -> tuple[str, ...]:
        """The names of the hooks of ``stage``, in the order they run."""
        return tuple(entry.name for entry in self._stages[stage])

    def install(self, bus: MessageBus) -> Registration:
        """Run these hooks on ``bus``'s commands (one command middleware); undo to stop."""
        existing = self._installed.get(bus)
        if existing is not None and existing.active:
            raise UsageError("these hooks are already installed on this bus; install them once")

        async def hooks_middleware(
            command: Command[Any], call_next: CommandNext
        ) -> CommandResult[Any]:
            plan = self._plan(type(command))
            if plan is None:
                return await call_next(command)
            return await self._run(bus, plan, command, call_next)

        middleware = bus.add_command_middleware(hooks_middleware)

        def undo() -> None:
            middleware.unregister()
            self._installed.pop(bus, None)

        registration = Registration(f"hooks on {bus!r}", undo)
        self._installed[bus] = registration
        return registration

    def __repr__(self) -> str:
        counts = ", ".join(f"{s}={len(e)}" for s, e in self._stages.items() if e)
        return f"<Hooks {counts or 'empty'}>"

    # -- internals ---------------------------------------------------------------------

    def _remove(self, entry: HookEntry) -> None:
        hooks = self._stages[entry.stage]
        if entry in hooks:
            hooks.remove(entry)
            self._plans.clear()

    def _plan(self, command_type: type[Command[Any]]) -> _Plan | None:
        if self._plans_version != points_version():
            self._plans.clear()
            self._plans_version = points_version()
        try:
            return self._plans[command_type]
        except KeyError:
            pass
        point = point_for(command_type)
        plan = None
        if point is not None:
            stages = TARGET_STAGES[point.target]
            before, after = (tuple(self._stages[stage]) for stage in stages)
            if before or after:
                plan = _Plan(point, stages, before, after)
        self._plans[command_type] = plan
        return plan

    async def _run(
        self, bus: MessageBus, plan: _Plan, command: Command[Any], call_next: CommandNext
    ) -> CommandResult[Any]:
        point = plan.point

        async def on_failure(entry: HookEntry, exc: Exception) -> None:
            await _hook_failed(bus, entry, run.command, exc)

        run = StageRun(command=command, metadata={}, on_failure=on_failure)
        if plan.before:
            command = await run_stage(
                plan.stages[0], plan.before, command, point.get_before, point.set_before, run
            )
            run.command = command
        result = await call_next(command)
        if not plan.after or not result.success:
            return result
        value = await run_stage(
            plan.stages[1], plan.after, result.result, point.get_after, point.set_after, run
        )
        if value is result.result:
            return result
        return result.model_copy(update={"result": value})


async def _hook_failed(
    bus: MessageBus, entry: HookEntry, command: Command[Any], exc: Exception
) -> None:
    """Record a hook's failure, then apply its policy (raise to fail the command)."""
    error = str(exc) or type(exc).__name__
    event = HookFailedEvent(
        hook=entry.name, stage=entry.stage, command_type=type(command).__name__,
        error_type=type(exc).__name__, error=error, policy=entry.on_error,
    )  # fmt: skip
    try:
        await bus.publish(event)
    except Exception:
        logger.exception("could not publish the failure of hook %r", entry.name)
    if entry.on_error == "fail":
        raise MessageRejected(
            f"hook {entry.name!r} failed at {entry.stage}: {type(exc).__name__}: {error}"
        ) from exc
    if entry.on_error == "log":
        logger.warning(
            "hook %r failed at %s on %s and its change was dropped: %s: %s",
            entry.name, entry.stage, type(command).__name__, type(exc).__name__, error,
        )  # fmt: skip


def _default_name(fn: object) -> str:
    """``fn``'s qualified name without the ``outer.<locals>.`` of nested functions."""
    qualname = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return str(qualname).rpartition("<locals>.")[2]
