"""The live state of a run: what it has spent, whether it must stop, what is in flight.

Every model call, tool call and step is charged to the accounts of its run, of the step it
belongs to, and of every run around it (a nested run's calls count for the outer runs'
budgets too). ``check`` is asked before a step or a model call starts: it walks from the
run outwards, and the first run that is stopping or whose limit is reached refuses it.
``halt`` records why a run must stop; a cancellation or a timeout also cancels the run's
steps in flight, a budget lets them finish (their next model call is refused).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from llmgine.llm import Usage
from llmgine.workflows._limits import Action, Limits
from llmgine.workflows._results import LimitName, RunUsage


class Account:
    """Running totals of one run or one step (the mutable side of ``RunUsage``)."""

    __slots__ = ("cost", "input", "model_calls", "output", "steps", "tool_calls", "unpriced")

    def __init__(self) -> None:
        self.input = self.output = self.model_calls = self.tool_calls = self.steps = 0
        self.unpriced = 0
        self.cost = 0.0

    def snapshot(self) -> RunUsage:
        return RunUsage(
            tokens=Usage(input_tokens=self.input, output_tokens=self.output),
            cost_usd=None if self.unpriced else self.cost,
            unpriced_calls=self.unpriced,
            model_calls=self.model_calls,
            tool_calls=self.tool_calls,
            steps=self.steps,
        )


@dataclass(frozen=True, slots=True)
class Stop:
    """Why a run must stop before its pattern is done."""

    reason: Literal["cancelled", "timed_out", "budget_exceeded"]
    detail: str
    limit: LimitName | None = None

    @property
    def cancels(self) -> bool:
        """Whether the steps in flight are cancelled (a budget lets them finish)."""
        return self.reason != "budget_exceeded"


class RunState:
    """One run, as the gate, the cancel command and its own loop see it."""

    def __init__(
        self,
        run_id: str,
        workflow: str,
        limits: Limits,
        parent: RunState | None = None,
        parent_step: Account | None = None,
    ) -> None:
        self.id = run_id
        self.workflow = workflow
        self.limits = limits
        self.parent = parent
        self.account = Account()
        self.stop: Stop | None = None
        self.cancelled_tasks = False
        """Whether ``halt`` has cancelled the steps in flight (it does so once)."""
        self.tasks: set[asyncio.Task[Any]] = set()
        self.step_accounts: dict[int, Account] = {}
        """The accounts of the steps in flight, by index (nested runs charge theirs)."""
        self.steps_started = 0
        outer = parent.accounts if parent is not None else ()
        self.accounts: tuple[Account, ...] = (
            (self.account, parent_step, *outer) if parent_step else (self.account, *outer)
        )
        """Every account a call made in this run is charged to: its own, the step of the
        outer run that runs it, and the outer runs'."""

    def chain(self) -> Iterator[RunState]:
        """This run, then the runs around it, outwards."""
        run: RunState | None = self
        while run is not None:
            yield run
            run = run.parent

    def check(self, action: Action | None) -> Stop | None:
        """Why ``action`` may not start now, if it may not (``None``: why nothing of this
        run may start, for tool calls, which no budget refuses). A limit that is reached
        halts every run from this one out to the run whose limit it is."""
        for run in self.chain():
            stop = run.stop
            if stop is None and action is not None:
                stop = run._reached(action)
            if stop is None:
                continue
            if run is not self:
                where = f" (in run {run.id} of {run.workflow!r})"
                stop = Stop(stop.reason, stop.detail + where, stop.limit)
            for inner in self.chain():
                inner.halt(stop)
                if inner is run:
                    break
            return self.stop
        return None

    def _reached(self, action: Action) -> Stop | None:
        usage = self.account.snapshot()
        limit = self.limits.blocking(usage, action)
        if limit is None:
            return None
        return Stop("budget_exceeded", f"{limit.limit}: {limit.describe(usage)}", limit.limit)

    def halt(self, stop: Stop) -> None:
        """Stop the run for ``stop`` (the first reason stays); cancel what is in flight
        when it is a cancellation or a timeout, once: a second cancel would cut short a
        nested run that is still cleaning up, and lose its terminal event."""
        if self.stop is None:
            self.stop = stop
        if stop.cancels and not self.cancelled_tasks:
            self.cancelled_tasks = True
            for task in self.tasks:
                task.cancel(stop.detail)

    def start_step(self) -> tuple[int, Account]:
        """Number a step that starts now, count it, and open its account."""
        self.steps_started += 1
        index = self.steps_started
        for account in self.accounts:
            account.steps += 1
        account = self.step_accounts[index] = Account()
        return index, account

    def charge_call(self, step: Account, usage: Usage | None, cost: float | None) -> None:
        """Charge a finished model call (``usage`` None: it failed) to every account."""
        for account in (step, *self.accounts):
            if usage is not None:
                account.input += usage.input_tokens
                account.output += usage.output_tokens
                if cost is None:
                    account.unpriced += 1
                else:
                    account.cost += cost

    def count(self, step: Account, what: Literal["model_calls", "tool_calls"]) -> None:
        """Count a model or tool call that starts now."""
        for account in (step, *self.accounts):
            setattr(account, what, getattr(account, what) + 1)
