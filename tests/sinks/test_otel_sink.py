"""The OtelSink on its own: names it reads, parents, metrics, bounds, odd input, lifecycle."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

import llmgine.engine
import llmgine.llm
import llmgine.tools
from llmgine.bus import MessageBus
from llmgine.config import Settings
from llmgine.engine import CallLLMCommand, LLMCallCompletedEvent, PromptCommand
from llmgine.llm import LLMRequest
from llmgine.logs import UnknownMessage
from llmgine.messages import Command, CommandResult, Event
from llmgine.sinks import OtelSink, trace_command_as
from llmgine.sinks._otel_rules import CHAT_MESSAGE_FIELDS
from llmgine.sinks._otel_spans import nanoseconds
from llmgine.sinks._recent import Recent
from llmgine.testing import FakeLLMServer, text
from tests.sinks._otel import attributes, parent_of, traced, traced_chat


class OtelOuterCommand(Command):
    pass


class OtelInnerCommand(Command):
    pass


class OtelNoticedEvent(Event):
    pass


class OtelWorkflowCommand(Command):
    topic: str = ""


# -- the chat message fields the sink reads (message names: test_wire_names.py) -------------


def test_the_chat_message_fields_read_exist() -> None:
    fields = {
        name
        for cls in (
            llmgine.llm.SystemMessage,
            llmgine.llm.UserMessage,
            llmgine.llm.AssistantMessage,
            llmgine.llm.ToolResultMessage,
        )
        for name in cls.model_fields
    }
    assert set(CHAT_MESSAGE_FIELDS) <= fields
    assert {"id", "name", "arguments"} <= set(llmgine.llm.ToolCall.model_fields)


# -- parents ----------------------------------------------------------------------------------


async def test_a_command_run_from_an_event_handler_is_a_child_of_the_events_command() -> None:
    otel = traced()
    async with MessageBus(log_dir=None, sinks=[otel.sink]) as bus:
        done = []

        async def outer(command: OtelOuterCommand) -> None:
            await bus.publish(OtelNoticedEvent())

        async def noticed(event: OtelNoticedEvent) -> None:
            done.append(await bus.execute(OtelInnerCommand()))

        bus.register_command_handler(OtelOuterCommand, outer)
        bus.register_command_handler(OtelInnerCommand, lambda c: None)
        bus.register_event_handler(OtelNoticedEvent, noticed)
        await bus.execute(OtelOuterCommand())
        await bus.wait_for_events(timeout=10)
    assert [r.success for r in done] == [True]
    outer_span, inner_span = otel.one("OtelOuterCommand"), otel.one("OtelInnerCommand")
    assert parent_of(inner_span) == outer_span.context.span_id
    assert inner_span.context.trace_id == outer_span.context.trace_id
    # The event was delivered after its command had finished: a late child, still placed.
    assert outer_span.end_time <= inner_span.start_time  # type: ignore[operator]


class OtelNestedCommand(Command):
    depth: int


async def test_deeply_nested_commands_each_get_their_parent() -> None:
    otel = traced()
    async with MessageBus(log_dir=None, sinks=[otel.sink]) as bus:

        async def nest(command: OtelNestedCommand) -> int:
            if command.depth == 0:
                return 0
            inner = await bus.execute(OtelNestedCommand(depth=command.depth - 1))
            assert inner.success, inner.error
            return int(inner.result) + 1

        bus.register_command_handler(OtelNestedCommand, nest)
        result = await bus.execute(OtelNestedCommand(depth=1_500))
    assert result.result == 1_500
    spans = {attributes(s)["llmgine.command.id"]: s for s in otel.spans}
    assert len(spans) == 1_501
    by_span_id = {s.context.span_id: s for s in spans.values()}
    (root,) = [s for s in spans.values() if s.parent is None]
    depth, span = 0, root
    children = {parent_of(s): s for s in spans.values()}
    while span.context.span_id in children:
        span = children[span.context.span_id]
        depth += 1
    assert depth == 1_500
    assert len(by_span_id) == 1_501


async def test_a_root_command_nests_under_the_callers_current_span() -> None:
    otel = traced()
    tracer = otel.tracer_provider.get_tracer("app")
    async with MessageBus(log_dir=None, sinks=[otel.sink]) as bus:
        bus.register_command_handler(OtelOuterCommand, lambda c: None)
        with tracer.start_as_current_span("web request") as request:
            await bus.execute(OtelOuterCommand())
        await bus.execute(OtelOuterCommand())
    nested, alone = otel.named("OtelOuterCommand")
    assert parent_of(nested) == request.get_span_context().span_id
    assert parent_of(alone) is None
    assert alone.context.trace_id != nested.context.trace_id


async def test_a_command_whose_parent_was_never_seen_starts_a_new_trace() -> None:
    otel = traced()
    tracer = otel.tracer_provider.get_tracer("app")
    with tracer.start_as_current_span("unrelated"):
        otel.sink.emit(OtelOuterCommand(parent_id="not-a-message-we-saw"))
    assert otel.sink.open_spans == 1
    await otel.sink.close()
    span = otel.one("OtelOuterCommand")
    assert span.parent is None


# -- agents and workflows -------------------------------------------------------------------


@pytest.fixture
def workflow_rule() -> Iterator[None]:
    trace_command_as("OtelWorkflowCommand", "invoke_workflow", name_field="topic")
    yield
    trace_command_as("OtelWorkflowCommand", None)


@pytest.mark.usefixtures("workflow_rule")
async def test_trace_command_as_makes_workflow_spans_named_from_a_field() -> None:
    otel = traced()
    async with MessageBus(log_dir=None, sinks=[otel.sink]) as bus:
        bus.register_command_handler(OtelWorkflowCommand, lambda c: None)
        await bus.execute(OtelWorkflowCommand(topic="news digest"))
        await bus.execute(OtelWorkflowCommand(metadata={"workflow_name": "fallback"}))
        trace_command_as("OtelWorkflowCommand", "invoke_agent", name="helper")
        await bus.execute(OtelWorkflowCommand())
        trace_command_as("OtelWorkflowCommand", None)
        await bus.execute(OtelWorkflowCommand())
    named = attributes(otel.one("invoke_workflow news digest"))
    assert named["gen_ai.operation.name"] == "invoke_workflow"
    assert named["gen_ai.workflow.name"] == "news digest"
    assert named["llmgine.command.type"] == "OtelWorkflowCommand"
    assert attributes(otel.one("invoke_workflow fallback"))["gen_ai.workflow.name"] == "fallback"
    agent = attributes(otel.one("invoke_agent helper"))
    assert agent["gen_ai.operation.name"] == "invoke_agent"
    assert agent["gen_ai.agent.name"] == "helper"
    assert "gen_ai.operation.name" not in attributes(otel.one("OtelWorkflowCommand"))


def test_trace_command_as_refuses_other_operations() -> None:
    with pytest.raises(ValueError, match="'chat'"):
        trace_command_as("OtelWorkflowCommand", "chat")  # type: ignore[arg-type]


async def test_the_default_agent_name_is_the_sinks() -> None:
    otel = traced(agent_name="concierge")
    otel.sink.emit(PromptCommand(prompt="hi"))
    await otel.sink.close()
    assert otel.spans[0].name == "invoke_agent concierge"


# -- metrics ----------------------------------------------------------------------------------


async def test_token_usage_and_duration_are_histograms_with_the_conventions_buckets() -> None:
    otel = traced()
    async with FakeLLMServer([text("one", usage=(10, 2)), text("two", usage=(30, 4))]) as server:
        async with traced_chat("anthropic", server, otel) as bus:
            await bus.execute(PromptCommand(prompt="a", session_id="s1"))
            await bus.execute(PromptCommand(prompt="b", session_id="s1"))
    common = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": "claude-haiku-4-5",
        "gen_ai.response.model": "claude-haiku-4-5",
    }
    points = otel.points("gen_ai.client.token.usage")
    tokens = {dict(p.attributes or {})["gen_ai.token.type"]: p for p in points}
    assert set(tokens) == {"input", "output"}
    for kind, total in (("input", 40), ("output", 6)):
        point = tokens[kind]
        assert dict(point.attributes or {}) == {**common, "gen_ai.token.type": kind}
        assert (point.count, point.sum) == (2, total)
        assert list(point.explicit_bounds) == [4**i for i in range(14)]
    (duration,) = otel.points("gen_ai.client.operation.duration")
    assert dict(duration.attributes or {}) == common
    assert duration.count == 2
    assert list(duration.explicit_bounds) == [0.01 * 2**i for i in range(14)]
    spans = otel.named("chat claude-haiku-4-5")
    seconds = sum((s.end_time - s.start_time) / 1e9 for s in spans)  # type: ignore[operator]
    assert duration.sum == pytest.approx(seconds)


# -- bounds, odd input, lifecycle -------------------------------------------------------------


async def test_spans_of_commands_that_never_finish_are_bounded_and_ended_at_close() -> None:
    otel = traced(max_open_spans=3)
    commands = [OtelOuterCommand() for _ in range(5)]
    for command in commands:
        otel.sink.emit(command)
    assert otel.sink.open_spans == 3
    early = otel.spans
    assert len(early) == 2
    assert {attributes(s)["llmgine.command.id"] for s in early} == {
        c.command_id for c in commands[:2]
    }
    assert all(attributes(s)["error.type"] == "unfinished" for s in early)
    otel.sink.emit(CommandResult(success=True, command_id=commands[0].command_id))  # too late
    await otel.sink.close()
    assert otel.sink.open_spans == 0
    assert len(otel.spans) == 5
    assert all(s.status.status_code is StatusCode.ERROR for s in otel.spans)


async def test_what_is_remembered_for_late_children_stays_bounded() -> None:
    otel = traced(max_open_spans=10)
    command = OtelOuterCommand()
    otel.sink.emit(command)
    for _ in range(5_000):
        otel.sink.emit(OtelNoticedEvent(parent_id=command.command_id))
    tracer = otel.sink._tracer
    assert len(tracer._links) <= 2 * 1_000
    await otel.sink.close()


async def test_span_times_are_the_message_timestamps_even_when_recorded_later() -> None:
    otel = traced()
    start = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    command = OtelOuterCommand(timestamp=start)
    otel.sink.emit(command)
    result = CommandResult(
        success=True, command_id=command.command_id, timestamp=start + timedelta(seconds=2)
    )
    otel.sink.emit(result)
    (span,) = otel.spans
    assert span.start_time == nanoseconds(start) == 1_767_323_045_123_456_000
    assert span.end_time == span.start_time + 2_000_000_000


async def test_emit_never_raises_on_odd_messages() -> None:
    otel = traced()
    sink = otel.sink
    odd: list[object] = [
        object(),
        "a string",
        UnknownMessage(kind="command", type="Gone", data={}, reason="renamed"),
        CallLLMCommand.model_construct(model="openai:x", command_id="c1", parent_id=None),
        CommandResult(success=False, command_id="never-seen"),
        OtelNoticedEvent(parent_id=None),
    ]
    for message in odd:
        sink.emit(message)  # type: ignore[arg-type]
    good = CallLLMCommand(request=LLMRequest.of("x"), model="openai:gpt-x", command_id="c2")
    sink.emit(good)
    sink.emit(
        LLMCallCompletedEvent.model_construct(
            parent_id="c2", event_id="e1", model="openai:gpt-x", usage=None
        )
    )
    sink.emit(CommandResult(success=True, command_id="c2"))
    assert sink.errors == 2
    assert [s.name for s in otel.spans] == ["chat gpt-x"]
    await sink.close()
    sink.emit(OtelOuterCommand())  # after close: ignored, no error
    assert sink.errors == 2
    assert len(otel.spans) == 1


async def test_the_bus_flushes_batched_spans_when_it_stops() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    # A batch that would wait a minute: only the flush at stop can export it in time.
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=60_000))
    sink = OtelSink(provider)
    bus = MessageBus(log_dir=None, sinks=[sink])
    async with bus:
        bus.register_command_handler(OtelOuterCommand, lambda c: None)
        await bus.execute(OtelOuterCommand())
        assert exporter.get_finished_spans() == ()
    assert [s.name for s in exporter.get_finished_spans()] == ["OtelOuterCommand"]
    # The provider was given, not built by the sink: it is flushed, not shut down.
    with provider.get_tracer("app").start_as_current_span("after"):
        pass
    provider.force_flush()
    assert len(exporter.get_finished_spans()) == 2
    provider.shutdown()


def test_from_settings_is_none_when_tracing_is_off() -> None:
    assert OtelSink.from_settings(Settings()) is None


async def test_tracing_without_an_endpoint_uses_the_global_providers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    otel = traced()
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", otel.tracer_provider)
    sink = OtelSink.from_settings(Settings(tracing=True))
    assert sink is not None
    assert sink.tracer_provider is otel.tracer_provider
    async with MessageBus(log_dir=None, sinks=[sink]) as bus:
        bus.register_command_handler(OtelOuterCommand, lambda c: None)
        await bus.execute(OtelOuterCommand())
    assert [s.name for s in otel.spans] == ["OtelOuterCommand"]
    with otel.tracer_provider.get_tracer("app").start_as_current_span("still open"):
        pass
    assert len(otel.spans) == 2, "the global provider must not be shut down by the sink"


def test_the_sink_checks_its_bounds() -> None:
    with pytest.raises(ValueError, match="max_open_spans"):
        OtelSink(max_open_spans=0)


async def test_a_model_without_a_provider_prefix_is_named_without_a_provider() -> None:
    otel = traced()
    command = CallLLMCommand(request=LLMRequest.of("x"), model="bare-model")
    otel.sink.emit(command)
    otel.sink.emit(CommandResult(success=False, command_id=command.command_id, error="bad"))
    (span,) = otel.spans
    assert span.name == "chat bare-model"
    assert attributes(span)["gen_ai.request.model"] == "bare-model"
    assert "gen_ai.provider.name" not in attributes(span)
    await otel.sink.close()


@pytest.mark.parametrize(
    ("model", "provider", "kind"),
    [
        ("xai:grok-beta", "x_ai", "CLIENT"),
        ("ollama:llama3.2:3b", "ollama", "CLIENT"),
        ("offline:stand-in", "llmgine", "INTERNAL"),
        ("acme:m1", "acme", "CLIENT"),
    ],
)
async def test_provider_names_follow_the_conventions(model: str, provider: str, kind: str) -> None:
    otel = traced()
    command = CallLLMCommand(request=LLMRequest.of("x"), model=model)
    otel.sink.emit(command)
    otel.sink.emit(CommandResult(success=True, command_id=command.command_id))
    (span,) = otel.spans
    assert attributes(span)["gen_ai.provider.name"] == provider
    assert span.name == f"chat {model.partition(':')[2]}"
    assert span.kind.name == kind


def test_recent_keeps_an_entry_for_at_least_limit_insertions_and_at_most_twice_that() -> None:
    recent: Recent[int] = Recent(3)
    for number in range(10):
        recent.put(f"k{number}", number)
        assert len(recent) <= 6
        for back in range(min(number + 1, 3)):
            assert recent.get(f"k{number - back}") == number - back
    assert recent.get("k0") is None
    with pytest.raises(ValueError, match="positive"):
        Recent(0)
