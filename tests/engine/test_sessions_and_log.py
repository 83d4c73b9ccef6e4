"""A session survives the process, and the JSONL log of a turn tells the whole story."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from llmgine.context import ContextManager, SessionStore
from llmgine.engine import PromptCommand, history_from_log
from llmgine.logs import read_log
from llmgine.messages import BusStoppedEvent, CommandResult, Message
from llmgine.testing import FakeLLMServer, text, tool_call
from tests.engine._harness import chat, tool_results_in, user_texts_in


@pytest.fixture(params=["openai", "anthropic"])
def adapter(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def lookup(word: str) -> str:
    """Look a word up in the dictionary.

    Args:
        word: the word to look up.
    """
    return f"{word}: a small domesticated feline"


async def test_a_saved_session_resumes_with_the_same_history(adapter: str, tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    script = [tool_call("lookup", {"word": "cat"}), text("A cat is a feline."), text("Yes.")]
    async with FakeLLMServer(script) as server:
        context = ContextManager(store=SessionStore(folder), system_prompt="Be brief.")
        async with chat(adapter, server, tools=[lookup], context=context) as harness:
            first = await harness.prompt("What is a cat?", session_id="cats")
            history = harness.engine.context.history("cats")
        assert first.success, first.error
        saved = orjson.loads((folder / "cats.json").read_bytes())
        assert [m["role"] for m in saved["messages"]] == [
            "user",
            "assistant",
            "tool",
            "assistant",
        ]
        del context, harness  # the process state is gone; only the file remains

        resumed = ContextManager(store=SessionStore(folder), system_prompt="Be brief.")
        async with chat(adapter, server, tools=[lookup], context=resumed) as harness:
            second = await harness.prompt("Is it a feline?", session_id="cats")
            assert harness.engine.context.history("cats")[: len(history)] == history
    assert second.success, second.error
    request = server.requests[2]
    assert user_texts_in(request) == ["What is a cat?", "Is it a feline?"]
    assert tool_results_in(request) == ["cat: a small domesticated feline"]
    record = SessionStore(folder).load("cats")
    assert len(record.messages) == 6
    assert record.usage.total_tokens > 0
    assert record.model is not None
    assert record.model.startswith(adapter)


async def test_the_log_of_a_turn_holds_every_step_in_causal_order(
    adapter: str, tmp_path: Path
) -> None:
    script = [tool_call("lookup", {"word": "cat"}), text("A cat is a feline.")]
    async with FakeLLMServer(script) as server:
        async with chat(adapter, server, tools=[lookup], log_dir=tmp_path) as harness:
            result = await harness.prompt("What is a cat?")
            await harness.bus.wait_for_events()
    assert result.success, result.error
    assert harness.bus.log_path is not None
    *log, stopped = [m for m in read_log(harness.bus.log_path) if isinstance(m, Message)]
    assert isinstance(stopped, BusStoppedEvent)  # what the bus records as it stops
    kinds = [f"{m.kind}:{type(m).__name__}" for m in log]
    # The command lifecycle events are published only when someone listens for them.
    expected_order = [
        "command:PromptCommand",
        "command:CallLLMCommand",
        "event:LLMCallStartedEvent",
        "event:LLMCallCompletedEvent",
        "result:CommandResult",
        "event:ToolCallRequestedEvent",
        "command:ExecuteToolCommand",
        "event:ToolCallCompletedEvent",
        "result:CommandResult",
        "command:CallLLMCommand",
        "event:LLMCallStartedEvent",
        "event:LLMCallCompletedEvent",
        "result:CommandResult",
        "event:ResponseCompletedEvent",
        "result:CommandResult",
    ]
    without_deltas = [k for k in kinds if k != "event:ResponseDeltaEvent"]
    assert without_deltas == expected_order
    prompt = log[0]
    assert isinstance(prompt, PromptCommand)
    by_id = {m.message_id: m for m in log if m.kind != "result"}
    for message in log[1:]:
        if isinstance(message, CommandResult):
            continue
        # Every step leads back to the prompt through its parents.
        chain = message
        while chain.parent_id is not None and chain is not prompt:  # type: ignore[attr-defined]
            chain = by_id[chain.parent_id]  # type: ignore[attr-defined]
        assert chain is prompt, type(message).__name__
    last = log[-1]
    assert isinstance(last, CommandResult)
    assert last.command_id == prompt.command_id
    assert last.success
    completed = [m for m in log if type(m).__name__ == "LLMCallCompletedEvent"]
    assert all(m.usage.input_tokens > 0 for m in completed)  # type: ignore[attr-defined]
    # The conversation can be rebuilt from the log alone.
    assert history_from_log(harness.bus.log_path) == {"s1": harness.engine.context.history("s1")}
