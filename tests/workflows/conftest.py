"""A bus with a chat engine built by the composition root and a workflow runtime on it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from llmgine.bootstrap import build_engine, build_tools
from llmgine.bus import MessageBus, Transport
from llmgine.config import load_settings
from llmgine.context import ContextManager
from llmgine.llm import LLMProvider, LLMRequest, SystemMessage, UserMessage
from llmgine.messages import Message
from llmgine.sinks import MemorySink, ModelPrice
from llmgine.workflows import (
    WorkflowEvent,
    WorkflowRuntime,
    WorkflowStepFinishedEvent,
    WorkflowStepStartedEvent,
)


@dataclass
class Setup:
    bus: MessageBus
    sink: MemorySink
    runtime: WorkflowRuntime

    def of_type(self, cls: type[Message]) -> list[Any]:
        return self.sink.of_type(cls)

    def workflow_events(self) -> list[WorkflowEvent]:
        return [m for m in self.sink.messages if isinstance(m, WorkflowEvent)]

    def by_id(self) -> dict[str, Message]:
        return {m.message_id: m for m in self.sink.messages if m.kind != "result"}

    def peak_steps_in_flight(self) -> int:
        """The most steps of any run started and not yet finished at once, from the log."""
        peak = current = 0
        for message in self.sink.messages:
            if isinstance(message, WorkflowStepStartedEvent):
                current += 1
                peak = max(peak, current)
            elif isinstance(message, WorkflowStepFinishedEvent):
                current -= 1
        return peak


@asynccontextmanager
async def workflows(
    model: LLMProvider,
    *,
    tools: list[Any] | None = None,
    prices: Mapping[str, ModelPrice] | None = None,
    transport: Transport | None = None,
    **runtime_options: Any,
) -> AsyncIterator[Setup]:
    """A running runtime whose agents are answered by ``model``; every message of the bus
    lands in ``setup.sink`` (all delivered once the block ends)."""
    sink = MemorySink()
    settings = load_settings()
    async with MessageBus(log_dir=None, sinks=[sink], transport=transport) as bus:
        engine = build_engine(
            bus, settings, model=model, tools=build_tools(settings, tools), context=ContextManager()
        )
        async with WorkflowRuntime(engine, prices=prices, **runtime_options) as runtime:
            yield Setup(bus, sink, runtime)
        await bus.wait_for_events()


def system_of(request: LLMRequest) -> str:
    return next((m.content for m in request.messages if isinstance(m, SystemMessage)), "")


def prompt_of(request: LLMRequest) -> str:
    return [m.content for m in request.messages if isinstance(m, UserMessage)][-1]


class Crowd:
    """Holds the first ``size`` model calls until all of them are in flight at once (a run
    that never has that many in flight hangs, and the test times out), then lets every
    call through; ``peak`` is the most calls that were ever in flight together."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.active = self.peak = 0
        self.full = asyncio.Event()

    async def enter(self) -> None:
        self.active += 1
        self.peak = max(self.peak, self.active)
        if self.active >= self.size:
            self.full.set()
        try:
            await self.full.wait()
        finally:
            self.active -= 1
