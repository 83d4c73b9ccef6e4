"""One run: ask the pattern what to do, do it, until it finishes or must stop.

The loop is the effectful shell around a pattern's pure ``decide``: it runs the steps a
decision asks for (concurrently, at most ``max_parallel`` at a time, each through the bus),
adds their records, and asks again. Before each step it checks the limits; a timeout and a
cancellation cancel the steps in flight. However it ends, it publishes exactly one
terminal event and returns a ``WorkflowResult`` that says how it ended; when its own task
is cancelled (its caller went away) it publishes ``WorkflowCancelledEvent`` and lets the
cancellation go on.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

from pydantic import BaseModel

from llmgine.workflows._messages import (
    RunWorkflowCommand,
    WorkflowBudgetExceededEvent,
    WorkflowCancelledEvent,
    WorkflowCompletedEvent,
    WorkflowFailedEvent,
    WorkflowFinishedEvent,
    WorkflowStartedEvent,
    WorkflowTimedOutEvent,
)
from llmgine.workflows._plan import Decision, Fail, Finish, RunSteps
from llmgine.workflows._results import StepRecord, WorkflowResult
from llmgine.workflows._state import RunState, Stop
from llmgine.workflows._steps import Services, run_step
from llmgine.workflows._workflow import Workflow


class Run:
    """Carries out ``workflow`` for ``command``, its state in ``state``."""

    def __init__(
        self,
        services: Services,
        command: RunWorkflowCommand,
        workflow: Workflow[BaseModel],
        state: RunState,
    ) -> None:
        self.services = services
        self.command = command
        self.workflow = workflow
        self.state = state
        self.records: list[StepRecord] = []
        self.broken: BaseException | None = None
        """A step that raised instead of recording how it went (a bug, not a failure)."""

    async def execute(self) -> WorkflowResult:
        state, command = self.state, self.command
        clock = time.perf_counter()
        await self.services.bus.publish(
            WorkflowStartedEvent(
                run_id=state.id, workflow=state.workflow, pattern=self.workflow.pattern,
                input=self.services.digest(command.input), limits=command.limits,
                parent_run=command.parent_run,
            )
        )  # fmt: skip
        timer = None
        seconds = command.limits.timeout
        if seconds is not None:
            stop = Stop("timed_out", f"the run took longer than {seconds:g} s", "timeout")
            timer = asyncio.get_running_loop().call_later(seconds, state.halt, stop)
        try:
            ending = await self._loop()
        except asyncio.CancelledError:
            state.halt(Stop("cancelled", "the caller of the run was cancelled"))
            await self._drain()
            await self._finish(None, clock)
            raise
        except Exception as exc:
            # Whatever broke, the run still ends with one terminal event and a result.
            for task in state.tasks:
                task.cancel()
            await self._drain()
            ending = Fail(f"the run broke: {type(exc).__name__}: {exc}")
        finally:
            if timer is not None:
                timer.cancel()
        return await self._finish(ending, clock)

    async def _loop(self) -> Finish | Fail | None:
        """Decide and carry out until the pattern ends the run (None: it must stop)."""
        while self.state.stop is None:
            decision = self._decide()
            if not isinstance(decision, RunSteps):
                return decision
            if not decision.steps:
                return Fail(f"the {self.workflow.pattern} pattern asked to run no steps")
            await self._run_all(decision)
            if self.broken is not None:
                return Fail(
                    f"a step could not be carried out: {type(self.broken).__name__}: {self.broken}"
                )
        return None

    def _decide(self) -> Decision:
        try:
            return self.workflow.decide(self.command.input, tuple(self.records))
        except Exception as exc:
            return Fail(
                f"the {self.workflow.pattern} pattern could not decide its next step: "
                f"{type(exc).__name__}: {exc}"
            )

    async def _run_all(self, decision: RunSteps) -> None:
        """Run the steps of ``decision``, at most ``max_parallel`` in flight at once."""
        state = self.state
        waiting = deque(decision.steps)
        limit = decision.max_parallel or len(waiting)
        running = state.tasks
        while waiting or running:
            while waiting and len(running) < limit and state.stop is None:
                spec = waiting.popleft()
                running.add(
                    asyncio.create_task(run_step(self.services, state, self.workflow, spec))
                )
            if not running:
                break
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                running.discard(task)
                self._keep(task)
        self.records.sort(key=lambda record: record.index)

    def _keep(self, task: asyncio.Task[StepRecord | None]) -> None:
        """Add the record of a finished step task, if it left one."""
        if task.cancelled():
            return  # cancelled before it could record itself
        problem = task.exception()
        if problem is not None:
            self.broken = self.broken or problem
            return
        record = task.result()
        if record is not None:
            self.records.append(record)

    async def _drain(self) -> None:
        """Wait for the steps in flight (just cancelled) to record how they ended."""
        running = list(self.state.tasks)
        self.state.tasks.clear()
        if running:
            await asyncio.wait(running)
        for task in running:
            self._keep(task)
        self.records.sort(key=lambda record: record.index)

    async def _finish(self, ending: Finish | Fail | None, clock: float) -> WorkflowResult:
        result = self._result(ending, clock)
        await self.services.bus.publish(_terminal_event(result, self.services))
        return result

    def _result(self, ending: Finish | Fail | None, clock: float) -> WorkflowResult:
        """How the run ended: stopped (whatever the pattern said), finished, or failed."""
        state, records = self.state, tuple(self.records)
        iterations = [r.tags.get("iteration") for r in records]
        common: dict[str, Any] = {
            "run_id": state.id,
            "workflow": state.workflow,
            "pattern": self.workflow.pattern,
            "iterations": max((n for n in iterations if isinstance(n, int)), default=0),
            "steps": records,
            "usage": state.account.snapshot(),
            "duration_ms": (time.perf_counter() - clock) * 1000,
        }
        stop = state.stop
        if stop is not None:
            return WorkflowResult(reason=stop.reason, error=stop.detail, limit=stop.limit, **common)
        if isinstance(ending, Finish):
            return WorkflowResult(
                reason="completed", output=ending.output, parsed=ending.parsed,
                metadata=dict(ending.metadata), **common,
            )  # fmt: skip
        assert ending is not None
        return WorkflowResult(
            reason="failed", error=ending.error, metadata=dict(ending.metadata), **common
        )


def _terminal_event(result: WorkflowResult, services: Services) -> WorkflowFinishedEvent:
    shared: dict[str, Any] = {
        "run_id": result.run_id,
        "workflow": result.workflow,
        "reason": result.reason,
        "iterations": result.iterations,
        "steps": len(result.steps),
        "usage": result.usage,
        "duration_ms": result.duration_ms,
    }
    detail = result.error or ""
    if result.reason == "completed":
        return WorkflowCompletedEvent(output=services.digest(result.output), **shared)
    if result.reason == "failed":
        return WorkflowFailedEvent(error=detail, **shared)
    if result.reason == "cancelled":
        return WorkflowCancelledEvent(detail=detail, **shared)
    if result.reason == "timed_out":
        return WorkflowTimedOutEvent(detail=detail, **shared)
    assert result.limit is not None
    return WorkflowBudgetExceededEvent(limit=result.limit, detail=detail, **shared)
