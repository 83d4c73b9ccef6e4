"""A tool-using chat turn as OpenTelemetry spans, through both real SDK adapters.

The turn: a model call that asks for a tool, the tool, a second model call that answers.
Its trace must be one ``invoke_agent`` span with two ``chat`` spans and one
``execute_tool`` span under it, carrying the GenAI attributes, and nothing else: in
particular no second span per model call from an SDK's own instrumentation.
"""

from __future__ import annotations

import json
from pathlib import Path

import anthropic
import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from llmgine.bus import MessageBus
from llmgine.engine import CallLLMCommand, PromptCommand, ToolChatEngine
from llmgine.logs import read_log
from llmgine.messages import Message
from llmgine.sinks._otel_spans import nanoseconds
from llmgine.testing import FakeLLMServer, text, tool_call
from llmgine.tools import ExecuteToolCommand, ToolCallRequestedEvent
from tests.engine._harness import MODELS, provider_options
from tests.sinks._otel import (
    CONTENT_KEYS,
    Traced,
    attributes,
    get_weather,
    parent_of,
    traced,
    traced_chat,
)

SERVED = {"openai": "gpt-4o-mini", "anthropic": "claude-haiku-4-5"}
PROMPT = "What is the weather in Paris?"
ANSWER = "It is 21 degrees and sunny in Paris."


def script() -> list[object]:
    return [
        tool_call("get_weather", {"location": "Paris"}, usage=(20, 5)),
        text(ANSWER, usage=(31, 9)),
    ]


@pytest.fixture(params=["openai", "anthropic"])
def adapter(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_a_tool_using_turn_is_one_agent_span_with_model_and_tool_spans(
    adapter: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    otel = traced()
    # Make our provider the global one too: an SDK tracing on its own would now add spans.
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", otel.tracer_provider)
    async with FakeLLMServer(script()) as server:
        async with traced_chat(adapter, server, otel, tools=[get_weather]) as bus:
            result = await bus.execute(PromptCommand(prompt=PROMPT, session_id="s1"))
        assert result.success, result.error
        assert len(server.requests) == 2
    model = SERVED[adapter]
    spans = otel.spans
    assert sorted(s.name for s in spans) == sorted(
        [f"chat {model}", f"chat {model}", "execute_tool get_weather", "invoke_agent llmgine"]
    )
    assert {s.instrumentation_scope.name for s in spans} == {"llmgine"}  # type: ignore[union-attr]

    agent = otel.one("invoke_agent llmgine")
    first, second = sorted(otel.named(f"chat {model}"), key=lambda s: s.start_time or 0)
    tool = otel.one("execute_tool get_weather")
    assert parent_of(agent) is None
    for child in (first, tool, second):
        assert parent_of(child) == agent.context.span_id
        assert child.context.trace_id == agent.context.trace_id
    assert first.end_time <= tool.start_time  # type: ignore[operator]
    assert tool.end_time <= second.start_time  # type: ignore[operator]

    prompt = otel.recorded.of_type(PromptCommand)[0]
    assert attributes(agent) == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "llmgine",
        "gen_ai.conversation.id": "s1",
        "llmgine.command.type": "PromptCommand",
        "llmgine.command.id": prompt.command_id,
    }
    assert agent.kind is SpanKind.INTERNAL
    assert agent.start_time == nanoseconds(prompt.timestamp)

    calls = otel.recorded.of_type(CallLLMCommand)
    for span, call, usage, finish in (
        (first, calls[0], (20, 5), "tool_calls"),
        (second, calls[1], (31, 9), "stop"),
    ):
        values = attributes(span)
        response_id = values.pop("gen_ai.response.id")
        assert isinstance(response_id, str)
        assert response_id
        first_chunk = values.pop("gen_ai.response.time_to_first_chunk")
        assert 0 < first_chunk < 60
        assert values == {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": adapter,
            "gen_ai.request.model": model,
            "gen_ai.request.stream": True,
            "gen_ai.response.model": model,
            "gen_ai.usage.input_tokens": usage[0],
            "gen_ai.usage.output_tokens": usage[1],
            "gen_ai.response.finish_reasons": (finish,),
            "gen_ai.conversation.id": "s1",
            "llmgine.command.type": "CallLLMCommand",
            "llmgine.command.id": call.command_id,
        }
        assert span.kind is SpanKind.CLIENT
        assert span.status.status_code is StatusCode.UNSET
        assert span.start_time == nanoseconds(call.timestamp)

    (requested,) = otel.recorded.of_type(ToolCallRequestedEvent)
    (execute,) = otel.recorded.of_type(ExecuteToolCommand)
    assert attributes(tool) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.call.id": requested.call_id,
        "gen_ai.tool.type": "function",
        "gen_ai.conversation.id": "s1",
        "llmgine.command.type": "ExecuteToolCommand",
        "llmgine.command.id": execute.command_id,
    }
    assert tool.kind is SpanKind.INTERNAL


