"""MetricsSink on a real bus, and MetricsReporter publishing the metrics as events."""

from __future__ import annotations

import asyncio
import logging

import pytest

from llmgine.bus import MessageBus
from llmgine.config import Settings
from llmgine.engine import LLMCallCompletedEvent
from llmgine.logs import read_log
from llmgine.sinks import MemorySink, Metrics, MetricsReportedEvent, MetricsReporter, MetricsSink
from llmgine.testing import FakeLLMServer, text, tool_call
from tests.bus._messages import Ping
from tests.engine._harness import MODELS, provider_options


def lookup(word: str) -> str:
    """Look a word up.

    Args:
        word: the word.
    """
    return f"{word}: a small animal"


@pytest.mark.parametrize("adapter", ["openai", "anthropic"])
async def test_a_tool_turn_is_counted_with_its_tokens_and_cost(adapter: str) -> None:
    from llmgine.engine import PromptCommand, ToolChatEngine

    metrics = MetricsSink()
    script = [tool_call("lookup", {"word": "cat"}, usage=(100, 10)), text("A cat.", usage=(200, 5))]
    async with FakeLLMServer(script) as server:
        async with MessageBus(log_dir=None, sinks=[metrics]) as bus:
            options = provider_options(adapter, server)
            engine = ToolChatEngine(
                bus, model=MODELS[adapter], tools=[lookup], provider_options=options
            )
            async with engine:
                result = await bus.execute(PromptCommand(prompt="What is a cat?", session_id="ada"))
    assert result.success, result.error
    snapshot = metrics.snapshot()
    assert snapshot.commands["PromptCommand"].count == 1
    assert snapshot.commands["CallLLMCommand"].count == 2
    assert snapshot.commands["ExecuteToolCommand"].count == 1
    prompt_ms = snapshot.commands["PromptCommand"].latency.max_ms
    call_ms = snapshot.commands["CallLLMCommand"].latency.max_ms
    assert prompt_ms is not None
    assert call_ms is not None
    assert prompt_ms > call_ms > 0
    assert snapshot.tools["lookup"].calls == 1
    (model,) = snapshot.models
    assert model.startswith(f"{adapter}:")
    usage = snapshot.models[model]
    assert (usage.calls, usage.input_tokens, usage.output_tokens) == (2, 300, 15)
    price = metrics.metrics.price(model)
    assert price is not None, f"{model!r} should be in the default prices"
    assert usage.cost_usd == pytest.approx(price.cost(300, 15))
    assert snapshot.sessions["ada"].total_tokens == 315
    assert snapshot.undelivered_at_stop == 0
    assert snapshot.pending_commands == 0


async def test_events_the_bus_could_not_deliver_at_stop_are_counted() -> None:
    metrics = MetricsSink()

    async def stuck(event: Ping) -> None:
        await asyncio.Event().wait()

    bus = MessageBus(log_dir=None, sinks=[metrics])
    await bus.start()
    bus.register_event_handler(Ping, stuck)
    for n in range(5):
        await bus.publish(Ping(n=n))
    report = await asyncio.wait_for(bus.stop(timeout=0.05), 5)
    assert metrics.snapshot().undelivered_at_stop == report.undelivered == 5


async def test_the_reporter_publishes_on_its_interval_and_once_more_when_it_stops(
    tmp_path,
) -> None:
    metrics, memory = MetricsSink(), MemorySink()
    received: list[MetricsReportedEvent] = []
    async with MessageBus(log_dir=tmp_path, sinks=[metrics, memory]) as bus:
        bus.register_event_handler(MetricsReportedEvent, received.append)
        async with MetricsReporter(metrics, bus.publish, interval=0.01) as reporter:
            await bus.publish(Ping(n=1))
            # Two timed reports: the second one has counted the first.
            await memory.wait_for(
                lambda m: (
                    isinstance(m, MetricsReportedEvent)
                    and m.snapshot.events.get("MetricsReportedEvent", 0) >= 1
                ),
                timeout=5,
            )
        await bus.wait_for_events()
    reports = memory.of_type(MetricsReportedEvent)
    assert len(reports) == reporter.reports >= 3
    assert [r.final for r in reports] == [False] * (len(reports) - 1) + [True]
    assert reports[-1].snapshot.events["Ping"] == 1
    assert all(r.session_id == "BUS" and r.parent_id is None for r in reports)
    assert received == reports  # handlers get them too
    assert bus.log_path is not None
    logged = [m for m in read_log(bus.log_path) if isinstance(m, MetricsReportedEvent)]
    assert logged == reports


async def test_without_an_interval_only_the_last_report_is_published() -> None:
    memory = MemorySink()
    metrics = Metrics()
    async with MessageBus(log_dir=None, sinks=[MetricsSink(metrics), memory]) as bus:
        reporter = MetricsReporter(metrics, bus.publish, interval=0)
        await reporter.start()
        await bus.publish(Ping(n=1))
        await reporter.stop()
        await reporter.stop()  # twice does nothing
        with pytest.raises(RuntimeError, match="create a new one"):
            await reporter.start()
    (report,) = memory.of_type(MetricsReportedEvent)
    assert report.final


async def test_a_reporter_stopped_after_the_bus_warns_and_does_not_raise(caplog) -> None:
    metrics = MetricsSink()
    bus = MessageBus(log_dir=None, sinks=[metrics])
    await bus.start()
    reporter = MetricsReporter(metrics, bus.publish, interval=None)
    await reporter.start()
    await bus.stop()
    with caplog.at_level(logging.WARNING, logger="llmgine.sinks.metrics"):
        await reporter.stop()
    assert reporter.reports == 0
    assert "stop the reporter before the bus" in caplog.text


def test_from_settings_follows_the_metrics_switch_and_interval() -> None:
    assert MetricsSink.from_settings(Settings(metrics=False)) is None
    sink = MetricsSink.from_settings(Settings())
    assert isinstance(sink, MetricsSink)

    async def publish(event: MetricsReportedEvent) -> None:
        pass

    assert MetricsReporter.from_settings(Settings(metrics=False), sink, publish) is None
    assert MetricsReporter.from_settings(Settings(), None, publish) is None
    reporter = MetricsReporter.from_settings(Settings(metrics_interval=5), sink, publish)
    assert reporter is not None
    assert reporter.interval == 5


def test_a_message_the_sink_cannot_read_is_logged_once_and_skipped(caplog) -> None:
    sink = MetricsSink()
    broken = LLMCallCompletedEvent.model_construct(model="openai:gpt-4o")  # no usage
    with caplog.at_level(logging.WARNING, logger="llmgine.sinks.metrics"):
        sink.emit(broken)
        sink.emit(broken)
    assert caplog.text.count("could not read a LLMCallCompletedEvent") == 1
    assert sink.snapshot().messages == 2
