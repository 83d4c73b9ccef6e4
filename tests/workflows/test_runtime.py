"""The runtime as a component: its engine, its registry, and the errors it gives."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest

from llmgine.bus import MessageBus, UsageError
from llmgine.engine import ToolChatEngine
from llmgine.hooks import HookRejected, Hooks
from llmgine.messages import CommandFailedError
from llmgine.testing import FunctionProvider, ScriptedProvider, text
from llmgine.tools import tool_from_function
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    AgentStep,
    Decision,
    Finish,
    MapReduce,
    MapReduceConfig,
    Pipeline,
    PipelineConfig,
    RunSteps,
    RunWorkflowCommand,
    SimpleExecutor,
    StepRecord,
    Workflow,
    WorkflowConfigError,
    WorkflowFinishedEvent,
    WorkflowRuntime,
    WorkflowStartedEvent,
    WorkflowStepCompletedEvent,
    WorkflowStepStartedEvent,
)
from tests.workflows.conftest import Crowd, workflows


def lookup(key: str) -> str:
    """Look up a key.

    Args:
        key: the key.
    """
    return key


async def test_the_runtime_starts_and_stops_an_engine_it_was_given_stopped() -> None:
    async with MessageBus(log_dir=None) as bus:
        engine = ToolChatEngine(bus, model=ScriptedProvider([text("hi")]))
        runtime = WorkflowRuntime(engine)
        with pytest.raises(UsageError, match="start the runtime first"):
            await runtime.run(SimpleExecutor(), "hello")
        async with runtime:
            assert engine.running
            assert (await runtime.run(SimpleExecutor(), "hello")).output == "hi"
        assert not engine.running


async def test_a_runtime_shares_an_engine_that_runs_already() -> None:
    async with MessageBus(log_dir=None) as bus:
        async with ToolChatEngine(bus, model=ScriptedProvider([])) as engine:
            async with WorkflowRuntime(engine):
                pass
            assert engine.running


async def test_it_works_only_on_the_bus_of_its_engine() -> None:
    async with MessageBus(log_dir=None) as bus, MessageBus(log_dir=None) as other:
        runtime = WorkflowRuntime(ToolChatEngine(bus, model=ScriptedProvider([])))
        with pytest.raises(UsageError, match="bus of its chat engine"):
            runtime.attach(other)


async def test_agents_tools_join_the_engine_and_a_name_clash_is_refused() -> None:
    first = AgentExecutor(Agent(name="a", tools=[lookup]))
    twin = AgentExecutor(Agent(name="b", tools=[lookup]))
    other = tool_from_function(lambda key: key, name="lookup", description="Another.")
    clash = AgentExecutor(Agent(name="c", tools=[other]))
    async with workflows(ScriptedProvider([])) as setup:
        setup.runtime.register(Pipeline([first, twin]))
        assert setup.runtime.engine.tools.names == ("lookup",)
        with pytest.raises(WorkflowConfigError, match="already has another tool"):
            setup.runtime.register(Pipeline([clash]))


async def test_workflows_register_under_unique_keys_held_weakly() -> None:
    async with workflows(ScriptedProvider([])) as setup:
        one, two = Pipeline([SimpleExecutor()]), Pipeline([SimpleExecutor()])
        assert setup.runtime.register(one) == "pipeline"
        assert setup.runtime.register(two) == "pipeline-2"
        assert setup.runtime.register(one) == "pipeline"
        del one
        assert setup.runtime.register(Pipeline([SimpleExecutor()])) == "pipeline"


async def test_an_unknown_workflow_key_fails_the_command_saying_what_to_do() -> None:
    async with workflows(ScriptedProvider([])) as setup:
        result = await setup.bus.execute(RunWorkflowCommand(workflow="nope", input="x"))
    assert result.failure is not None
    assert "no workflow 'nope' is registered" in (result.error or "")


async def test_a_run_a_hook_rejects_raises_command_failed() -> None:
    hooks = Hooks()

    def refuse(ctx: object) -> None:
        raise HookRejected("no workflows today")

    hooks.add("before_workflow", refuse)
    async with workflows(ScriptedProvider([])) as setup:
        hooks.install(setup.bus)
        with pytest.raises(CommandFailedError, match="no workflows today"):
            await setup.runtime.run(SimpleExecutor(), "hello")


def test_bad_settings_are_refused_when_built() -> None:
    with pytest.raises(WorkflowConfigError, match="at least one stage"):
        Pipeline([])
    with pytest.raises(WorkflowConfigError, match="two stages are named"):
        Pipeline([SimpleExecutor(), SimpleExecutor()])
    with pytest.raises(WorkflowConfigError, match="must be an executor"):
        Pipeline([("x", "not an executor")])  # type: ignore[list-item]


async def test_the_runtime_limits_the_calls_in_flight_over_all_runs() -> None:
    crowd = Crowd(1)

    async def answer(request: object) -> str:
        await crowd.enter()
        return "ok"

    mapper = MapReduce(SimpleExecutor(), config=MapReduceConfig(chunk_size=1))
    async with workflows(FunctionProvider(answer), max_concurrency=1) as setup:
        result = await setup.runtime.run(mapper, "abcd")
    assert result.completed
    assert crowd.peak == 1
    assert setup.peak_steps_in_flight() == 1


async def test_long_texts_travel_in_events_as_digests_and_whole_in_the_result() -> None:
    long = "x" * 50
    async with workflows(ScriptedProvider([text(long)]), digest_above=10) as setup:
        result = await setup.runtime.run(SimpleExecutor(), "y" * 50)
    (started,) = setup.of_type(WorkflowStartedEvent)
    assert started.input.text == "y" * 10
    assert started.input.chars == 50
    assert started.input.sha256 == hashlib.sha256(b"y" * 50).hexdigest()
    (done,) = setup.of_type(WorkflowStepCompletedEvent)
    assert done.output.text == "x" * 10
    assert done.output.sha256 is not None
    assert result.output == long


async def test_an_agent_names_its_own_model() -> None:
    agent = AgentExecutor(Agent(name="elsewhere", model="nowhere:model-x"))
    async with workflows(ScriptedProvider([])) as setup:
        result = await setup.runtime.run(agent, "hello")
    (step,) = result.steps
    assert step.status == "failed"
    assert step.error_kind == "invalid_request"
    assert "nowhere" in (step.error or "")
    (started,) = setup.of_type(WorkflowStepStartedEvent)
    assert started.model == "nowhere:model-x"


class Broken(Workflow[PipelineConfig]):
    """A pattern with a bug: it asks for a role it does not have, or cannot decide."""

    pattern = "broken"

    def __init__(self, ask_for: str) -> None:
        super().__init__(PipelineConfig(), {"worker": SimpleExecutor()})
        self.ask_for = ask_for

    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        if self.ask_for == "nothing":
            raise ZeroDivisionError("division by zero")
        if steps:
            return Finish("never")
        return RunSteps((AgentStep("worker", task), AgentStep(self.ask_for, task)))


async def test_a_broken_pattern_still_ends_its_run_with_one_terminal_event() -> None:
    async with workflows(ScriptedProvider([text("done")])) as setup:
        unknown_role = await setup.runtime.run(Broken("ghost"), "go")
        undecided = await setup.runtime.run(Broken("nothing"), "go")
    assert unknown_role.reason == "failed"
    assert "a step could not be carried out: LookupError" in (unknown_role.error or "")
    assert "role 'ghost'" in (unknown_role.error or "")
    assert [s.role for s in unknown_role.steps] == ["worker"]
    assert undecided.reason == "failed"
    assert undecided.error == (
        "the broken pattern could not decide its next step: ZeroDivisionError: division by zero"
    )
    assert len(setup.of_type(WorkflowFinishedEvent)) == 2
