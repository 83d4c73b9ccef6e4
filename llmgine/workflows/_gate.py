"""The gate: command middleware that ties model and tool calls to workflow runs.

The runtime opens a session for every agent call and tool step of a run. Every
``CallLLMCommand`` and ``ExecuteToolCommand`` of such a session passes the gate, which

- refuses it (``MessageRejected``) when its run must stop: cancelled, timed out, or, for a
  model call, a budget of the run or of a run around it reached. So after a cancel no new
  model or tool call starts, even one that a turn in flight was about to make;
- counts it when it starts, and charges a model call's tokens and cost when it returns,
  to the step, the run and the runs around it. A run's usage is therefore the sum of its
  calls, streamed or not, failed turns included.

Commands of other sessions pass with one dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from llmgine.bus import CommandNext, MessageRejected
from llmgine.engine import CallLLMCommand
from llmgine.llm import LLMResponse
from llmgine.messages import Command, CommandResult
from llmgine.sinks import ModelPrice
from llmgine.tools import ExecuteToolCommand
from llmgine.workflows._state import Account, RunState

PriceLookup = Callable[[str], ModelPrice | None]


class Gate:
    """The middleware; ``open``/``close`` tie a session to a run and a step account."""

    def __init__(self, price: PriceLookup) -> None:
        self._price = price
        self._sessions: dict[str, tuple[RunState, Account]] = {}

    def open(self, session_id: str, run: RunState, step: Account) -> None:
        self._sessions[session_id] = (run, step)

    def close(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    async def __call__(self, command: Command[Any], call_next: CommandNext) -> CommandResult[Any]:
        entry = self._sessions.get(command.session_id)
        if entry is None:
            return await call_next(command)
        run, step = entry
        if isinstance(command, CallLLMCommand):
            return await self._model_call(command, call_next, run, step)
        if isinstance(command, ExecuteToolCommand):
            if run.check(None) is not None:
                raise MessageRejected(_refusal(run, "tool"))
            run.count(step, "tool_calls")
        return await call_next(command)

    async def _model_call(
        self, command: CallLLMCommand, call_next: CommandNext, run: RunState, step: Account
    ) -> CommandResult[Any]:
        if run.check("model_call") is not None:
            raise MessageRejected(_refusal(run, "model"))
        run.count(step, "model_calls")
        result = await call_next(command)
        response = result.result
        if result.success and isinstance(response, LLMResponse):
            price = self._price(response.model_name)
            usage = response.usage
            cost = None if price is None else price.cost(usage.input_tokens, usage.output_tokens)
            run.charge_call(step, usage, cost)
        return result


def _refusal(run: RunState, what: str) -> str:
    stop = run.stop
    assert stop is not None
    return (
        f"workflow run {run.id} of {run.workflow!r} is stopping ({stop.reason}: "
        f"{stop.detail}); no new {what} call of it starts"
    )
