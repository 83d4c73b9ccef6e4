"""Patterns nest: a debate inside a map-reduce. Events nest through parent ids, the outer
budget and cancel reach the innermost agents, and a seeded run logs the same twice."""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import Callable
from typing import Any

import orjson
from pydantic import BaseModel

from llmgine.engine import (
    LLMCallCompletedEvent,
    LLMCallStartedEvent,
    PromptCommand,
    TurnCancelledEvent,
)
from llmgine.llm import LLMRequest
from llmgine.messages import Message, encode
from llmgine.testing import FunctionProvider, InMemoryTransport, Reply, ScriptStep
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    Debate,
    DebateConfig,
    Hierarchical,
    HierarchicalConfig,
    MapReduce,
    MapReduceConfig,
    MaxModelCalls,
    RunWorkflowCommand,
    Workflow,
    WorkflowCancelledEvent,
    WorkflowEvent,
    WorkflowFinishedEvent,
    WorkflowResult,
    WorkflowStartedEvent,
    WorkflowStepFinishedEvent,
    WorkflowStepStartedEvent,
)
from tests.workflows.conftest import Setup, prompt_of, system_of, workflows

PRO = AgentExecutor(Agent(name="Pro", system_prompt="For."))
CON = AgentExecutor(Agent(name="Con", system_prompt="Against."))
JUDGE = AgentExecutor(Agent(name="Judge", system_prompt="Judge."))
REDUCER = AgentExecutor(Agent(name="Editor", system_prompt="Combine."))
TEXT = "aaaabbbbcccc"  # three chunks of four: three debates


def nested(max_parallel: int | None = None) -> MapReduce:
    debate = Debate([PRO, CON], judge=JUDGE, config=DebateConfig(max_rounds=1))
    return MapReduce(debate, REDUCER, MapReduceConfig(chunk_size=4, max_parallel=max_parallel))


def answer(request: LLMRequest) -> Reply:
    return Reply(text=f"{system_of(request)} on {len(prompt_of(request))}", usage=(4, 1))


def ancestry(setup: Setup, message: Message) -> list[str]:
    """The types of ``message``'s parents, up to the message with none."""
    by_id = setup.by_id()
    chain = []
    parent = getattr(message, "parent_id", None)
    while parent is not None:
        message = by_id[parent]
        chain.append(type(message).__name__)
        parent = getattr(message, "parent_id", None)
    return chain


def check_run_shapes(events: list[WorkflowEvent]) -> None:
    """Each run: started first, then steps that start before they finish, then exactly one
    terminal event, last."""
    runs: dict[str, list[WorkflowEvent]] = {}
    for event in events:
        runs.setdefault(event.run_id, []).append(event)
    for run in runs.values():
        assert isinstance(run[0], WorkflowStartedEvent)
        assert [isinstance(e, WorkflowFinishedEvent) for e in run].count(True) == 1
        assert isinstance(run[-1], WorkflowFinishedEvent)
        open_steps: set[int] = set()
        for event in run[1:-1]:
            if isinstance(event, WorkflowStepStartedEvent):
                open_steps.add(event.step)
            elif isinstance(event, WorkflowStepFinishedEvent):
                open_steps.remove(event.step)
        assert not open_steps


async def test_a_debate_inside_a_map_reduce_nests_its_events_through_parent_ids() -> None:
    async with workflows(FunctionProvider(answer)) as setup:
        result = await setup.runtime.run(nested(), TEXT)
    assert result.reason == "completed"
    assert result.output.startswith("Combine. on ")
    assert [(s.role, s.kind, s.usage.model_calls) for s in result.steps] == [
        ("mapper", "workflow", 3), ("mapper", "workflow", 3), ("mapper", "workflow", 3),
        ("reducer", "agent", 1),
    ]  # fmt: skip
    commands = setup.of_type(RunWorkflowCommand)
    outer = commands[0]
    assert len(commands) == 4
    assert all(c.parent_run == outer.command_id for c in commands[1:])
    judge_call = next(
        e for e in setup.of_type(LLMCallCompletedEvent) if e.content.startswith("Judge.")
    )
    assert ancestry(setup, judge_call) == [
        "CallLLMCommand", "PromptCommand", "WorkflowStepStartedEvent", "RunWorkflowCommand",
        "WorkflowStepStartedEvent", "RunWorkflowCommand",
    ]  # fmt: skip
    # The run's usage is the sum of every model call made for it, nested ones included.
    calls = setup.of_type(LLMCallCompletedEvent)
    assert len(calls) == result.usage.model_calls == 10
    assert result.usage.tokens.total_tokens == sum(c.usage.total_tokens for c in calls) == 50
    assert result.usage.steps == 4 + 3 * 3
    check_run_shapes(setup.workflow_events())


