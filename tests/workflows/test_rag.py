"""RAG through the bus: the retriever is a tool call, sync or async, in the log."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from llmgine.llm import LLMRequest
from llmgine.testing import FunctionProvider, ScriptedProvider, text
from llmgine.tools import ExecuteToolCommand, ToolCallCompletedEvent, tool_from_function
from llmgine.workflows import (
    RAG,
    Agent,
    AgentExecutor,
    Pipeline,
    RAGConfig,
    WorkflowConfigError,
    WorkflowFailedEvent,
    WorkflowStepFailedEvent,
    WorkflowStepStartedEvent,
)
from tests.workflows.conftest import prompt_of, system_of, workflows

GENERATOR = AgentExecutor(Agent(name="writer", system_prompt="Answer from passages."))
VERIFIER = AgentExecutor(Agent(name="checker", system_prompt="Check claims."))
SHELF = [
    {"content": "Tides follow the moon.", "source": "moon.md"},
    {"content": "The sun adds a little.", "source": "sun.md"},
    {"content": "The moon is far away.", "source": "moon.md"},
]
THREADS: list[str] = []


def library(query: str) -> list[dict[str, str]]:
    """Passages about a question (runs in a worker thread: it is sync)."""
    THREADS.append(threading.current_thread().name)
    return SHELF if "tide" in query else []


async def search(query: str) -> list[str]:
    await asyncio.sleep(0)
    return [f"found for {query}"]


@pytest.fixture(autouse=True)
def _fresh() -> None:
    THREADS.clear()


async def test_a_sync_retriever_runs_as_a_tool_and_the_answer_cites_its_sources() -> None:
    model = ScriptedProvider([text("The moon pulls the sea [1].")])
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(RAG(library, GENERATOR), "Why are there tides?")
    assert THREADS
    assert THREADS[0] != threading.main_thread().name
    (command,) = setup.of_type(ExecuteToolCommand)
    assert command.call.name == "library"
    assert json.loads(command.call.arguments) == {"query": "Why are there tides?"}
    (done,) = setup.of_type(ToolCallCompletedEvent)
    assert json.loads(done.result) == SHELF
    (request,) = model.requests
    assert system_of(request) == "Answer from passages."
    assert "[1] (moon.md) Tides follow the moon.\n\n[2] (sun.md)" in prompt_of(request)
    assert request.tools == ()  # the retriever is the pattern's tool, not the writer's
    assert result.reason == "completed"
    assert result.output == "The moon pulls the sea [1].\n\nSources: moon.md, sun.md"
    assert [(s.kind, s.executor) for s in result.steps] == [
        ("tool", "library"),
        ("agent", "writer"),
    ]
    assert result.usage.tool_calls == 1
    assert result.metadata["sources"] == ["moon.md", "sun.md"]
    started = setup.of_type(WorkflowStepStartedEvent)
    assert [e.step_kind for e in started] == ["tool", "agent"]


async def test_an_async_retriever_is_awaited_and_the_verifier_can_fail_the_answer() -> None:
    def answer(request: LLMRequest) -> str:
        if system_of(request) == "Check claims.":
            return json.dumps({"supported": False, "problems": ["invents a date"]})
        return "It happened in 1066."

    model = FunctionProvider(answer)
    rag = RAG(search, GENERATOR, VERIFIER)
    async with workflows(model) as setup:
        result = await setup.runtime.run(rag, "When?")
    assert "[1] (passage 1) found for When?" in prompt_of(model.requests[0])
    check = prompt_of(model.requests[1])
    assert "Answer to check:\nIt happened in 1066." in check
    assert '"supported": true or false' in check
    assert result.reason == "failed"
    assert result.output == ""
    assert result.error == "the answer was not verified (unsupported): invents a date"
    assert result.metadata["verification"] == "unsupported"
    assert result.steps[1].output == "It happened in 1066."  # the answer is still on record
    (failed,) = setup.of_type(WorkflowFailedEvent)
    assert "not verified" in failed.error


async def test_a_flagged_answer_completes_and_says_it_was_not_verified() -> None:
    model = FunctionProvider(lambda request: "Yes, all supported.")  # a verdict not in form
    config = RAGConfig(on_unsupported="flag", cite_sources=False)
    async with workflows(model) as setup:
        result = await setup.runtime.run(RAG(search, GENERATOR, VERIFIER, config), "Q?")
    assert result.reason == "completed"
    assert result.output == "Yes, all supported."
    assert result.metadata["verification"] == "malformed"


async def test_a_retriever_that_raises_is_a_failed_step_and_fails_the_run() -> None:
    def broken(query: str) -> list[str]:
        raise ConnectionError("index offline")

    model = ScriptedProvider([])
    async with model, workflows(model) as setup:
        result = await setup.runtime.run(RAG(broken, GENERATOR), "Q?")
    assert result.reason == "failed"
    assert "the retrieval" in (result.error or "")
    (failed,) = setup.of_type(WorkflowStepFailedEvent)
    assert failed.error_kind == "exception"
    assert "index offline" in failed.error


class Index:
    def lookup(self, question: str) -> list[str]:
        return ["a passage"]


async def test_rag_workflows_built_per_request_share_their_retriever_tool() -> None:
    index = Index()
    model = FunctionProvider(lambda request: "ok")
    async with workflows(model) as setup:
        for _ in range(2):  # a bound method is a new object each time it is read
            result = await setup.runtime.run(RAG(index.lookup, GENERATOR), "Q?")
            assert result.reason == "completed"
        other = RAG(lambda question: [], GENERATOR, retriever_name="lookup")
        with pytest.raises(WorkflowConfigError, match="workflow 'rag' has a tool named 'lookup'"):
            await setup.runtime.run(other, "Q?")


async def test_the_retriever_of_a_nested_rag_joins_the_engine_too() -> None:
    model = FunctionProvider(lambda request: "ok")
    async with workflows(model) as setup:
        result = await setup.runtime.run(Pipeline([RAG(search, GENERATOR), GENERATOR]), "Q?")
    assert result.reason == "completed"
    assert "search" in setup.runtime.engine.tools
    assert [c.call.name for c in setup.of_type(ExecuteToolCommand)] == ["search"]


def test_a_rag_is_checked_when_built() -> None:
    with pytest.raises(ValueError, match="on_unsupported applies only"):
        RAG(search, GENERATOR, config=RAGConfig(on_unsupported="flag"))
    with pytest.raises(ValueError, match="exactly one required parameter"):
        RAG(lambda query, k: [], GENERATOR)
    with pytest.raises(ValueError, match="retriever_name"):
        RAG(lambda query: [], GENERATOR, retriever_name="no spaces allowed")
    assert RAG(lambda query: [], GENERATOR).retriever.name == "retrieve"
    tool = tool_from_function(search, name="web")
    assert RAG(tool, GENERATOR).own_tools() == (tool,)
