"""An OtelSink recording into memory, and a chat engine traced by it against FakeLLMServer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from llmgine.bus import MessageBus
from llmgine.engine import ToolChatEngine
from llmgine.sinks import MemorySink, OtelSink
from llmgine.testing import FakeLLMServer
from tests.engine._harness import MODELS, provider_options

CONTENT_KEYS = {
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
}


@dataclass
class Traced:
    """An OtelSink with its in-memory span exporter and metric reader."""

    sink: OtelSink
    exporter: InMemorySpanExporter
    reader: InMemoryMetricReader
    tracer_provider: TracerProvider
    recorded: MemorySink = field(default_factory=MemorySink)

    @property
    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        return [s for s in self.spans if s.name == name]

    def one(self, name: str) -> ReadableSpan:
        (span,) = self.named(name)
        return span

    def points(self, metric: str) -> list[HistogramDataPoint]:
        found: list[HistogramDataPoint] = []
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for m in scope.metrics:
                    if m.name == metric:
                        found.extend(p for p in m.data.data_points)  # type: ignore[misc]
        return found


def traced(**options: Any) -> Traced:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    sink = OtelSink(tracer_provider, MeterProvider(metric_readers=[reader]), **options)
    return Traced(sink, exporter, reader, tracer_provider)


def attributes(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


@asynccontextmanager
async def traced_chat(
    adapter: str,
    server: FakeLLMServer,
    otel: Traced,
    *,
    tools: Iterable[Callable[..., Any]] = (),
    **engine_options: Any,
) -> AsyncIterator[MessageBus]:
    """A bus recording into ``otel`` (and ``otel.recorded``) with a ToolChatEngine on it."""
    async with MessageBus(log_dir=None, sinks=[otel.sink, otel.recorded]) as bus:
        engine = ToolChatEngine(
            bus,
            model=MODELS[adapter],
            tools=list(tools),
            provider_options=provider_options(adapter, server),
            **engine_options,
        )
        async with engine:
            yield bus


def get_weather(location: str) -> str:
    """The weather in a place.

    Args:
        location: the city.
    """
    return f"{location}: 21 degrees, sunny"


def broken_tool(city: str) -> str:
    """A tool that always fails.

    Args:
        city: the city.
    """
    raise RuntimeError(f"the station in {city} is down")
