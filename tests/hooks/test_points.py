"""Hook points: the built-in ones, custom ones (a workflow), matching by class."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from llmgine.bus import MessageBus
from llmgine.engine._messages import CallLLMCommand, PromptCommand, TurnResult
from llmgine.hooks import HookContext, HookPoint, Hooks, hook_points, register_hook_point
from llmgine.hooks._points import point_for
from llmgine.llm import LLMRequest, ToolCall, Usage
from llmgine.messages import Command
from llmgine.sinks import MemorySink
from llmgine.tools._messages import ExecuteToolCommand, ToolResult


class HooksTestRunWorkflowCommand(Command):
    """Stands in for the command of a workflow package."""

    task: str


class HooksTestSpecialPromptCommand(PromptCommand):
    """A subclass of a hooked command."""


def workflow_point() -> HookPoint[HooksTestRunWorkflowCommand, str]:
    def set_task(command: HooksTestRunWorkflowCommand, task: object) -> HooksTestRunWorkflowCommand:
        return command.model_copy(update={"task": str(task)})

    return HookPoint(
        HooksTestRunWorkflowCommand, "workflow", lambda c: c.task, set_task,
        lambda value: value, lambda value, payload: str(payload),
    )  # fmt: skip


@pytest.fixture
def workflow() -> Iterator[HookPoint[HooksTestRunWorkflowCommand, str]]:
    point = workflow_point()
    registration = register_hook_point(point)
    yield point
    registration.unregister()


@pytest.fixture
async def bus() -> AsyncIterator[MessageBus]:
    async with MessageBus(log_dir=None, sinks=[MemorySink()]) as bus:
        yield bus


def test_the_built_in_points_are_registered_on_import() -> None:
    targets = {point.command_type: point.target for point in hook_points()}

    assert targets[PromptCommand] == "executor"
    assert targets[CallLLMCommand] == "llm"
    assert targets[ExecuteToolCommand] == "tool"


def tool_point() -> HookPoint[ExecuteToolCommand, ToolResult]:
    point = point_for(ExecuteToolCommand)
    assert point is not None
    return point


@pytest.mark.parametrize(
    ("arguments", "payload"),
    [
        ('{"a": 1, "b": [true]}', {"a": 1, "b": [True]}),
        ("", {}),
        ("[1, 2]", "[1, 2]"),
        ('{"a": ', '{"a": '),
    ],
)
def test_tool_arguments_are_a_dict_when_they_are_a_json_object(
    arguments: str, payload: object
) -> None:
    command = ExecuteToolCommand(call=ToolCall(id="c", name="t", arguments=arguments))

    assert tool_point().get_before(command) == payload


def test_setting_tool_arguments_writes_json_or_the_raw_text_into_a_copy() -> None:
    command = ExecuteToolCommand(call=ToolCall(id="c", name="t", arguments="{broken"))
    point = tool_point()

    as_dict = point.set_before(command, {"city": "Zürich"})
    as_text = point.set_before(command, '{"city": "Bern"}')

    assert as_dict.call.arguments == '{"city":"Zürich"}'
    assert as_text.call.arguments == '{"city": "Bern"}'
    assert (as_dict.call.id, as_dict.command_id) == ("c", command.command_id)
    assert command.call.arguments == "{broken"
    with pytest.raises(TypeError, match="must be a dict or a str, not list"):
        point.set_before(command, ["x"])


def test_built_in_setters_check_the_payload_type() -> None:
    executor = point_for(PromptCommand)
    llm = point_for(CallLLMCommand)
    assert executor is not None
    assert llm is not None
    turn = TurnResult(
        content="a", model="m", finish_reason="stop", rounds=1, usage=Usage(),
        session_usage=Usage(),
    )  # fmt: skip

    assert executor.set_after(turn, "b").content == "b"
    with pytest.raises(TypeError, match="must be a str"):
        executor.set_before(PromptCommand(prompt="p"), b"bytes")
    with pytest.raises(TypeError, match="must be a LLMRequest"):
        llm.set_before(CallLLMCommand(request=LLMRequest.of("x"), model="m"), "text")
    with pytest.raises(TypeError, match="result of a PromptCommand must be a TurnResult"):
        executor.get_after("not a turn")


def test_subclasses_match_their_base_class_point() -> None:
    assert point_for(HooksTestSpecialPromptCommand) is point_for(PromptCommand)
    assert point_for(Command) is None


def test_a_command_class_has_at_most_one_point(
    workflow: HookPoint[HooksTestRunWorkflowCommand, str],
) -> None:
    with pytest.raises(ValueError, match="already has a hook point"):
        register_hook_point(workflow_point())


def test_removing_a_point_forgets_it() -> None:
    registration = register_hook_point(workflow_point())
    assert point_for(HooksTestRunWorkflowCommand) is not None

    registration.unregister()

    assert point_for(HooksTestRunWorkflowCommand) is None
    assert all(p.command_type is not HooksTestRunWorkflowCommand for p in hook_points())


def test_a_point_needs_a_command_class_and_a_known_target() -> None:
    with pytest.raises(TypeError, match="Command class"):
        HookPoint(str, "tool", str, str, str, str)  # type: ignore[arg-type, type-var]
    with pytest.raises(ValueError, match="unknown hook target 'agent'"):
        HookPoint(PromptCommand, "agent", str, str, str, str)  # type: ignore[arg-type]


async def test_a_custom_point_hooks_workflow_commands(
    bus: MessageBus, workflow: HookPoint[HooksTestRunWorkflowCommand, str]
) -> None:
    tasks: list[str] = []

    def run(command: HooksTestRunWorkflowCommand) -> str:
        tasks.append(command.task)
        return f"done: {command.task}"

    def tag(ctx: HookContext[str]) -> str:
        return f"[{ctx.target}] {ctx.payload}"

    bus.register_command_handler(HooksTestRunWorkflowCommand, run)
    hooks = Hooks()
    hooks.add("before_workflow", tag)
    hooks.add("after_workflow", lambda ctx: ctx.payload.upper())
    hooks.install(bus)

    result = await bus.execute(HooksTestRunWorkflowCommand(task="summarise"))

    assert tasks == ["[workflow] summarise"]
    assert result.result == "DONE: [WORKFLOW] SUMMARISE"


async def test_a_point_registered_after_install_is_picked_up(bus: MessageBus) -> None:
    bus.register_command_handler(HooksTestRunWorkflowCommand, lambda c: c.task)
    hooks = Hooks()
    hooks.add("after_workflow", lambda ctx: ctx.payload + "!")
    hooks.install(bus)

    before = await bus.execute(HooksTestRunWorkflowCommand(task="a"))
    with register_hook_point(workflow_point()):
        during = await bus.execute(HooksTestRunWorkflowCommand(task="b"))
    after = await bus.execute(HooksTestRunWorkflowCommand(task="c"))

    assert (before.result, during.result, after.result) == ("a", "b!", "c")


async def test_hooks_apply_to_subclasses_of_hooked_commands(bus: MessageBus) -> None:
    prompts: list[str] = []

    def run(command: HooksTestSpecialPromptCommand) -> str:
        prompts.append(command.prompt)
        return "ok"

    bus.register_command_handler(HooksTestSpecialPromptCommand, run)
    hooks = Hooks()
    hooks.add("before_executor", lambda ctx: ctx.payload.title())
    hooks.install(bus)

    await bus.execute(HooksTestSpecialPromptCommand(prompt="hello there"))

    assert prompts == ["Hello There"]
