"""Carrying out one step of a run: an agent call, a nested run, or a tool call.

A step waits for a place among the runtime's concurrent calls (agent and tool steps only:
a nested run holds no place while its own steps wait for theirs, so nesting cannot
deadlock), asks its run whether it may start, then announces itself, sends its command
through the bus, and reports how it went. Its command points at its started event
through ``parent_id``. A step cancelled with its run is recorded as cancelled; a step that
never started (cancelled while it waited, or refused by a limit) leaves no record.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from llmgine.bus import MessageBus
from llmgine.engine import PromptCommand, ToolChatEngine, TurnResult
from llmgine.messages import CommandResult, new_session_id
from llmgine.tools import ExecuteToolCommand, ToolResult
from llmgine.workflows._executors import AgentExecutor, Executor
from llmgine.workflows._gate import Gate
from llmgine.workflows._messages import (
    RunWorkflowCommand,
    WorkflowStepCompletedEvent,
    WorkflowStepFailedEvent,
    WorkflowStepStartedEvent,
)
from llmgine.workflows._plan import AgentStep, Step, ToolStep
from llmgine.workflows._results import StepKind, StepRecord, TextDigest, WorkflowResult
from llmgine.workflows._state import Account, RunState
from llmgine.workflows._workflow import Workflow


@dataclass
class Services:
    """What steps need of their runtime."""

    bus: MessageBus
    engine: ToolChatEngine
    gate: Gate
    slots: asyncio.Semaphore
    """Places for agent and tool calls in flight, shared by every run of the runtime."""
    memory_locks: dict[str, asyncio.Lock]
    """One lock per agent with memory: its calls share a session, so they take turns."""
    key_of: Callable[[Workflow[BaseModel]], str]
    """The key a nested workflow is registered under."""
    digest_above: int

    def digest(self, text: str) -> TextDigest:
        return TextDigest.of(text, self.digest_above)


Outcome = dict[str, Any]
"""The fields of a step's record that its call decided."""


async def run_step(
    services: Services, run: RunState, workflow: Workflow[BaseModel], spec: Step
) -> StepRecord | None:
    """Carry out ``spec``; its record, or None if it never started."""
    executor = None if isinstance(spec, ToolStep) else _executor(workflow, spec)
    async with contextlib.AsyncExitStack() as places:
        try:
            if isinstance(executor, AgentExecutor) and executor.agent.memory:
                lock = services.memory_locks.setdefault(executor.name, asyncio.Lock())
                await places.enter_async_context(lock)
            if not isinstance(executor, Workflow):
                await places.enter_async_context(services.slots)
        except asyncio.CancelledError:
            return None  # cancelled before it started: nothing to record
        if run.check("step") is not None:
            return None
        index, account = run.start_step()
        try:
            return await _carry_out(services, run, spec, executor, index, account)
        finally:
            del run.step_accounts[index]


def _executor(workflow: Workflow[BaseModel], spec: AgentStep) -> Executor:
    try:
        return workflow.roles[spec.role]
    except KeyError:
        raise LookupError(
            f"the {workflow.pattern} pattern asked for a step of role {spec.role!r}, which "
            f"{workflow.name!r} does not have (roles: {sorted(workflow.roles)})"
        ) from None


async def _carry_out(
    services: Services,
    run: RunState,
    spec: Step,
    executor: Executor | None,
    index: int,
    account: Account,
) -> StepRecord:
    kind: StepKind
    if isinstance(spec, ToolStep):
        kind, role, name, text = "tool", "tool", spec.call.name, spec.call.arguments
    else:
        kind = "workflow" if isinstance(executor, Workflow) else "agent"
        assert executor is not None
        role, name, text = spec.role, executor.name, spec.input
    model = None
    if isinstance(executor, AgentExecutor):
        model = executor.agent.model or services.engine.model
    started = WorkflowStepStartedEvent(
        run_id=run.id, workflow=run.workflow, step=index, role=role, executor=name,
        step_kind=kind, tags=dict(spec.tags), input=services.digest(text), model=model,
    )  # fmt: skip
    await services.bus.publish(started)
    clock = time.perf_counter()
    try:
        if isinstance(spec, ToolStep):
            outcome = await _tool(services, run, spec, index, account, started.event_id)
        elif isinstance(executor, Workflow):
            outcome = await _nested(services, run, spec, executor, index, started.event_id)
        else:
            assert isinstance(executor, AgentExecutor)
            outcome = await _agent(services, run, spec, executor, index, account, started)
    except asyncio.CancelledError:
        reason = run.stop.detail if run.stop else "the run was cancelled"
        outcome = {"status": "cancelled", "error": reason, "error_kind": "cancelled"}
    record = StepRecord(
        index=index, role=role, executor=name, kind=kind, tags=dict(spec.tags), input=text,
        model=outcome.pop("model", model), usage=account.snapshot(),
        duration_ms=(time.perf_counter() - clock) * 1000, **outcome,
    )  # fmt: skip
    await services.bus.publish(_finished_event(services, run, record, started.event_id))
    return record


