"""The runtime as a component: its engine, its registry, and the errors it gives."""

from __future__ import annotations

import pytest

from llmgine.bus import MessageBus, UsageError
from llmgine.engine import ToolChatEngine
from llmgine.hooks import HookRejected, Hooks
from llmgine.messages import CommandFailedError
from llmgine.testing import ScriptedProvider, text
from llmgine.tools import tool_from_function
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    Pipeline,
    RunWorkflowCommand,
    SimpleExecutor,
    WorkflowConfigError,
    WorkflowRuntime,
)
from tests.workflows.conftest import workflows


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
