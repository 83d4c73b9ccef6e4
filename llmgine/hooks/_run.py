"""Running the hooks of one stage, in order, each on what the previous one left.

One hook call: an async hook is awaited on the event loop; a sync hook runs in a worker
thread (``asyncio.to_thread``), so a slow one cannot stall the loop and its timeout can
fire. A thread cannot be interrupted: a sync hook that times out goes on in the background
until it returns, and what it returns is ignored.

One stage: each hook gets the payload as the previous hook left it; a returned value goes
through the point's setter at once, so a payload of the wrong type is that hook's failure,
and the next hook reads the payload back from the new object (exactly what will be sent).
``HookRejected`` (any ``MessageRejected``) ends the stage and rejects the command; any
other exception or a timeout is handed to ``on_failure``, which applies the hook's policy:
it raises to fail the command or returns to go on without the hook's change.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from llmgine.bus import MessageRejected
from llmgine.hooks._errors import HookRejected
from llmgine.hooks._types import STAGES, HookContext, HookErrorPolicy, HookFunction, HookStage
from llmgine.messages import Command

S = TypeVar("S")


@dataclass(frozen=True, slots=True, eq=False)
class HookEntry:
    """One hook added to a ``Hooks``: the function and how to run it."""

    stage: HookStage
    fn: HookFunction
    name: str
    timeout: float | None
    on_error: HookErrorPolicy
    is_async: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "is_async", _is_async_callable(self.fn))


FailureHandler = Callable[[HookEntry, Exception], Awaitable[None]]


async def call_hook(entry: HookEntry, context: HookContext[object]) -> object:
    """What ``entry`` returned for ``context``; raises what it raised, or ``TimeoutError``."""
    try:
        async with asyncio.timeout(entry.timeout) as scope:
            if entry.is_async:
                value = entry.fn(context)
            else:
                value = await asyncio.to_thread(entry.fn, context)
            if inspect.isawaitable(value):
                value = await value
            return value
    except TimeoutError as exc:
        if scope.expired():
            raise TimeoutError(f"did not finish within {entry.timeout:g} s") from exc
        raise


@dataclass(slots=True)
class StageRun:
    """The fixed facts of one stage run: which command, and the notebook it shares."""

    command: Command[Any]
    metadata: dict[str, Any]
    on_failure: FailureHandler
    result: object | None = None


async def run_stage(
    stage: HookStage,
    entries: tuple[HookEntry, ...],
    subject: S,
    get: Callable[[S], object],
    put: Callable[[S, object], S],
    run: StageRun,
) -> S:
    """Run ``entries`` on ``subject`` (a command, or a result value); return the new one."""
    target, before = STAGES[stage]
    payload = original = get(subject)
    for entry in entries:
        current = subject if before else run.command
        assert isinstance(current, Command)
        context = HookContext(
            stage=stage, target=target, payload=payload, original=original,
            command=current, session_id=run.command.session_id,
            result=None if before else subject, metadata=run.metadata,
        )  # fmt: skip
        try:
            value = await call_hook(entry, context)
            if value is None:
                continue
            changed = put(subject, value)
            changed_payload = get(changed)
        except MessageRejected as exc:
            if isinstance(exc, HookRejected) and exc.hook is None:
                exc.hook, exc.stage = entry.name, stage
            raise
        except Exception as exc:
            await run.on_failure(entry, exc)
            continue
        subject, payload = changed, changed_payload
    return subject


def _is_async_callable(fn: object) -> bool:
    while isinstance(fn, functools.partial):
        fn = fn.func
    if inspect.iscoroutinefunction(fn):
        return True
    call = getattr(type(fn), "__call__", None)  # noqa: B004 - the class's __call__ is wanted
    return call is not None and not inspect.isfunction(fn) and inspect.iscoroutinefunction(call)
