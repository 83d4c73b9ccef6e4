"""The engine and the tool manager are components: attach(target) -> one Registration."""

from __future__ import annotations

import pytest

from llmgine.bus import Component, MessageBus, UsageError
from llmgine.engine import PromptCommand, ToolChatEngine
from llmgine.llm import ToolCall
from llmgine.testing import ScriptedProvider, text, tool_call
from llmgine.tools import ExecuteToolCommand, ToolManager


def shout(word: str) -> str:
    """Say it loudly.

    Args:
        word: what to say.
    """
    return word.upper()


async def test_an_engine_attached_to_a_session_serves_it_until_unregistered() -> None:
    provider = ScriptedProvider([tool_call("shout", {"word": "hi"}), text("HI it is")])
    async with MessageBus(log_dir=None) as bus, bus.session("s1") as session:
        engine = ToolChatEngine(bus, model=provider, tools=[shout])
        assert isinstance(engine, Component)
        assert isinstance(engine.tools, Component)
        attached = engine.attach(session)
        result = await session.execute(PromptCommand(prompt="say hi"))
        assert result.unwrap().content == "HI it is"
        assert [r.content for r in result.unwrap().tool_results] == ["HI"]
        other = await bus.execute(PromptCommand(prompt="elsewhere", session_id="s2"))
        assert other.failure is not None
        assert other.failure.kind == "no_handler"  # attached to s1 only

        attached.unregister()
        gone = await session.execute(PromptCommand(prompt="again"))
        tool = await session.execute(ExecuteToolCommand(call=tool_call_of("shout")))
    assert gone.failure is not None
    assert gone.failure.kind == "no_handler"
    assert tool.failure is not None
    assert tool.failure.kind == "no_handler"  # the tool manager went with it


def tool_call_of(name: str) -> ToolCall:
    return ToolCall(id="c1", name=name, arguments='{"word": "x"}')


async def test_a_tool_manager_alone_is_a_component() -> None:
    tools = ToolManager([shout])
    async with MessageBus(log_dir=None) as bus:
        attached = tools.attach(bus)
        done = await bus.execute(ExecuteToolCommand(call=tool_call_of("shout")))
        attached.unregister()
        after = await bus.execute(ExecuteToolCommand(call=tool_call_of("shout")))
    assert done.unwrap().content == "X"
    assert after.failure is not None
    assert after.failure.kind == "no_handler"


async def test_an_engine_refuses_a_bus_other_than_its_own() -> None:
    engine = ToolChatEngine(MessageBus(log_dir=None), model=ScriptedProvider([]))
    async with MessageBus(log_dir=None) as other:
        with pytest.raises(UsageError, match="the bus it was made with"):
            engine.attach(other)