async def test_every_message_of_a_nested_run_can_cross_a_transport() -> None:
    transport = InMemoryTransport()
    async with workflows(FunctionProvider(answer), transport=transport) as setup:
        result = await setup.runtime.run(nested(), TEXT, limits=MaxModelCalls(50))
    assert result.reason == "completed"
    assert result.usage.model_calls == 10
    crossed = {crossing.wire_name for crossing in transport.sent}
    assert {"RunWorkflowCommand", "PromptCommand", "WorkflowStepCompletedEvent"} <= crossed
    check_run_shapes(setup.workflow_events())


async def test_the_outer_budget_reaches_the_innermost_agents() -> None:
    model = FunctionProvider(answer)
    async with workflows(model) as setup:
        result = await setup.runtime.run(nested(max_parallel=1), TEXT, limits=MaxModelCalls(4))
    assert len(setup.of_type(LLMCallStartedEvent)) == 4
    assert result.reason == "budget_exceeded"
    assert result.limit == "max_model_calls"
    ends = setup.of_type(WorkflowFinishedEvent)
    assert [e.reason for e in ends] == ["completed", "budget_exceeded", "budget_exceeded"]
    inner = ends[1]
    assert inner.limit == "max_model_calls"  # type: ignore[attr-defined]
    assert f"in run {result.run_id}" in inner.detail  # type: ignore[attr-defined]
    check_run_shapes(setup.workflow_events())


async def cancel_at_a_judge(
    workflow: Workflow[BaseModel], task: str, reply: Callable[[LLMRequest], Reply], reason: str
) -> tuple[Setup, WorkflowResult, int]:
    """Run ``workflow``, answering with ``reply`` but holding every judge; cancel the run
    once a judge is held. The setup, the result, and the model calls started by then."""
    held = asyncio.Event()

    async def stall_judges(request: LLMRequest) -> ScriptStep:
        if system_of(request) == "Judge.":
            held.set()
            await asyncio.Event().wait()
        return reply(request)

    async with workflows(FunctionProvider(stall_judges)) as setup:
        run = asyncio.create_task(setup.runtime.run(workflow, task))
        await asyncio.wait_for(held.wait(), 10)
        before = len(setup.of_type(LLMCallStartedEvent))
        await setup.runtime.cancel(setup.runtime.running[0], reason)
        result = await run
    return setup, result, before


async def test_a_cancel_of_the_outer_run_reaches_the_innermost_agents() -> None:
    setup, result, before = await cancel_at_a_judge(nested(), TEXT, answer, "enough")
    assert result.reason == "cancelled"
    assert len(setup.of_type(LLMCallStartedEvent)) == before  # nothing started after it
    ends = setup.of_type(WorkflowFinishedEvent)
    assert len(ends) == 4
    assert all(isinstance(e, WorkflowCancelledEvent) for e in ends)
    assert all(e.detail == "enough" for e in ends)  # type: ignore[attr-defined]
    assert len(setup.of_type(TurnCancelledEvent)) >= 1  # the held judge's stream
    assert "Combine." not in [p.system_prompt for p in setup.of_type(PromptCommand)]
    check_run_shapes(setup.workflow_events())


_IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")
_CLOCKS = {"timestamp", "duration_ms", "latency_ms", "first_delta_ms"}


def normalised(messages: list[Message]) -> list[Any]:
    """The log with every id replaced by the order it first appeared in, and clocks left out."""
    names: dict[str, str] = {}

    def rename(found: re.Match[str]) -> str:
        return names.setdefault(found[0], f"<id{len(names)}>")

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items() if k not in _CLOCKS}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return _IDS.sub(rename, value) if isinstance(value, str) else value

    return [scrub(orjson.loads(encode(m))) for m in messages]


async def seeded_run(seed: int) -> list[Any]:
    rng = random.Random(seed)

    def answer(request: LLMRequest) -> Reply:
        words = " ".join(rng.choice(["yes", "no", "maybe", "later"]) for _ in range(5))
        return Reply(text=f"{system_of(request)} {words}", usage=(rng.randint(1, 9), 3))

    async with workflows(FunctionProvider(answer)) as setup:
        await setup.runtime.run(nested(), TEXT, limits=MaxModelCalls(50))
    return normalised(setup.sink.messages)


async def test_the_same_seeded_run_twice_logs_the_same() -> None:
    first, second = await seeded_run(7), await seeded_run(7)
    assert len(first) > 50
    assert first == second
    assert first != await seeded_run(8)


