"""A hook that fails or times out: the error policies and the HookFailedEvent."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

from llmgine.bus import MessageBus
from llmgine.engine._messages import PromptCommand, TurnResult
from llmgine.hooks import HookContext, HookErrorPolicy, HookFailedEvent, Hooks
from llmgine.llm import ToolCall, Usage
from llmgine.sinks import MemorySink
from llmgine.tools._messages import ExecuteToolCommand, ToolResult


@pytest.fixture
def prompts(bus: MessageBus) -> list[str]:
    """The prompts the PromptCommand handler received."""
    received: list[str] = []

    def run_turn(command: PromptCommand) -> TurnResult:
        received.append(command.prompt)
        return TurnResult(
            content=f"echo: {command.prompt}", model="test:model", finish_reason="stop",
            rounds=1, usage=Usage(), session_usage=Usage(),
        )  # fmt: skip

    bus.register_command_handler(PromptCommand, run_turn)
    return received


def explode(ctx: HookContext[str]) -> str:
    raise ValueError("bad hook")


def shout(ctx: HookContext[str]) -> str:
    return ctx.payload.upper()


async def test_fail_policy_fails_the_command_naming_the_hook(
    bus: MessageBus, sink: MemorySink, prompts: list[str]
) -> None:
    hooks = Hooks()
    hooks.add("before_executor", explode, on_error="fail")
    hooks.install(bus)
    command = PromptCommand(prompt="p")

    result = await bus.execute(command)

    assert not result.success
    assert result.error == (
        "PromptCommand was rejected: hook 'explode' failed at before_executor: ValueError: bad hook"
    )
    assert prompts == []
    [event] = sink.of_type(HookFailedEvent)
    assert (event.hook, event.stage, event.command_type) == (
        "explode",
        "before_executor",
        "PromptCommand",
    )
    assert (event.error_type, event.error, event.policy) == ("ValueError", "bad hook", "fail")
    assert event.parent_id == command.command_id


async def test_fail_is_the_default_policy(bus: MessageBus, prompts: list[str]) -> None:
    hooks = Hooks()
    hooks.add("after_executor", explode)
    hooks.install(bus)

    result = await bus.execute(PromptCommand(prompt="p"))

    assert not result.success
    assert "hook 'explode' failed at after_executor" in (result.error or "")


@pytest.mark.parametrize("policy", ["skip", "log"])
async def test_skip_and_log_drop_the_change_and_go_on(
    policy: HookErrorPolicy, bus: MessageBus, sink: MemorySink, prompts: list[str]
) -> None:
    hooks = Hooks()
    hooks.add("before_executor", lambda ctx: ctx.payload + " first")
    hooks.add("before_executor", explode, on_error=policy)
    hooks.add("before_executor", lambda ctx: ctx.payload + " last")
    hooks.install(bus)

    result = await bus.execute(PromptCommand(prompt="p"))

    assert result.success, result.error
    assert prompts == ["p first last"]
    [event] = sink.of_type(HookFailedEvent)
    assert (event.hook, event.policy) == ("explode", policy)


async def test_log_policy_logs_a_warning_and_skip_does_not(
    bus: MessageBus, prompts: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    hooks = Hooks()
    hooks.add("before_executor", explode, name="quiet", on_error="skip")
    hooks.add("after_executor", explode, name="loud", on_error="log")
    hooks.install(bus)

    with caplog.at_level(logging.WARNING, logger="llmgine.hooks"):
        result = await bus.execute(PromptCommand(prompt="p"))

    assert result.success
    assert isinstance(result.result, TurnResult)
    assert result.result.content == "echo: p"
    records = [r for r in caplog.records if r.name == "llmgine.hooks"]
    assert [r.levelno for r in records] == [logging.WARNING]
    assert "'loud' failed at after_executor" in records[0].getMessage()
    assert "ValueError: bad hook" in records[0].getMessage()


async def test_a_payload_of_the_wrong_type_is_the_hooks_failure(
    bus: MessageBus, sink: MemorySink, prompts: list[str]
) -> None:
    hooks = Hooks()
    hooks.add("before_executor", lambda ctx: 42, name="numbers", on_error="skip")
    hooks.install(bus)

    result = await bus.execute(PromptCommand(prompt="p"))

    assert result.success
    assert prompts == ["p"]
    [event] = sink.of_type(HookFailedEvent)
    assert event.error_type == "TypeError"
    assert "must be a str, not int" in event.error


async def test_an_async_hook_that_times_out_has_failed(
    bus: MessageBus, sink: MemorySink, prompts: list[str]
) -> None:
    never = asyncio.Event()

    async def stuck(ctx: HookContext[str]) -> str:
        await never.wait()
        return "never"

    hooks = Hooks()
    hooks.add("before_executor", stuck, timeout=0.05, on_error="skip")
    hooks.add("before_executor", shout)
    hooks.install(bus)

    result = await bus.execute(PromptCommand(prompt="p"))

    assert result.success
    assert prompts == ["P"]
    [event] = sink.of_type(HookFailedEvent)
    assert event.error_type == "TimeoutError"
    assert event.error == "did not finish within 0.05 s"


async def test_a_timeout_with_the_fail_policy_fails_the_command(
    bus: MessageBus, prompts: list[str]
) -> None:
    never = asyncio.Event()

    async def stuck(ctx: HookContext[str]) -> None:
        await never.wait()

    hooks = Hooks()
    hooks.add("after_executor", stuck, timeout=0.05)
    hooks.install(bus)

    result = await bus.execute(PromptCommand(prompt="p"))

    assert not result.success
    assert result.error == (
        "PromptCommand was rejected: hook 'stuck' failed at after_executor: "
        "TimeoutError: did not finish within 0.05 s"
    )
    assert prompts == ["p"]


async def test_a_sync_hook_that_times_out_is_left_to_finish_in_its_thread(
    bus: MessageBus, sink: MemorySink
) -> None:
    release, finished = threading.Event(), threading.Event()
    arguments: list[str] = []

    def slow(ctx: HookContext[dict[str, str]]) -> dict[str, str]:
        release.wait(timeout=10)
        finished.set()
        return {"path": "/too/late"}

    def run_tool(command: ExecuteToolCommand) -> ToolResult:
        arguments.append(command.call.arguments)
        call = command.call
        return ToolResult(call_id=call.id, tool_name=call.name, arguments="", content="ok")

    bus.register_command_handler(ExecuteToolCommand, run_tool)
    hooks = Hooks()
    hooks.add("before_tool", slow, timeout=0.05, on_error="log")
    hooks.install(bus)
    call = ToolCall(id="c", name="read", arguments='{"path": "/a"}')

    result = await bus.execute(ExecuteToolCommand(call=call))
    timed_out_while_blocked = not finished.is_set()
    release.set()
    assert await asyncio.to_thread(finished.wait, 10)

    assert timed_out_while_blocked
    assert result.success
    assert arguments == ['{"path": "/a"}']
    [event] = sink.of_type(HookFailedEvent)
    assert (event.error_type, event.policy) == ("TimeoutError", "log")


async def test_a_timeout_error_raised_by_the_hook_itself_is_reported_as_raised(
    bus: MessageBus, sink: MemorySink, prompts: list[str]
) -> None:
    async def own_timeout(ctx: HookContext[str]) -> str:
        raise TimeoutError("upstream timed out")

    hooks = Hooks()
    hooks.add("before_executor", own_timeout, on_error="skip")
    hooks.install(bus)

    await bus.execute(PromptCommand(prompt="p"))

    [event] = sink.of_type(HookFailedEvent)
    assert event.error == "upstream timed out"
