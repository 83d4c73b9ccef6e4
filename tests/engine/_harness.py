"""A bus with a ToolChatEngine on it, talking through a real SDK to FakeLLMServer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmgine.bus import MessageBus
from llmgine.context import ContextManager
from llmgine.engine import PromptCommand, ToolChatEngine
from llmgine.messages import CommandResult, Message
from llmgine.sinks import MemorySink
from llmgine.testing import FakeLLMServer
from llmgine.tools import ToolManager

MODELS = {"openai": "openai:gpt-4o-mini", "anthropic": "anthropic:claude-haiku-4-5"}


def provider_options(adapter: str, server: FakeLLMServer) -> dict[str, Any]:
    if adapter == "openai":
        return {"api_key": "sk-test-openai", "base_url": server.openai_base_url}
    return {"api_key": "sk-ant-test", "base_url": server.anthropic_base_url}


@dataclass
class Harness:
    bus: MessageBus
    sink: MemorySink
    engine: ToolChatEngine
    server: FakeLLMServer

    async def prompt(self, text: str, session_id: str = "s1", **fields: Any) -> CommandResult:
        return await self.bus.execute(PromptCommand(prompt=text, session_id=session_id, **fields))

    def of_type(self, cls: type[Message]) -> list[Any]:
        return self.sink.of_type(cls)


@asynccontextmanager
async def chat(
    adapter: str,
    server: FakeLLMServer,
    *,
    tools: ToolManager | Iterable[Callable[..., Any]] = (),
    context: ContextManager | None = None,
    log_dir: Path | None = None,
    **engine_options: Any,
) -> AsyncIterator[Harness]:
    sink = MemorySink()
    async with MessageBus(log_dir=log_dir, sinks=[sink]) as bus:
        engine = ToolChatEngine(
            bus,
            model=MODELS[adapter],
            tools=tools if isinstance(tools, ToolManager) else list(tools),
            context=context,
            provider_options=provider_options(adapter, server),
            **engine_options,
        )
        async with engine:
            yield Harness(bus, sink, engine, server)


def tool_results_in(request: Any) -> list[str]:
    """The tool results a recorded request sends, in either wire format."""
    results: list[str] = []
    for message in request.messages:
        if message.get("role") == "tool":
            results.append(message["content"])
        content = message.get("content")
        if isinstance(content, list):
            results.extend(
                str(block["content"]) for block in content if block.get("type") == "tool_result"
            )
    return results


def user_texts_in(request: Any) -> list[str]:
    """The user texts of a recorded request, in either wire format."""
    texts: list[str] = []
    for message in request.messages:
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(b["text"] for b in content if b.get("type") == "text")
    return texts


def system_text_of(request: Any) -> str | None:
    """The system prompt of a recorded request, in either wire format."""
    if "system" in request.body:
        system = request.body["system"]
        return system if isinstance(system, str) else "".join(b["text"] for b in system)
    for message in request.messages:
        if message.get("role") == "system":
            return str(message["content"])
    return None