# -- a debate inside a map-reduce inside a hierarchical run ------------------------------

LEAD = AgentExecutor(Agent(name="Lead", system_prompt="Lead."))
TWO_PARTS = json.dumps({"subtasks": [{"task": "part one"}, {"task": "part two"}]})


def three_deep(max_parallel: int | None = None) -> Hierarchical:
    """A lead plans two subtasks for a reviewer that is a map-reduce (two chunks of each
    subtask's prompt) whose mapper is a debate."""
    debate = Debate([PRO, CON], judge=JUDGE, config=DebateConfig(max_rounds=1))
    review = MapReduce(debate, REDUCER, MapReduceConfig(chunk_size=100, max_parallel=max_parallel))
    config = HierarchicalConfig(max_parallel=max_parallel)
    return Hierarchical(LEAD, [("reviewer", review)], config=config)


def lead(request: LLMRequest) -> Reply:
    if system_of(request) == "Lead.":
        done = "results" in prompt_of(request)
        return Reply(text="Report." if done else TWO_PARTS, usage=(4, 1))
    return answer(request)


async def test_a_debate_in_a_map_reduce_in_a_hierarchical_run_nests_through_parent_ids() -> None:
    async with workflows(FunctionProvider(lead)) as setup:
        result = await setup.runtime.run(three_deep(), "Review the book.")
    assert result.reason == "completed"
    assert result.output == "Report."
    assert [(s.role, s.kind) for s in result.steps] == [
        ("manager", "agent"), ("reviewer", "workflow"), ("reviewer", "workflow"),
        ("synthesizer", "agent"),
    ]  # fmt: skip
    commands = setup.of_type(RunWorkflowCommand)
    outer = commands[0]
    reviews = [c for c in commands if c.parent_run == outer.command_id]
    debates = [c for c in commands if c.parent_run in {r.command_id for r in reviews}]
    assert len(reviews) == 2
    assert len(debates) == 4  # two chunks per subtask
    assert len(commands) == 1 + 2 + 4
    judge_call = next(
        e for e in setup.of_type(LLMCallCompletedEvent) if e.content.startswith("Judge.")
    )
    assert ancestry(setup, judge_call) == [
        "CallLLMCommand", "PromptCommand", "WorkflowStepStartedEvent", "RunWorkflowCommand",
        "WorkflowStepStartedEvent", "RunWorkflowCommand",
        "WorkflowStepStartedEvent", "RunWorkflowCommand",
    ]  # fmt: skip
    calls = setup.of_type(LLMCallCompletedEvent)
    assert len(calls) == result.usage.model_calls == 2 + 2 * (2 * 3 + 1)
    assert result.usage.tokens.total_tokens == sum(c.usage.total_tokens for c in calls)
    check_run_shapes(setup.workflow_events())


async def test_the_budget_of_a_hierarchical_run_reaches_the_innermost_agents() -> None:
    async with workflows(FunctionProvider(lead)) as setup:
        result = await setup.runtime.run(three_deep(1), "Review.", limits=MaxModelCalls(5))
    # The plan, one whole debate (3 calls), and the first argument of the next debate.
    assert len(setup.of_type(LLMCallStartedEvent)) == 5
    assert result.reason == "budget_exceeded"
    assert result.limit == "max_model_calls"
    ends = setup.of_type(WorkflowFinishedEvent)
    assert [e.reason for e in ends] == ["completed"] + ["budget_exceeded"] * 3
    innermost = ends[1]
    assert f"in run {result.run_id}" in innermost.detail
    check_run_shapes(setup.workflow_events())


async def test_a_cancel_of_a_hierarchical_run_reaches_the_innermost_agents() -> None:
    setup, result, before = await cancel_at_a_judge(
        three_deep(), "Review the book.", lead, "stop the review"
    )
    assert result.reason == "cancelled"
    assert len(setup.of_type(LLMCallStartedEvent)) == before
    ends = setup.of_type(WorkflowFinishedEvent)
    assert len(ends) == len(setup.of_type(RunWorkflowCommand)) == 1 + 2 + 4
    assert all(isinstance(e, WorkflowCancelledEvent) for e in ends)
    assert all(e.detail == "stop the review" for e in ends)
    assert len(setup.of_type(TurnCancelledEvent)) >= 1
    systems = [p.system_prompt for p in setup.of_type(PromptCommand)]
    assert "Combine." not in systems  # no reduce started
    assert systems.count("Lead.") == 1  # the plan, and no synthesis
    check_run_shapes(setup.workflow_events())
