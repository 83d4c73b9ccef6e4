"""Tools that require approval run only when the manager's approver says yes; a call not
approved reaches the model as refused, and the turn goes on."""

from __future__ import annotations

import asyncio
import logging

import pytest

from llmgine.engine import TurnResult
from llmgine.llm import ToolCall
from llmgine.testing import FakeLLMServer, text, tool_call
from llmgine.tools import (
    Tool,
    ToolCallFailedEvent,
    ToolManager,
    ToolRegistrationError,
    tool_from_function,
)
from tests.engine._harness import chat, tool_results_in

sent: list[str] = []


def send_email(to: str, body: str) -> str:
    """Send an email."""
    sent.append(to)
    return f"sent to {to}"


def call(arguments: str = '{"to": "ada@example.com", "body": "hi"}') -> ToolCall:
    return ToolCall(id="call-1", name="send_email", arguments=arguments)


@pytest.fixture(autouse=True)
def nothing_sent() -> None:
    sent.clear()


def test_the_mark_is_part_of_the_declaration() -> None:
    manager = ToolManager()
    assert manager.register(send_email, requires_approval=True).requires_approval

    @manager.register(name="other", requires_approval=True)
    def other() -> None: ...

    assert manager.get("other").requires_approval  # type: ignore[union-attr]
    assert not tool_from_function(send_email).requires_approval
    with pytest.raises(ToolRegistrationError, match="must be True or False"):
        tool_from_function(send_email, requires_approval="yes")  # type: ignore[arg-type]


async def test_without_an_approver_such_a_tool_never_runs() -> None:
    manager = ToolManager([tool_from_function(send_email, requires_approval=True)])
    result = await manager.execute(call())
    assert result.error_kind == "rejected"
    assert result.content == (
        "Error: tool 'send_email' needs approval and nothing here can approve it, so it was "
        "not run. Do not call it again unless the user asks you to; go on without it."
    )
    assert sent == []


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_the_approver_decides_each_call(asynchronous: bool) -> None:
    asked: list[tuple[str, str]] = []
    answers = [True, False]

    def decide(tool: Tool[..., object], call: ToolCall) -> bool:
        asked.append((tool.name, call.arguments))
        return answers.pop(0)

    async def decide_later(tool: Tool[..., object], call: ToolCall) -> bool:
        await asyncio.sleep(0)
        return decide(tool, call)

    manager = ToolManager(approver=decide_later if asynchronous else decide)
    manager.register(send_email, requires_approval=True)
    yes = await manager.execute(call())
    no = await manager.execute(call('{"to": "bob@example.com", "body": "hi"}'))
    assert (yes.ok, yes.content) == (True, "sent to ada@example.com")
    assert no.error_kind == "rejected"
    assert no.error == "this call of 'send_email' was not approved, so it was not run"
    assert sent == ["ada@example.com"]
    assert [name for name, _ in asked] == ["send_email", "send_email"]


async def test_only_marked_tools_and_valid_calls_are_asked_about() -> None:
    asked: list[str] = []
    manager = ToolManager(approver=lambda tool, call: asked.append(call.arguments) or True)
    manager.register(send_email, requires_approval=True)

    @manager.register
    def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    assert (await manager.execute(ToolCall(id="1", name="add", arguments='{"a": 1, "b": 2}'))).ok
    invalid = await manager.execute(call('{"to": "ada@example.com"}'))
    assert invalid.error_kind == "invalid_arguments"
    assert asked == []


async def test_an_approver_that_fails_or_answers_vaguely_refuses(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(tool: Tool[..., object], call: ToolCall) -> bool:
        raise RuntimeError("no terminal")

    manager = ToolManager(approver=broken)
    manager.register(send_email, requires_approval=True)
    with caplog.at_level(logging.WARNING, logger="llmgine.tools"):
        failed = await manager.execute(call())
    assert failed.error == (
        "asking for approval of 'send_email' failed (RuntimeError), so it was not run"
    )
    assert "the approver of tool 'send_email' failed" in caplog.text
    manager.approver = lambda tool, call: "yes"  # type: ignore[assignment,return-value]
    vague = await manager.execute(call())
    assert vague.error_kind == "rejected"
    assert sent == []


async def test_waiting_for_approval_is_not_the_tools_time() -> None:
    async def slow_person(tool: Tool[..., object], call: ToolCall) -> bool:
        await asyncio.sleep(0.3)  # a person reading the question, longer than the limit
        return True

    manager = ToolManager(approver=slow_person)
    manager.register(send_email, requires_approval=True, timeout=0.1)
    result = await manager.execute(call())
    assert result.ok, result.content


@pytest.mark.parametrize("adapter", ["openai", "anthropic"])
async def test_a_refused_call_is_answered_to_the_model_and_the_turn_goes_on(adapter: str) -> None:
    script = [
        tool_call("send_email", {"to": "ada@example.com", "body": "hi"}),
        text("I did not send it."),
    ]
    manager = ToolManager(approver=lambda tool, call: False)
    manager.register(send_email, requires_approval=True)
    with FakeLLMServer(script) as server:
        async with chat(adapter, server, tools=manager) as harness:
            result = await harness.prompt("Email Ada")
            await harness.bus.wait_for_events()
            (failed,) = harness.of_type(ToolCallFailedEvent)
            requests = server.requests
    assert result.success
    assert isinstance(result.result, TurnResult)
    assert result.result.content == "I did not send it."
    assert failed.error_kind == "rejected"
    (answer,) = tool_results_in(requests[1])
    assert answer.startswith("Error: this call of 'send_email' was not approved, so it was not")
    assert sent == []
