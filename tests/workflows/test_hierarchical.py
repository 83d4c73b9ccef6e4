"""Hierarchical through the bus: a structured plan, workers at once, a synthesis."""

from __future__ import annotations

import json

import pytest

from llmgine.llm import LLMRequest
from llmgine.testing import Fault, FunctionProvider, ScriptStep
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    Hierarchical,
    HierarchicalConfig,
    SimpleExecutor,
    WorkflowConfigError,
    WorkflowStepFailedEvent,
    WorkflowStepStartedEvent,
)
from tests.workflows.conftest import Crowd, prompt_of, system_of, workflows

MANAGER = AgentExecutor(Agent(name="Lead", system_prompt="Plan and combine."))
WRITER = AgentExecutor(Agent(name="writer", description="writes prose", system_prompt="Write."))
CODER = AgentExecutor(Agent(name="coder", description="writes code", system_prompt="Code."))
PLAN = {
    "subtasks": [
        {"task": "release notes", "worker": "writer"},
        {"task": "build wheels", "worker": "coder"},
        {"task": "update docs"},
    ]
}


async def test_the_manager_plans_the_workers_run_at_once_within_the_limit() -> None:
    crowd = Crowd(2)

    async def answer(request: LLMRequest) -> str:
        prompt = prompt_of(request)
        if system_of(request) == "Plan and combine.":
            return "Done." if "results" in prompt else json.dumps(PLAN)
        await crowd.enter()
        return f"{system_of(request)} {prompt.split('): ')[1].splitlines()[0]}"

    model = FunctionProvider(answer)
    run = Hierarchical(MANAGER, [WRITER, CODER], config=HierarchicalConfig(max_parallel=2))
    async with workflows(model) as setup:
        result = await setup.runtime.run(run, "Ship version 2.")
    plan_prompt = prompt_of(model.requests[0])
    assert "Workers:\n- writer: writes prose\n- coder: writes code" in plan_prompt
    assert "at most 5 subtasks" in plan_prompt
    assert crowd.peak == 2
    assert setup.peak_steps_in_flight() == 2
    workers = [system_of(r) for r in model.requests[1:4]]
    assert sorted(workers) == ["Code.", "Write.", "Write."]  # "update docs" went to writer
    synthesis = prompt_of(model.requests[4])
    assert "[Subtask 2, by coder] build wheels\nResult: Code. build wheels" in synthesis
    assert result.reason == "completed"
    assert result.output == "Done."
    assert result.iterations == 3
    assert [s["worker"] for s in result.metadata["subtasks"]] == ["writer", "coder", "writer"]  # type: ignore[index,union-attr]
    started = setup.of_type(WorkflowStepStartedEvent)
    assert [e.role for e in started] == ["manager", "writer", "coder", "writer", "synthesizer"]


async def test_a_malformed_plan_is_asked_again_and_a_failed_worker_fails_the_run() -> None:
    def answer(request: LLMRequest) -> ScriptStep:
        prompt = prompt_of(request)
        if system_of(request) == "Plan and combine.":
            return json.dumps(PLAN) if "could not be used" in prompt else "1. notes\n2. wheels"
        return Fault.server_error() if "wheels" in prompt else "ok"

    model = FunctionProvider(answer)
    async with workflows(model) as setup:
        result = await setup.runtime.run(Hierarchical(MANAGER, [WRITER, CODER]), "Ship it.")
    assert "Your last plan could not be used: the reply is not a JSON object" in prompt_of(
        model.requests[1]
    )
    assert result.reason == "failed"
    assert "subtask 2" in (result.error or "")
    assert result.metadata["failed_subtasks"] == [2]
    assert result.metadata["plan_attempts"] == 2
    (failed,) = setup.of_type(WorkflowStepFailedEvent)
    assert (failed.role, failed.error_kind) == ("coder", "server_error")
    assert "Plan and combine." not in [system_of(r) for r in model.requests[2:]]  # no synthesis


def test_zero_workers_is_a_config_error_when_built() -> None:
    with pytest.raises(WorkflowConfigError, match="at least one worker"):
        Hierarchical(MANAGER, [])
    with pytest.raises(WorkflowConfigError, match="'manager' is the name of another role"):
        Hierarchical(MANAGER, [("manager", SimpleExecutor())])
