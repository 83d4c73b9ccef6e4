"""A chat's log grows with the conversation, and the requests rebuilt from it are exact.

Each model call's log line names its messages by reference and its system prompt, tools
and response format by digest, so the bytes a turn adds to the log do not grow with the
turns before it. Reading the log back gives each request whole: sent again through the
same adapter, it makes the same HTTP body, byte for byte, as the one the provider got.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from pydantic import BaseModel

from llmgine.bus import MessageBus
from llmgine.cli import main as cli_main
from llmgine.context import ContextManager, LastMessages, SessionStore
from llmgine.engine import CallLLMCommand, PromptCommand, ToolChatEngine, history_from_log
from llmgine.llm import LLMError, LLMRequest, resolve_model
from llmgine.logs import UnknownMessage, read_log, read_records
from llmgine.messages import LOG_KEY, log_refs, registry
from llmgine.messages._logform import _make_plan
from llmgine.testing import (
    FakeLLMServer,
    FunctionProvider,
    RecordedRequest,
    Reply,
    json_reply,
    text,
    tool_call,
    tool_calls,
)
from tests.engine._harness import MODELS, chat, provider_options

ANSWER = "It is 21 degrees and sunny. " * 4


def get_weather(city: str) -> str:
    """The current weather in a city.

    Args:
        city: the city's name.
    """
    return f"{city}: 21 degrees, sunny, a light breeze from the west"


def divide(a: float, b: float) -> float:
    """Divide a by b.

    Args:
        a: the dividend.
        b: the divisor.
    """
    return a / b


class City(BaseModel):
    name: str
    population: int


# -- growth -------------------------------------------------------------------------------


def weather_model(request: LLMRequest) -> Reply:
    """A tool call, then the answer: every turn the same size."""
    if request.messages[-1].role == "tool":
        return text(ANSWER)
    return tool_call("get_weather", {"city": "Paris"})


def bytes_per_turn(path: Path) -> list[int]:
    """The bytes each turn wrote: from its PromptCommand line to the next one's."""
    turns: list[int] = []
    for line in path.read_bytes().splitlines(keepends=True):
        if b'"type":"PromptCommand"' in line[:60]:
            turns.append(0)
        if turns:
            turns[-1] += len(line)
    return turns


async def test_bytes_per_turn_do_not_grow_with_the_conversation(tmp_path: Path) -> None:
    async with MessageBus(log_dir=tmp_path) as bus:
        engine = ToolChatEngine(
            bus,
            model=FunctionProvider(weather_model, model="openai:gpt-4o-mini"),
            tools=[get_weather],
            context=ContextManager(system_prompt="You answer questions about the weather."),
        )
        async with engine:
            for turn in range(200):
                result = await bus.execute(
                    PromptCommand(prompt=f"Weather in Paris? ({turn:04d})", session_id="s")
                )
                assert result.success, result.error
            held = engine.context.history("s")
    assert bus.log_path is not None

    sizes = bytes_per_turn(bus.log_path)
    assert len(sizes) == 200
    assert len(held) == 800
    turn_10, turn_200 = sizes[9], sizes[199]
    assert turn_200 <= 1.5 * turn_10, (turn_10, turn_200)
    assert history_from_log(bus.log_path)["s"] == held
    assert all(not isinstance(m, UnknownMessage) for m in read_log(bus.log_path))


# -- the requests rebuilt from the log ----------------------------------------------------


def weather_script() -> list[Reply]:
    return [
        tool_call("get_weather", {"city": "Paris"}, usage=(120, 18)),
        text("Sunny in Paris.", usage=(160, 11)),
        tool_calls(("divide", {"a": 7, "b": 2}), ("divide", {"a": 1, "b": 0})),
        text("3.5, and 1 / 0 has no answer."),
        json_reply({"name": "Paris"}),  # not a City: shown its errors and asked again
        json_reply({"name": "Paris", "population": 2_100_000}),
        text("You are welcome."),
    ]


async def run_turns(harness_prompt: object, prompts: list[tuple[str, dict[str, object]]]) -> None:
    for prompt, fields in prompts:
        result = await harness_prompt(prompt, **fields)  # type: ignore[operator]
        assert result.success, result.error