async def test_the_control_an_sdk_left_to_its_defaults_would_add_a_span() -> None:
    # Without this, the test above could pass because spans of the SDK had nowhere to go.
    otel = traced()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(trace, "_TRACER_PROVIDER", otel.tracer_provider)
        async with FakeLLMServer([text("hi")]) as server:
            async with anthropic.AsyncAnthropic(
                api_key="sk-ant-test", base_url=server.anthropic_base_url, max_retries=0
            ) as raw:
                await raw.messages.create(
                    model="claude-haiku-4-5",
                    max_tokens=5,
                    messages=[{"role": "user", "content": "x"}],
                )
    assert [s.instrumentation_scope.name for s in otel.spans] != []  # type: ignore[union-attr]
    assert all(s.instrumentation_scope.name != "llmgine" for s in otel.spans)  # type: ignore[union-attr]


async def test_content_stays_off_spans_unless_asked(adapter: str) -> None:
    otel = traced()
    async with FakeLLMServer(script()) as server:
        async with traced_chat(adapter, server, otel, tools=[get_weather]) as bus:
            result = await bus.execute(PromptCommand(prompt=PROMPT, session_id="s1"))
    assert result.success, result.error
    assert len(otel.spans) == 4
    for span in otel.spans:
        assert not CONTENT_KEYS & set(attributes(span)), span.name
        flat = " ".join(str(v) for v in attributes(span).values())
        for content in (PROMPT, ANSWER, "Paris", "sunny"):
            assert content not in flat, (span.name, content)


async def test_captured_content_follows_the_conventions_shape(adapter: str) -> None:
    otel = traced(capture_content=True)
    async with FakeLLMServer(script()) as server:
        async with traced_chat(adapter, server, otel, tools=[get_weather]) as bus:
            await bus.execute(
                PromptCommand(prompt=PROMPT, session_id="s1", system_prompt="Be brief.")
            )
    model = SERVED[adapter]
    agent = attributes(otel.one("invoke_agent llmgine"))
    assert json.loads(agent["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": PROMPT}]}
    ]
    assert json.loads(agent["gen_ai.system_instructions"]) == [
        {"type": "text", "content": "Be brief."}
    ]
    assert json.loads(agent["gen_ai.output.messages"]) == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": ANSWER}],
            "finish_reason": "stop",
        }
    ]
    first, second = sorted(otel.named(f"chat {model}"), key=lambda s: s.start_time or 0)
    asked = json.loads(attributes(first)["gen_ai.output.messages"])
    (call_part,) = asked[0]["parts"]
    assert call_part["type"] == "tool_call"
    assert call_part["name"] == "get_weather"
    assert call_part["arguments"] == {"location": "Paris"}
    sent = json.loads(attributes(second)["gen_ai.input.messages"])
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool"]
    assert sent[1]["parts"] == [{"type": "text", "content": PROMPT}]
    assert sent[3]["parts"] == [
        {
            "type": "tool_call_response",
            "id": call_part["id"],
            "response": "Paris: 21 degrees, sunny",
        }
    ]
    tool = attributes(otel.one("execute_tool get_weather"))
    assert json.loads(tool["gen_ai.tool.call.arguments"]) == {"location": "Paris"}
    assert tool["gen_ai.tool.call.result"] == "Paris: 21 degrees, sunny"


