"""Failures on spans: a model error, a failing tool, failed commands set status and error.type."""

from __future__ import annotations

import pytest
from opentelemetry.trace import StatusCode

from llmgine.bus import MessageBus
from llmgine.engine import PromptCommand
from llmgine.messages import Command
from llmgine.testing import FakeLLMServer, Fault, text, tool_call
from tests.sinks._otel import attributes, broken_tool, traced, traced_chat

SERVED = {"openai": "gpt-4o-mini", "anthropic": "claude-haiku-4-5"}


class OtelProbeCommand(Command):
    value: int = 0


class OtelOrphanCommand(Command):
    """A command nobody handles."""


@pytest.mark.parametrize("adapter", ["openai", "anthropic"])
async def test_a_model_error_fails_the_model_span_and_the_turn(adapter: str) -> None:
    otel = traced()
    async with FakeLLMServer([Fault.unauthorized()]) as server:
        async with traced_chat(adapter, server, otel) as bus:
            result = await bus.execute(PromptCommand(prompt="hi", session_id="s1"))
    assert not result.success
    chat = otel.one(f"chat {SERVED[adapter]}")
    assert chat.status.status_code is StatusCode.ERROR
    assert attributes(chat)["error.type"] == "AuthenticationError"
    assert "gen_ai.usage.input_tokens" not in attributes(chat)
    agent = otel.one("invoke_agent llmgine")
    assert agent.status.status_code is StatusCode.ERROR
    assert attributes(agent)["error.type"] == "AuthenticationError"
    assert agent.status.description
    (point,) = otel.points("gen_ai.client.operation.duration")
    assert point.attributes is not None
    assert point.attributes["error.type"] == "AuthenticationError"
    assert otel.points("gen_ai.client.token.usage") == []


async def test_a_failing_tool_fails_its_span_and_the_turn_goes_on() -> None:
    otel = traced()
    script = [tool_call("broken_tool", {"city": "Paris"}), text("The station is down.")]
    async with FakeLLMServer(script) as server:
        async with traced_chat("openai", server, otel, tools=[broken_tool]) as bus:
            result = await bus.execute(PromptCommand(prompt="Weather in Paris?", session_id="s1"))
    assert result.success, result.error
    tool = otel.one("execute_tool broken_tool")
    assert tool.status.status_code is StatusCode.ERROR
    assert attributes(tool)["error.type"] == "exception"
    # The error quotes what the tool was given: content, so not on the span by default.
    assert "Paris" not in (tool.status.description or "")
    assert otel.one("invoke_agent llmgine").status.status_code is StatusCode.UNSET
    assert all(s.status.status_code is StatusCode.UNSET for s in otel.named("chat gpt-4o-mini"))


async def test_a_failing_tool_shows_its_error_when_content_is_captured() -> None:
    otel = traced(capture_content=True)
    script = [tool_call("broken_tool", {"city": "Paris"}), text("The station is down.")]
    async with FakeLLMServer(script) as server:
        async with traced_chat("openai", server, otel, tools=[broken_tool]) as bus:
            await bus.execute(PromptCommand(prompt="Weather in Paris?", session_id="s1"))
    tool = otel.one("execute_tool broken_tool")
    assert "the station in Paris is down" in (tool.status.description or "")


async def test_a_handler_that_raises_gives_its_exception_type() -> None:
    otel = traced()

    def explode(command: OtelProbeCommand) -> None:
        raise ValueError(f"cannot take {command.value}")

    async with MessageBus(log_dir=None, sinks=[otel.sink]) as bus:
        bus.register_command_handler(OtelProbeCommand, explode)
        result = await bus.execute(OtelProbeCommand(value=3))
    assert not result.success
    span = otel.one("OtelProbeCommand")
    assert span.status.status_code is StatusCode.ERROR
    assert attributes(span)["error.type"] == "ValueError"
    assert span.status.description == "ValueError: cannot take 3"


async def test_a_command_without_handler_fails_with_its_failure_kind_as_type() -> None:
    otel = traced()
    async with MessageBus(log_dir=None, sinks=[otel.sink]) as bus:
        result = await bus.execute(OtelOrphanCommand())
    assert not result.success
    span = otel.one("OtelOrphanCommand")
    assert span.status.status_code is StatusCode.ERROR
    # No exception behind it: the failure's kind is the low-cardinality identifier.
    assert attributes(span)["error.type"] == "no_handler"
    assert "no handler" in (span.status.description or "")


async def test_a_successful_plain_command_is_a_span_named_after_its_type() -> None:
    otel = traced()
    async with MessageBus(log_dir=None, sinks=[otel.sink]) as bus:
        bus.register_command_handler(OtelProbeCommand, lambda c: c.value * 2)
        command = OtelProbeCommand(value=2, session_id="u7")
        await bus.execute(command)
    span = otel.one("OtelProbeCommand")
    assert span.status.status_code is StatusCode.UNSET
    assert attributes(span) == {
        "llmgine.command.type": "OtelProbeCommand",
        "llmgine.command.id": command.command_id,
        "gen_ai.conversation.id": "u7",
    }