PROMPTS: list[tuple[str, dict[str, object]]] = [
    ("What is the weather in Paris?", {}),
    ("What are 7 / 2 and 1 / 0?", {"temperature": 0.25, "max_tokens": 200}),
    ("Tell me about Paris.", {"response_format": City}),
    ("Thanks!", {"tools": ()}),
]


def logged_calls(path: Path) -> list[CallLLMCommand]:
    messages = list(read_log(path))
    unknown = [m.type for m in messages if isinstance(m, UnknownMessage)]
    assert set(unknown) <= {"ArchiveSessionCommand"}  # the fixtures' own, never registered
    return [m for m in messages if isinstance(m, CallLLMCommand)]


async def send_again(calls: list[CallLLMCommand], adapter: str) -> list[RecordedRequest]:
    """Each request as rebuilt from the log, sent through the same adapter to a new server."""
    async with FakeLLMServer(responder=lambda request: text("again")) as server:
        for call in calls:
            provider = resolve_model(call.model, **provider_options(adapter, server))
            try:
                if call.stream:
                    async for _ in provider.stream(call.request):
                        pass
                else:
                    await provider.complete(call.request)
            except LLMError:
                pass  # a reply that is not a City: the request was sent all the same
            finally:
                await provider.aclose()
        return list(server.requests)


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "whole"])
@pytest.mark.parametrize("adapter", ["openai", "anthropic"])
async def test_the_requests_rebuilt_from_the_log_are_byte_for_byte_what_the_provider_got(
    adapter: str, stream: bool, tmp_path: Path
) -> None:
    context = ContextManager(system_prompt="You are brief.")
    async with FakeLLMServer(weather_script()) as server:
        async with chat(
            adapter,
            server,
            tools=[get_weather, divide],
            context=context,
            log_dir=tmp_path,
            stream=stream,
        ) as harness:
            await run_turns(harness.prompt, PROMPTS)
            sent = [m.request for m in harness.sink.messages if isinstance(m, CallLLMCommand)]
        received = list(server.requests)
    assert harness.bus.log_path is not None
    calls = logged_calls(harness.bus.log_path)

    assert len(calls) == len(received) == 7
    assert [call.request for call in calls] == sent
    again = await send_again(calls, adapter)
    assert [r.raw for r in again] == [r.raw for r in received]
    assert all(r.raw for r in received)


