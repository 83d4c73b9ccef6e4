"""The pipeline through the bus, and what every agent call of a run is on the bus."""

from __future__ import annotations

from pydantic import BaseModel

from llmgine.engine import PromptCommand
from llmgine.hooks import HookContext, Hooks
from llmgine.testing import Fault, ScriptedProvider, json_reply, text
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    Pipeline,
    PipelineConfig,
    RunWorkflowCommand,
    SimpleExecutor,
    StructuredExecutor,
    WorkflowCompletedEvent,
    WorkflowFailedEvent,
    WorkflowStartedEvent,
    WorkflowStepCompletedEvent,
    WorkflowStepFailedEvent,
    WorkflowStepStartedEvent,
)
from tests.workflows.conftest import prompt_of, system_of, workflows

STAGES = [
    AgentExecutor(Agent(name="researcher", system_prompt="You research.")),
    AgentExecutor(Agent(name="writer", system_prompt="You write.")),
    AgentExecutor(Agent(name="editor", system_prompt="You edit.")),
]


async def test_each_stage_gets_the_previous_output_in_a_session_of_its_own() -> None:
    model = ScriptedProvider([text("notes"), text("draft"), text("final text")])
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(Pipeline(STAGES), "Topic: tides")
        engine = setup.runtime.engine
    assert [(system_of(r), prompt_of(r)) for r in model.requests] == [
        ("You research.", "Topic: tides"),
        ("You write.", "notes"),
        ("You edit.", "draft"),
    ]
    assert result.reason == "completed"
    assert result.output == "final text"
    assert result.iterations == 3
    assert result.metadata == {"stages": ["researcher", "writer", "editor"]}
    assert [(s.index, s.role, s.status, s.output) for s in result.steps] == [
        (1, "researcher", "completed", "notes"),
        (2, "writer", "completed", "draft"),
        (3, "editor", "completed", "final text"),
    ]
    assert result.usage.model_calls == 3
    assert result.usage.tokens == sum(
        (s.usage.tokens for s in result.steps[1:]), result.steps[0].usage.tokens
    )
    prompts = setup.of_type(PromptCommand)
    assert len({p.session_id for p in prompts}) == 3
    assert engine.context.sessions == []  # fresh sessions are dropped after their call


async def test_the_log_holds_the_run_in_order_with_its_parent_chain() -> None:
    model = ScriptedProvider([text("notes"), text("draft"), text("final text")])
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(Pipeline(STAGES), "Topic: tides")
    events = setup.workflow_events()
    assert [type(e).__name__ for e in events] == [
        "WorkflowStartedEvent",
        *["WorkflowStepStartedEvent", "WorkflowStepCompletedEvent"] * 3,
        "WorkflowCompletedEvent",
    ]
    (command,) = setup.of_type(RunWorkflowCommand)
    assert {e.run_id for e in events} == {command.command_id} == {result.run_id}
    started = setup.of_type(WorkflowStepStartedEvent)
    assert all(e.parent_id == command.command_id for e in started)
    for step, prompt in zip(started, setup.of_type(PromptCommand), strict=True):
        assert prompt.parent_id == step.event_id
        assert prompt.metadata == {"workflow_run": result.run_id, "step": step.step,
                                   "agent": step.executor}  # fmt: skip
    done = setup.of_type(WorkflowStepCompletedEvent)
    assert [e.parent_id for e in done] == [e.event_id for e in started]
    assert [e.output.text for e in done] == ["notes", "draft", "final text"]
    assert setup.of_type(WorkflowStartedEvent)[0].input.text == "Topic: tides"
    assert setup.of_type(WorkflowCompletedEvent)[0].output.text == "final text"


