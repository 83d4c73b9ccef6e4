"""Hooks on a real bus: changing payloads and results, order, sync and async, rejecting."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator

import pytest

from llmgine.bus import MessageBus, MessageRejected, UsageError
from llmgine.engine._messages import CallLLMCommand, PromptCommand, TurnResult
from llmgine.hooks import HookContext, HookRejected, Hooks, HookStage
from llmgine.llm import LLMRequest, LLMResponse, ToolCall, Usage
from llmgine.messages import Command, CommandResult
from llmgine.sinks import MemorySink
from llmgine.tools._messages import ExecuteToolCommand, ToolResult


class HooksTestShoutCommand(Command):
    """A command no hook point knows."""

    text: str


@pytest.fixture
async def bus() -> AsyncIterator[MessageBus]:
    async with MessageBus(log_dir=None, sinks=[MemorySink()]) as bus:
        yield bus


@pytest.fixture
def seen(bus: MessageBus) -> list[Command]:
    """Registers a small handler for each hooked command; lists what the handlers got."""
    commands: list[Command] = []

    def run_tool(command: ExecuteToolCommand) -> ToolResult:
        commands.append(command)
        call = command.call
        return ToolResult(
            call_id=call.id, tool_name=call.name, arguments=call.arguments,
            content=f"{call.name} ran with {call.arguments}",
        )  # fmt: skip

    def run_turn(command: PromptCommand) -> TurnResult:
        commands.append(command)
        return TurnResult(
            content=f"echo: {command.prompt}", model="test:model", finish_reason="stop",
            rounds=1, usage=Usage(), session_usage=Usage(),
        )  # fmt: skip

    async def call_llm(command: CallLLMCommand) -> LLMResponse:
        commands.append(command)
        return LLMResponse(content="reply", provider="test", model="model")

    def shout(command: HooksTestShoutCommand) -> str:
        commands.append(command)
        return command.text.upper()

    bus.register_command_handler(ExecuteToolCommand, run_tool)
    bus.register_command_handler(PromptCommand, run_turn)
    bus.register_command_handler(CallLLMCommand, call_llm)
    bus.register_command_handler(HooksTestShoutCommand, shout)
    return commands


def tool_command(arguments: str = '{"path": "/tmp/a"}') -> ExecuteToolCommand:
    return ExecuteToolCommand(call=ToolCall(id="call-1", name="read_file", arguments=arguments))


async def test_a_before_hook_changes_what_the_handler_receives(
    bus: MessageBus, seen: list[Command]
) -> None:
    hooks = Hooks()
    hooks.add("before_tool", lambda ctx: {**ctx.payload, "path": "/safe/a"})
    hooks.install(bus)

    result = await bus.execute(tool_command())

    assert result.success, result.error
    [handled] = seen
    assert isinstance(handled, ExecuteToolCommand)
    assert handled.call.arguments == '{"path":"/safe/a"}'
    assert handled.call.id == "call-1"


async def test_an_after_hook_changes_the_result(bus: MessageBus, seen: list[Command]) -> None:
    hooks = Hooks()
    hooks.add("after_tool", lambda ctx: ctx.payload.replace("/tmp/a", "[path]"))
    hooks.install(bus)

    result = await bus.execute(tool_command())

    assert isinstance(result.result, ToolResult)
    assert result.result.content == 'read_file ran with {"path": "[path]"}'
    assert result.result.call_id == "call-1"


async def test_executor_hooks_see_the_prompt_and_the_answer(
    bus: MessageBus, seen: list[Command]
) -> None:
    hooks = Hooks()
    hooks.add("before_executor", lambda ctx: ctx.payload.strip())
    hooks.add("after_executor", lambda ctx: ctx.payload + "!")
    hooks.install(bus)

    result = await bus.execute(PromptCommand(prompt="  hello  "))

    assert isinstance(seen[0], PromptCommand)
    assert seen[0].prompt == "hello"
    assert isinstance(result.result, TurnResult)
    assert result.result.content == "echo: hello!"


async def test_llm_hooks_see_the_request_and_the_response(
    bus: MessageBus, seen: list[Command]
) -> None:
    def cool_down(ctx: HookContext[LLMRequest]) -> LLMRequest:
        return ctx.payload.model_copy(update={"temperature": 0.0})

    def sign(ctx: HookContext[LLMResponse]) -> LLMResponse:
        return ctx.payload.model_copy(update={"content": ctx.payload.content + " (checked)"})

    hooks = Hooks()
    hooks.add("before_llm", cool_down)
    hooks.add("after_llm", sign)
    hooks.install(bus)

    result = await bus.execute(CallLLMCommand(request=LLMRequest.of("hi"), model="test:model"))

    assert isinstance(seen[0], CallLLMCommand)
    assert seen[0].request.temperature == 0.0
    assert isinstance(result.result, LLMResponse)
    assert result.result.content == "reply (checked)"


async def test_hooks_of_a_stage_run_in_order_each_on_the_previous_payload(
    bus: MessageBus, seen: list[Command]
) -> None:
    hooks = Hooks()
    received: list[tuple[str, str]] = []

    def step(label: str):  # type: ignore[no-untyped-def]
        def hook(ctx: HookContext[str]) -> str:
            received.append((ctx.payload, ctx.original))
            return ctx.payload + label

        return hook

    for label in "abc":
        hooks.add("before_executor", step(label), name=label)
    hooks.install(bus)

    await bus.execute(PromptCommand(prompt="x"))

    assert received == [("x", "x"), ("xa", "x"), ("xab", "x")]
    assert isinstance(seen[0], PromptCommand)
    assert seen[0].prompt == "xabc"
    assert hooks.names("before_executor") == ("a", "b", "c")


async def test_returning_none_leaves_the_payload_unchanged(
    bus: MessageBus, seen: list[Command]
) -> None:
    hooks = Hooks()
    observed: list[object] = []
    hooks.add("before_tool", lambda ctx: observed.append(ctx.payload))
    hooks.install(bus)
    command = tool_command()

    await bus.execute(command)

    assert observed == [{"path": "/tmp/a"}]
    assert seen == [command]


async def test_sync_hooks_run_in_a_worker_thread_and_async_ones_on_the_loop(
    bus: MessageBus, seen: list[Command]
) -> None:
    threads: dict[str, int] = {}
    hooks = Hooks()

    def sync_hook(ctx: HookContext[str]) -> str:
        threads["sync"] = threading.get_ident()
        return ctx.payload + " sync"

    async def async_hook(ctx: HookContext[str]) -> str:
        threads["async"] = threading.get_ident()
        return ctx.payload + " async"

    hooks.add("before_executor", sync_hook)
    hooks.add("before_executor", async_hook)
    hooks.install(bus)

    await bus.execute(PromptCommand(prompt="p"))

    assert threads["async"] == threading.get_ident()
    assert threads["sync"] != threading.get_ident()
    assert isinstance(seen[0], PromptCommand)
    assert seen[0].prompt == "p sync async"


async def test_the_context_tells_a_hook_where_it_is(bus: MessageBus, seen: list[Command]) -> None:
    contexts: list[HookContext[object]] = []
    hooks = Hooks()

    def note(ctx: HookContext[object]) -> None:
        ctx.metadata.setdefault("seen", []).append(ctx.stage)
        contexts.append(ctx)

    hooks.add("before_tool", note)
    hooks.add("after_tool", note)
    hooks.install(bus)
    command = tool_command().model_copy(update={"session_id": "s-1"})

    result = await bus.execute(command)

    before, after = contexts
    assert (before.stage, before.target, before.session_id) == ("before_tool", "tool", "s-1")
    assert before.command is command
    assert before.result is None
    assert (after.stage, after.payload) == ("after_tool", 'read_file ran with {"path": "/tmp/a"}')
    assert after.result is result.result
    assert after.metadata is before.metadata
    assert before.metadata == {"seen": ["before_tool", "after_tool"]}


async def test_a_hook_rejects_and_the_handler_never_runs(
    bus: MessageBus, seen: list[Command]
) -> None:
    hooks = Hooks()

    def guard(ctx: HookContext[dict[str, str]]) -> None:
        if ctx.payload["path"].startswith("/tmp"):
            raise HookRejected("reading /tmp is not allowed")

    hooks.add("before_tool", guard, on_error="skip")  # the policy does not apply to rejections
    hooks.install(bus)

    result = await bus.execute(tool_command())

    assert not result.success
    assert result.error == (
        "ExecuteToolCommand was rejected: reading /tmp is not allowed (hook 'guard' at before_tool)"
    )
    assert seen == []
    assert (await bus.execute(tool_command('{"path": "/home/a"}'))).success


async def test_a_plain_message_rejected_rejects_too(bus: MessageBus, seen: list[Command]) -> None:
    async def guard(ctx: HookContext[str]) -> None:
        raise MessageRejected("no")

    hooks = Hooks()
    hooks.add("before_executor", guard)
    hooks.install(bus)

    result = await bus.execute(PromptCommand(prompt="p"))

    assert result.error == "PromptCommand was rejected: no"
    assert seen == []


async def test_an_after_hook_can_reject_the_result(bus: MessageBus, seen: list[Command]) -> None:
    def no_secrets(ctx: HookContext[str]) -> None:
        if "echo" in ctx.payload:
            raise HookRejected("the answer repeats the prompt")

    hooks = Hooks()
    hooks.add("after_executor", no_secrets)
    hooks.install(bus)

    result = await bus.execute(PromptCommand(prompt="p"))

    assert not result.success
    assert result.error is not None
    assert "the answer repeats the prompt (hook 'no_secrets' at after_executor)" in result.error
    assert len(seen) == 1


async def test_commands_without_a_hook_point_pass_through(
    bus: MessageBus, seen: list[Command]
) -> None:
    calls: list[str] = []
    hooks = Hooks()
    stages: tuple[HookStage, ...] = ("before_tool", "after_tool", "before_llm", "after_llm")
    for stage in stages:
        hooks.add(stage, lambda ctx: calls.append(ctx.stage))
    hooks.install(bus)
    shout = HooksTestShoutCommand(text="hi")

    shouted = await bus.execute(shout)
    prompted = await bus.execute(PromptCommand(prompt="p"))  # a point, but no hooks for it

    assert shouted.result == "HI"
    assert seen[0] is shout
    assert isinstance(prompted.result, TurnResult)
    assert prompted.result.content == "echo: p"
    assert calls == []


async def test_after_hooks_do_not_run_on_failed_results(bus: MessageBus) -> None:
    def broken(command: ExecuteToolCommand) -> ToolResult:
        raise RuntimeError("disk on fire")

    def refuse(command: PromptCommand) -> CommandResult:
        return CommandResult(success=False, command_id=command.command_id, error="busy")

    calls: list[str] = []
    hooks = Hooks()
    hooks.add("after_tool", lambda ctx: calls.append("tool"))
    hooks.add("after_executor", lambda ctx: calls.append("executor"))
    hooks.install(bus)
    bus.register_command_handler(ExecuteToolCommand, broken)
    bus.register_command_handler(PromptCommand, refuse)

    tool = await bus.execute(tool_command())
    turn = await bus.execute(PromptCommand(prompt="p"))

    assert tool.error == "RuntimeError: disk on fire"
    assert turn.error == "busy"
    assert calls == []


async def test_a_removed_hook_no_longer_runs(bus: MessageBus, seen: list[Command]) -> None:
    hooks = Hooks()
    registration = hooks.add("before_executor", lambda ctx: "changed")
    hooks.install(bus)

    await bus.execute(PromptCommand(prompt="first"))
    registration.unregister()
    await bus.execute(PromptCommand(prompt="second"))

    assert [c.prompt for c in seen if isinstance(c, PromptCommand)] == ["changed", "second"]
    assert not registration.active
    assert hooks.names("before_executor") == ()


async def test_the_decorator_adds_and_returns_the_function(
    bus: MessageBus, seen: list[Command]
) -> None:
    hooks = Hooks()

    @hooks.on("before_tool", timeout=1, name="pin-path")
    def pin(ctx: HookContext[dict[str, str]]) -> dict[str, str]:
        return {"path": "/pinned"}

    hooks.install(bus)
    await bus.execute(tool_command())

    assert pin(None) == {"path": "/pinned"}  # type: ignore[arg-type]
    assert hooks.names("before_tool") == ("pin-path",)
    assert isinstance(seen[0], ExecuteToolCommand)
    assert seen[0].call.arguments == '{"path":"/pinned"}'


async def test_uninstalled_hooks_no_longer_run(bus: MessageBus, seen: list[Command]) -> None:
    hooks = Hooks()
    hooks.add("before_executor", lambda ctx: "changed")
    installed = hooks.install(bus)
    with pytest.raises(UsageError, match="already installed"):
        hooks.install(bus)

    installed.unregister()
    await bus.execute(PromptCommand(prompt="kept"))
    hooks.install(bus)  # allowed again once uninstalled
    await bus.execute(PromptCommand(prompt="kept"))

    assert [c.prompt for c in seen if isinstance(c, PromptCommand)] == ["kept", "changed"]


async def test_hooks_added_after_install_take_effect(bus: MessageBus, seen: list[Command]) -> None:
    hooks = Hooks()
    hooks.install(bus)
    await bus.execute(PromptCommand(prompt="a"))
    hooks.add("before_executor", lambda ctx: ctx.payload * 2)
    await bus.execute(PromptCommand(prompt="b"))

    assert [c.prompt for c in seen if isinstance(c, PromptCommand)] == ["a", "bb"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stage": "before_everything"}, "unknown hook stage 'before_everything'"),
        ({"on_error": "ignore"}, "unknown on_error policy 'ignore'"),
        ({"timeout": 0}, "timeout must be .* above 0"),
        ({"timeout": -1.5}, "timeout must be .* above 0"),
    ],
)
def test_add_validates_its_arguments(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"stage": "before_tool", "fn": lambda ctx: None} | kwargs
    with pytest.raises(ValueError, match=message):
        Hooks().add(**arguments)  # type: ignore[arg-type]


def test_a_hook_must_be_callable() -> None:
    with pytest.raises(TypeError, match="callable"):
        Hooks().add("before_tool", "not a function")  # type: ignore[arg-type]


def test_no_timeout_is_allowed() -> None:
    registration = Hooks().add("before_tool", lambda ctx: None, timeout=None)
    assert registration.active