async def _agent(
    services: Services,
    run: RunState,
    spec: AgentStep,
    executor: AgentExecutor,
    index: int,
    account: Account,
    started: WorkflowStepStartedEvent,
) -> Outcome:
    agent = executor.agent
    # A step's own session is fresh, in the one format of session ids (its run and index
    # are in the prompt's metadata); an agent with memory keeps one named session.
    session = f"agent-{agent.name}" if agent.memory else new_session_id()
    services.gate.open(session, run, account)
    try:
        result = await services.bus.execute(
            PromptCommand(
                prompt=spec.input,
                session_id=session,
                parent_id=started.event_id,
                system_prompt=agent.system_prompt,
                model=agent.model,
                tools=agent.tool_names if spec.offer_tools else (),
                execute_tools=spec.run_tools,
                max_tool_rounds=agent.max_tool_iterations,
                max_tokens=agent.max_tokens,
                response_format=executor.response_format,
                metadata={"workflow_run": run.id, "step": index, "agent": agent.name},
            )
        )
    finally:
        services.gate.close(session)
        if not agent.memory:
            services.engine.context.forget(session)
    if not result.success:
        return _failed(result)
    turn = result.unwrap()
    assert isinstance(turn, TurnResult)
    return {
        "status": "completed",
        "output": turn.content,
        "tool_calls": turn.unexecuted_tool_calls,
        "parsed": turn.parsed,
        "model": turn.model,
        "finish_reason": turn.finish_reason,
    }


async def _tool(
    services: Services, run: RunState, spec: ToolStep, index: int, account: Account, parent: str
) -> Outcome:
    session = new_session_id()
    services.gate.open(session, run, account)
    try:
        result = await services.bus.execute(
            ExecuteToolCommand(call=spec.call, session_id=session, parent_id=parent)
        )
    finally:
        services.gate.close(session)
    if not result.success:
        return _failed(result)
    done = result.unwrap()
    assert isinstance(done, ToolResult)
    if done.error_kind is not None:
        # What the model reads about the failure (with its advice) is the error.
        return {"status": "failed", "error": done.content, "error_kind": done.error_kind}
    return {"status": "completed", "output": done.content}


async def _nested(
    services: Services,
    run: RunState,
    spec: AgentStep,
    workflow: Workflow[BaseModel],
    index: int,
    parent: str,
) -> Outcome:
    result = await services.bus.execute(
        RunWorkflowCommand(
            workflow=services.key_of(workflow),
            input=spec.input,
            parent_run=run.id,
            parent_step=index,
            parent_id=parent,
        )
    )
    if not result.success:
        return _failed(result)
    nested = result.unwrap()
    assert isinstance(nested, WorkflowResult)
    if nested.completed:
        return {"status": "completed", "output": nested.output, "parsed": nested.parsed}
    return {"status": "failed", "error": nested.error, "error_kind": nested.reason}


def _failed(result: CommandResult[Any]) -> Outcome:
    failure = result.failure
    return {
        "status": "cancelled" if failure and failure.kind == "cancelled" else "failed",
        "error": result.error or "the call failed",
        "error_kind": failure.kind if failure else "handler_error",
    }


def _finished_event(
    services: Services, run: RunState, record: StepRecord, parent: str
) -> WorkflowStepCompletedEvent | WorkflowStepFailedEvent:
    shared: dict[str, Any] = {
        "run_id": run.id, "workflow": run.workflow, "step": record.index, "role": record.role,
        "executor": record.executor, "step_kind": record.kind, "status": record.status,
        "usage": record.usage.tokens, "cost_usd": record.usage.cost_usd,
        "model_calls": record.usage.model_calls, "duration_ms": record.duration_ms,
        "parent_id": parent,
    }  # fmt: skip
    if record.ok:
        return WorkflowStepCompletedEvent(output=services.digest(record.output), **shared)
    return WorkflowStepFailedEvent(
        error=record.error or record.status, error_kind=record.error_kind, **shared
    )
