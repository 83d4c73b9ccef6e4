"""Recording sessions for the replay tests: a real SDK against FakeLLMServer, into a log."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from llmgine.bus import MessageBus
from llmgine.engine import PromptCommand, ToolChatEngine
from llmgine.logs import read_log
from llmgine.messages import Command, CommandResult, Message
from llmgine.testing import FakeLLMServer, Step, text, tool_call

MODEL = "openai:gpt-4o-mini"
PROMPTS = ("What is the weather in Paris?", "And in Rome?", "Thanks!")
TOOL_CHAT = (
    tool_call("get_weather", {"city": "Paris"}),
    text("It is sunny in Paris."),
    tool_call("get_weather", {"city": "Rome"}),
    text("Rome is sunny too."),
    text("You are welcome."),
)
"""A 3-turn chat whose first two turns call a tool."""

weather_calls: list[str] = []


def get_weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: The city's name.
    """
    weather_calls.append(city)
    return f"sunny in {city}"


def options(server: FakeLLMServer) -> dict[str, Any]:
    return {"api_key": "sk-test-replay", "base_url": server.openai_base_url}


async def record(
    folder: Path,
    script: Sequence[Step] = TOOL_CHAT,
    prompts: Iterable[str] = PROMPTS,
    *,
    tools: Iterable[Callable[..., Any]] = (get_weather,),
    session_id: str = "s1",
    **engine_options: Any,
) -> Path:
    """Run ``prompts`` as turns of one session against a fake server playing ``script``;
    the log's path."""
    async with FakeLLMServer(script) as server:
        async with MessageBus(log_dir=folder) as bus:
            engine = ToolChatEngine(
                bus, model=MODEL, tools=list(tools), provider_options=options(server),
                **engine_options,
            )  # fmt: skip
            async with engine:
                for prompt in prompts:
                    result = await bus.execute(PromptCommand(prompt=prompt, session_id=session_id))
                    assert result.success, result.error
            assert bus.log_path is not None
            return bus.log_path


def normalised(messages: Iterable[object], session_id: str = "s1") -> list[dict[str, Any]]:
    """A session's messages with ids numbered in order of appearance, times and latencies
    left out: what must be equal between a run and its replay."""
    numbers: dict[str, int] = {}

    def number(value: object) -> object:
        if isinstance(value, str):
            return numbers.setdefault(value, len(numbers))
        return value

    shown = []
    for message in messages:
        if not isinstance(message, Message) or message.session_id != session_id:
            continue
        data = message.model_dump(
            mode="json",
            exclude={"timestamp", "latency_ms", "first_delta_ms", "metadata"},
        )
        for key in ("command_id", "event_id", "parent_id"):
            if key in data:
                data[key] = number(data[key])
        data["$type"] = type(message).__name__
        if isinstance(message, CommandResult | Command):
            data["$kind"] = "command" if isinstance(message, Command) else "result"
        shown.append(data)
    return shown


def read(path: Path) -> list[object]:
    return list(read_log(path))