async def test_a_failed_stage_ends_the_run_as_failed_and_no_later_stage_runs() -> None:
    model = ScriptedProvider([text("notes"), Fault.unauthorized()])
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(Pipeline(STAGES), "Topic: tides")
    assert result.reason == "failed"
    assert result.output == ""
    assert "stage 'writer'" in (result.error or "")
    assert [s.status for s in result.steps] == ["completed", "failed"]
    assert result.steps[1].error_kind == "auth_failed"
    assert result.steps[1].output == ""
    (failed,) = setup.of_type(WorkflowStepFailedEvent)
    assert failed.error_kind == "auth_failed"
    assert len(setup.of_type(WorkflowFailedEvent)) == 1


async def test_stages_can_see_the_original_input() -> None:
    model = ScriptedProvider([text("notes"), text("draft")])
    pipeline = Pipeline(STAGES[:2], PipelineConfig(include_original=True))
    async with model, workflows(model) as setup:
        await setup.runtime.run(pipeline, "Topic: tides")
    assert "Topic: tides" in prompt_of(model.requests[1])
    assert "notes" in prompt_of(model.requests[1])


async def test_an_agent_runs_alone_as_a_one_step_run_with_its_own_settings() -> None:
    def shout(word: str) -> str:
        """Shout a word.

        Args:
            word: what to shout.
        """
        return word.upper()

    agent = Agent(name="crier", system_prompt="Cry.", tools=[shout], max_tokens=64)
    model = ScriptedProvider([text("hear ye")])
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(AgentExecutor(agent), "news")
    assert result.workflow == "crier"
    assert result.output == "hear ye"
    (request,) = model.requests
    assert [tool.name for tool in request.tools] == ["shout"]
    assert request.max_tokens == 64
    (prompt,) = setup.of_type(PromptCommand)
    assert prompt.max_tool_rounds == agent.max_tool_iterations


class Verdict(BaseModel):
    guilty: bool
    reason: str


async def test_a_structured_executor_returns_its_model() -> None:
    judge = StructuredExecutor(Agent(name="judge", system_prompt="Judge."), Verdict)
    model = ScriptedProvider([json_reply(Verdict(guilty=False, reason="alibi"))])
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(judge, "the case")
    assert judge.parse(result) == Verdict(guilty=False, reason="alibi")
    assert judge.parse(result.steps[0]) == Verdict(guilty=False, reason="alibi")


async def test_an_agent_with_memory_remembers_its_earlier_calls() -> None:
    keeper = AgentExecutor(Agent(name="keeper", memory=True))
    forgetful = AgentExecutor(Agent(name="forgetful"))
    pipeline = Pipeline([("k1", keeper), ("f1", forgetful), ("k2", keeper), ("f2", forgetful)])
    model = ScriptedProvider([text("one"), text("two"), text("three"), text("four")])
    async with model, workflows(model) as setup:
        await setup.runtime.run(pipeline, "start")
    assert [len(r.messages) for r in model.requests] == [1, 1, 3, 1]
    assert [m.content for m in model.requests[2].messages] == ["start", "one", "two"]
    sessions = [p.session_id for p in setup.of_type(PromptCommand)]
    assert sessions[0] == sessions[2] == "agent-keeper"
    assert len({sessions[1], sessions[3], sessions[0]}) == 3


async def test_workflow_and_executor_hooks_run_on_runs_and_agent_calls() -> None:
    hooks = Hooks()
    hooks.add("before_workflow", lambda ctx: ctx.payload.replace("tides", "waves"))
    hooks.add("before_executor", lambda ctx: f"[{ctx.payload}]")
    seen: list[str] = []

    def sign(ctx: HookContext[str]) -> str:
        seen.append(ctx.result.reason)  # type: ignore[union-attr]
        return ctx.payload + " (signed)"

    hooks.add("after_workflow", sign)
    pipeline = Pipeline([SimpleExecutor(name="one"), SimpleExecutor(name="two")])
    model = ScriptedProvider([text("a"), text("b")])
    async with model, workflows(model) as setup:
        hooks.install(setup.bus)
        result = await setup.runtime.run(pipeline, "Topic: tides")
    assert [prompt_of(r) for r in model.requests] == ["[Topic: waves]", "[a]"]
    assert result.output == "b (signed)"
    assert seen == ["completed"]