@pytest.mark.parametrize("value", ["SPAN_ONLY", "span_and_event", "true", "True"])
async def test_the_capture_variable_turns_content_on(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", value)
    otel = traced()
    assert otel.sink.capture_content is True
    async with FakeLLMServer([text(ANSWER)]) as server:
        async with traced_chat("openai", server, otel) as bus:
            await bus.execute(PromptCommand(prompt=PROMPT, session_id="s1"))
    assert PROMPT in attributes(otel.one("invoke_agent llmgine"))["gen_ai.input.messages"]


@pytest.mark.parametrize("value", ["NO_CONTENT", "false", "EVENT_ONLY", "", "yes please", None])
def test_other_values_of_the_capture_variable_leave_content_off(
    value: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if value is not None:
        monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", value)
    assert traced().sink.capture_content is False
    assert traced(capture_content=True).sink.capture_content is True


async def test_streaming_off_and_request_options_are_recorded() -> None:
    otel = traced()
    async with FakeLLMServer([text(ANSWER, usage=(7, 3))]) as server:
        async with traced_chat("openai", server, otel, stream=False) as bus:
            await bus.execute(
                PromptCommand(
                    prompt=PROMPT, session_id="s2", temperature=0.25, max_tokens=64,
                    model="openai:gpt-4o-mini", metadata={"agent_name": "forecaster"},
                )
            )  # fmt: skip
    chat = attributes(otel.one("chat gpt-4o-mini"))
    assert chat["gen_ai.request.stream"] is False
    assert chat["gen_ai.request.temperature"] == 0.25
    assert chat["gen_ai.request.max_tokens"] == 64
    assert "gen_ai.response.time_to_first_chunk" not in chat
    agent = attributes(otel.one("invoke_agent forecaster"))
    assert agent["gen_ai.agent.name"] == "forecaster"
    assert agent["gen_ai.request.model"] == "gpt-4o-mini"
    assert agent["gen_ai.conversation.id"] == "s2"


async def test_the_spans_of_a_turn_replayed_from_its_log_capture_the_same_content(
    adapter: str, tmp_path: Path
) -> None:
    live = traced(capture_content=True)
    async with FakeLLMServer([*script(), text("Still sunny.")]) as server:
        async with MessageBus(log_dir=tmp_path, sinks=[live.sink]) as bus:
            engine = ToolChatEngine(
                bus,
                model=MODELS[adapter],
                tools=[get_weather],
                provider_options=provider_options(adapter, server),
            )
            async with engine:
                for prompt in (PROMPT, "And tomorrow?"):
                    await bus.execute(
                        PromptCommand(prompt=prompt, session_id="s1", system_prompt="Be brief.")
                    )
    assert bus.log_path is not None
    replayed = traced(capture_content=True)
    await replayed.sink.start()
    for message in read_log(bus.log_path):  # the requests come back whole from the log
        assert isinstance(message, Message)
        replayed.sink.emit(message)
    await replayed.sink.close()

    def content(otel: Traced) -> list[tuple[str, dict[str, object]]]:
        spans = sorted(otel.spans, key=lambda s: (s.start_time or 0, s.name))
        return [
            (s.name, {k: v for k, v in attributes(s).items() if k in CONTENT_KEYS}) for s in spans
        ]

    assert content(replayed) == content(live)
    chats = [values for name, values in content(live) if name.startswith("chat")]
    sent = json.loads(str(chats[-1]["gen_ai.input.messages"]))
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "assistant", "user"]


async def test_usage_the_server_did_not_report_is_left_off_the_span() -> None:
    otel = traced()
    async with FakeLLMServer([text(ANSWER, report_usage=False)]) as server:
        async with traced_chat("openai", server, otel) as bus:
            await bus.execute(PromptCommand(prompt=PROMPT, session_id="s3"))
    chat = attributes(otel.one("chat gpt-4o-mini"))
    assert chat["gen_ai.response.finish_reasons"] == ("stop",)
    assert "gen_ai.usage.input_tokens" not in chat
    assert "gen_ai.usage.output_tokens" not in chat
    assert otel.points("gen_ai.client.token.usage") == []
