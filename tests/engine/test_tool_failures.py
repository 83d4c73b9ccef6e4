"""Every way a tool call can fail reaches the model as a readable result; the turn goes on."""

from __future__ import annotations

import asyncio

import pytest

from llmgine.engine import TurnResult
from llmgine.testing import FakeLLMServer, text, tool_call
from llmgine.testing._script import Reply, ToolCallSpec
from llmgine.tools import ToolCallFailedEvent, ToolManager
from tests.engine._harness import chat, tool_results_in


@pytest.fixture(params=["openai", "anthropic"])
def adapter(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def divide(a: float, b: float) -> float:
    """Divide a by b."""
    return a / b


async def wait_forever() -> str:
    """Wait for something that never happens."""
    await asyncio.Event().wait()
    return "unreachable"


def tools() -> ToolManager:
    manager = ToolManager()
    manager.register(divide)
    manager.register(wait_forever, timeout=0.05)
    return manager


CASES = [
    pytest.param(tool_call("no_such_tool", {}), "unknown_tool", "no_such_tool", id="unknown"),
    pytest.param(
        Reply(tool_calls=(ToolCallSpec("divide", '{"a": 1, "b": '),)),
        "invalid_json",
        "JSON",
        id="bad-json",
    ),
    pytest.param(
        tool_call("divide", {"a": "one", "b": 2}), "invalid_arguments", "a", id="invalid-args"
    ),
    pytest.param(
        tool_call("divide", {"a": 1, "b": 0}), "exception", "ZeroDivisionError", id="exception"
    ),
    pytest.param(tool_call("wait_forever", {}), "timeout", "0.05", id="timeout"),
]


@pytest.mark.parametrize(("reply", "kind", "mentioned"), CASES)
async def test_a_failed_tool_call_is_a_result_the_model_reads(
    adapter: str, reply: Reply, kind: str, mentioned: str
) -> None:
    async with FakeLLMServer([reply, text("I could not do it.")]) as server:
        async with chat(adapter, server, tools=tools()) as harness:
            result = await harness.prompt("Try it")
            await harness.bus.wait_for_events()
    turn = result.result
    assert isinstance(turn, TurnResult), result.error
    assert turn.content == "I could not do it."
    (tool_result,) = turn.tool_results
    assert tool_result.error_kind == kind
    assert tool_result.content.startswith("Error:")
    assert mentioned in tool_result.content
    # The model got the error as the call's result, and the turn went on.
    sent = tool_results_in(server.requests[1])
    assert sent == [tool_result.content]
    (failed,) = harness.of_type(ToolCallFailedEvent)
    assert failed.error_kind == kind
    assert failed.call_id == tool_result.call_id