async def test_a_resumed_session_is_rebuilt_from_the_new_log_alone(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions")
    script = [tool_call("get_weather", {"city": "Oslo"}), text("Cold."), text("Still cold.")]
    async with FakeLLMServer(script) as server:
        first = ContextManager(store=store, system_prompt="Be brief.")
        async with chat("openai", server, tools=[get_weather], context=first) as harness:
            await run_turns(harness.prompt, [("Weather in Oslo?", {})])
        resumed = ContextManager(store=SessionStore(tmp_path / "sessions"))
        log_dir = tmp_path / "second"
        async with chat(
            "openai", server, tools=[get_weather], context=resumed, log_dir=log_dir
        ) as harness:
            await run_turns(harness.prompt, [("And tomorrow?", {})])
        received = list(server.requests)
    assert harness.bus.log_path is not None

    (call,) = logged_calls(harness.bus.log_path)
    assert len(call.request.messages) == 6  # system, the first turn's four, the prompt
    (again,) = await send_again([call], "openai")
    assert again.raw == received[-1].raw


async def test_a_windowed_history_is_referred_to_and_rebuilt(tmp_path: Path) -> None:
    script = [text(f"Answer {n}.") for n in range(6)]
    context = ContextManager(window=LastMessages(3), system_prompt="Be brief.")
    async with FakeLLMServer(script) as server:
        async with chat("openai", server, context=context, log_dir=tmp_path) as harness:
            await run_turns(harness.prompt, [(f"Question {n}?", {}) for n in range(6)])
        received = list(server.requests)
    assert harness.bus.log_path is not None
    calls = logged_calls(harness.bus.log_path)

    again = await send_again(calls, "openai")
    assert [r.raw for r in again] == [r.raw for r in received]
    assert [len(c.request.messages) for c in calls] == [2, 4, 4, 4, 4, 4]
    lines = [r.data for r in read_records(harness.bus.log_path) if r.type == "CallLLMCommand"]
    assert [line[LOG_KEY].get("add") is not None for line in lines] == [True] * 6
    assert lines[-1]["request"]["messages"][1:] == [[8, 11]]  # the last three, by reference


def all_lines(path: Path) -> Iterator[dict[str, object]]:
    for line in path.read_bytes().splitlines():
        yield orjson.loads(line)


async def test_each_message_of_the_conversation_is_written_once(tmp_path: Path) -> None:
    script = [tool_call("get_weather", {"city": "Lima"}), text("Warm."), text("Bye.")]
    async with FakeLLMServer(script) as server:
        context = ContextManager(system_prompt="You are the oracle of Lima. " + "Be kind. " * 20)
        async with chat(
            "anthropic", server, tools=[get_weather], context=context, log_dir=tmp_path
        ) as harness:
            await run_turns(harness.prompt, [("Weather in Lima?", {}), ("Thanks.", {})])
            held = harness.engine.context.history("s1")
    assert harness.bus.log_path is not None
    log = harness.bus.log_path.read_text()

    assert log.count("the oracle of Lima") == 1
    assert log.count('"description":"The current weather in a city.') == 1
    added = [
        message
        for line in all_lines(harness.bus.log_path)
        for message in line.get(LOG_KEY, {}).get("add", [])  # type: ignore[union-attr]
    ]
    assert len(added) == len(held) == 6
    assert [m["role"] for m in added] == [m.role for m in held]


def test_a_log_of_the_version_before_reads_back_requests_and_histories() -> None:
    old = Path(__file__).resolve().parents[1] / "fixtures" / "logs" / "turns-57395aa.jsonl"
    calls = logged_calls(old)

    assert [r.wire_version for r in read_records(old) if r.type == "CallLLMCommand"] == [1] * 8
    assert [len(c.request.messages) for c in calls][:3] == [2, 4, 6]
    assert MODELS["openai"] in {c.model for c in calls}
    histories = history_from_log(old)
    assert [m.role for m in histories["weather"]] == [
        "user", "assistant", "tool", "assistant", "user", "assistant",
    ]  # fmt: skip


def masked_tree(text: str) -> list[str]:
    """``llmgine logs show`` output without its file name, durations and times."""
    text = re.sub(r"\d+(\.\d+)? (ms|s)\b", "<t>", text)
    text = re.sub(r"(\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d(\.\d+)?", "<time>", text)
    return text.splitlines()[1:]


@pytest.mark.timeout(240)  # a process of its own, with the SDKs to import and serve
def test_logs_show_draws_the_same_trees_from_this_log_as_from_the_version_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "logs"
    root = Path(__file__).resolve().parents[2]
    new = tmp_path / "turns-now.jsonl"
    done = subprocess.run(  # its own process: the script defines a command of its own
        [sys.executable, str(fixtures / "make_log.py"), str(new)],
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    trees = []
    for log in (fixtures / "turns-57395aa.jsonl", new):
        assert cli_main(["logs", "show", "--all", str(log)]) == 0
        trees.append(masked_tree(capsys.readouterr().out))

    assert trees[0] == trees[1]
    assert sum(line.lstrip("│ ├└─").startswith("llm ") for line in trees[1]) == 8
    lines = [r for r in read_records(new) if r.type == "CallLLMCommand"]
    assert [r.wire_version for r in lines] == [2] * 8  # written by reference


def test_the_classes_written_by_reference_are_past_version_1_and_plan_cleanly() -> None:
    declared = {
        name: cls
        for name in registry
        if (cls := registry[name]).__module__.startswith("llmgine") and log_refs(cls)
    }

    assert set(declared) == {"CallLLMCommand", "ResponseCompletedEvent"}
    for cls in declared.values():
        assert cls.wire_version == 2  # older readers refuse the form instead of misreading
        refs = log_refs(cls)
        assert refs is not None
        _make_plan(cls, refs)  # a path that names no model or sequence raises TypeError
