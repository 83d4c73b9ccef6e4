"""Cancellation and the timeout reach into the model stream and the tool dispatcher."""

from __future__ import annotations

import asyncio

import pytest

from llmgine.engine import LLMCallStartedEvent, TurnCancelledEvent
from llmgine.llm import LLMRequest
from llmgine.testing import (
    FunctionProvider,
    InMemoryTransport,
    ScriptedProvider,
    ScriptStep,
    text,
    tool_calls,
)
from llmgine.tools import ExecuteToolCommand
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    CancelWorkflowCommand,
    Debate,
    Pipeline,
    ReAct,
    SimpleExecutor,
    Timeout,
    WorkflowCancelledEvent,
    WorkflowFinishedEvent,
    WorkflowTimedOutEvent,
)
from tests.workflows.conftest import system_of, workflows


@pytest.mark.parametrize("crossing", [False, True], ids=["local", "in-memory-transport"])
async def test_a_cancel_during_the_first_of_five_tool_calls_starts_no_other(crossing: bool) -> None:
    first_running = asyncio.Event()
    started: list[int] = []

    async def fetch(n: int) -> str:
        """Fetch page ``n``.

        Args:
            n: the page.
        """
        started.append(n)
        if n == 1:
            first_running.set()
            await asyncio.Event().wait()  # until cancelled
        return f"page {n}"

    reasoner = AgentExecutor(Agent(name="reader", tools=[fetch]))
    model = ScriptedProvider([tool_calls(*(("fetch", {"n": n}) for n in range(1, 6)))])
    transport = InMemoryTransport() if crossing else None
    async with model, workflows(model, transport=transport) as setup:
        run = asyncio.create_task(setup.runtime.run(ReAct(reasoner), "Read five pages."))
        await asyncio.wait_for(first_running.wait(), 10)
        (run_id,) = setup.runtime.running
        assert await setup.runtime.cancel(run_id, "the user pressed stop")
        result = await run
        assert setup.runtime.running == ()
    assert started == [1]
    assert len(setup.of_type(ExecuteToolCommand)) == 1
    assert result.reason == "cancelled"
    assert result.error == "the user pressed stop"
    assert result.output == ""
    assert [(s.role, s.status) for s in result.steps] == [
        ("reasoner", "completed"),
        ("tool", "cancelled"),
    ]
    (end,) = setup.of_type(WorkflowFinishedEvent)
    assert isinstance(end, WorkflowCancelledEvent)
    (cancel,) = setup.of_type(CancelWorkflowCommand)
    assert cancel.run_id == result.run_id


def hang_for(system: str) -> FunctionProvider:
    """A model that answers at once, except to the agent with ``system`` as its prompt,
    which it keeps waiting until cancelled; ``.waiting`` is set once that call is held."""

    waiting = asyncio.Event()

    async def answer(request: LLMRequest) -> ScriptStep:
        if system_of(request) == system:
            waiting.set()
            await asyncio.Event().wait()
        return text("an argument")

    model = FunctionProvider(answer)
    model.waiting = waiting  # type: ignore[attr-defined]
    return model


async def test_a_cancel_reaches_into_the_model_stream_and_nothing_starts_after_it() -> None:
    model = hang_for("Con")
    debate = Debate([SimpleExecutor(system_prompt="Pro", name="Pro"),
                     SimpleExecutor(system_prompt="Con", name="Con")])  # fmt: skip
    async with workflows(model) as setup:
        run = asyncio.create_task(setup.runtime.run(debate, "Cats or dogs?"))
        await asyncio.wait_for(model.waiting.wait(), 10)  # type: ignore[attr-defined]
        calls = len(setup.of_type(LLMCallStartedEvent))
        await setup.runtime.cancel(setup.runtime.running[0])
        result = await run
    assert result.reason == "cancelled"
    assert len(setup.of_type(LLMCallStartedEvent)) == calls == 2
    (turn,) = setup.of_type(TurnCancelledEvent)
    assert turn.rounds == 1
    assert [s.status for s in result.steps] == ["completed", "cancelled"]


async def test_cancelling_the_caller_ends_the_run_as_cancelled_and_propagates() -> None:
    model = hang_for("slow")
    async with workflows(model) as setup:
        run = asyncio.create_task(
            setup.runtime.run(Pipeline([SimpleExecutor(system_prompt="slow")]), "go")
        )
        await asyncio.wait_for(model.waiting.wait(), 10)  # type: ignore[attr-defined]
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        assert setup.runtime.running == ()
    (end,) = setup.of_type(WorkflowFinishedEvent)
    assert isinstance(end, WorkflowCancelledEvent)
    assert end.detail == "the caller of the run was cancelled"
    assert len(setup.of_type(TurnCancelledEvent)) == 1


async def test_the_timeout_cancels_the_calls_in_flight_and_names_itself() -> None:
    model = hang_for("slow")
    async with workflows(model) as setup:
        result = await setup.runtime.run(
            Pipeline([SimpleExecutor(system_prompt="slow"), SimpleExecutor(name="next")]),
            "go",
            limits=Timeout(0.2),
        )
    assert result.reason == "timed_out"
    assert result.limit == "timeout"
    assert result.error == "the run took longer than 0.2 s"
    assert [s.status for s in result.steps] == ["cancelled"]
    (end,) = setup.of_type(WorkflowFinishedEvent)
    assert isinstance(end, WorkflowTimedOutEvent)
    assert len(setup.of_type(TurnCancelledEvent)) == 1


async def test_cancelling_a_run_that_is_not_running_says_so() -> None:
    async with workflows(ScriptedProvider([])) as setup:
        assert await setup.runtime.cancel("no-such-run") is False
