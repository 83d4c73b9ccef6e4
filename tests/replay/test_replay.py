"""Replay acceptance: a recorded chat replays with no provider call, closed on a miss."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from llmgine.bus import MessageBus
from llmgine.engine import CallLLMCommand, LLMCallCompletedEvent, TurnResult
from llmgine.llm import LLMRequest, LLMResponse, StreamEnd, TextDelta, resolve_model
from llmgine.replay import Recording, ReplayMissError, ReplayProvider, replay_log
from llmgine.testing import FakeLLMServer, Reply, text
from tests.replay._record import (
    MODEL,
    PROMPTS,
    TOOL_CHAT,
    get_weather,
    normalised,
    options,
    read,
    record,
    weather_calls,
)


async def test_a_recorded_tool_chat_replays_with_no_provider_call_and_the_same_events(
    tmp_path: Path,
) -> None:
    original = await record(tmp_path / "recorded")
    weather_calls.clear()
    async with FakeLLMServer(strict=False) as server:  # would answer, if anything asked
        report = await replay_log(original, tools=[get_weather], log_dir=tmp_path / "replayed")
        assert server.requests == []
    assert report.identical, report.summary()
    assert (report.turns, report.replayed_calls, report.live_calls) == (3, 5, 0)
    assert weather_calls == []  # the tool's results were replayed, not run
    assert report.log_path is not None
    assert report.log_path.parent == tmp_path / "replayed"
    assert normalised(read(report.log_path)) == normalised(read(original))
    recorded = [
        m.result for m in read(original) if getattr(m, "command_type", "") == "PromptCommand"
    ]
    assert [r.result for r in report.results] == recorded
    assert all(isinstance(r.result, TurnResult) for r in report.results)


async def test_the_tools_run_live_when_asked(tmp_path: Path) -> None:
    original = await record(tmp_path)
    weather_calls.clear()
    report = await replay_log(original, tools=[get_weather], live_tools=True)
    assert report.identical, report.summary()
    assert weather_calls == ["Paris", "Rome"]


async def test_the_recorded_tools_stand_in_when_none_are_given(tmp_path: Path) -> None:
    original = await record(tmp_path)
    report = await replay_log(original)
    assert report.identical, report.summary()


async def test_a_changed_system_prompt_fails_closed_and_names_messages_0(tmp_path: Path) -> None:
    original = await record(tmp_path)
    report = await replay_log(original, tools=[get_weather], system_prompt="Answer in French.")
    assert not report.identical
    assert report.replayed_calls == 0
    miss = report.misses[0]
    assert miss.path == "messages[0].content"
    assert "+Answer in French." in miss.description  # the short diff
    assert report.divergence is not None
    assert report.divergence.what == "the turn failed"
    assert not report.results[0].success
    assert "messages[0].content" in (report.results[0].error or "")


async def test_a_changed_tool_schema_is_named(tmp_path: Path) -> None:
    original = await record(tmp_path)

    def get_weather(city: str) -> str:  # the same tool, described otherwise
        """The weather now, in a city.

        Args:
            city: The city's name.
        """
        return f"sunny in {city}"

    report = await replay_log(original, tools=[get_weather])
    # The system prompt lists the tools, so that is where the request first differs.
    miss = report.misses[0]
    assert miss.path == "messages[0].content"
    assert "The weather now, in a city." in miss.description


async def test_a_changed_tool_result_is_named_at_the_next_model_call(tmp_path: Path) -> None:
    original = await record(tmp_path)

    def get_weather(city: str) -> str:
        """The weather in a city.

        Args:
            city: The city's name.
        """
        return f"rainy in {city}"

    report = await replay_log(original, tools=[get_weather], live_tools=True)
    assert report.misses[0].path == "messages[3].content"  # system, user, call, result
    assert "rainy in Paris" in report.misses[0].description


async def test_a_repeated_prompt_replays_both_answers_in_order(tmp_path: Path) -> None:
    request = LLMRequest.of("Pick a number.")
    async with FakeLLMServer([text("7"), text("42")]) as server:
        async with MessageBus(log_dir=tmp_path) as bus:
            engine_provider = resolve_model(MODEL, **options(server))
            bus.register_command_handler(
                CallLLMCommand, lambda c: engine_provider.complete(c.request)
            )
            for _ in range(2):
                call = CallLLMCommand(request=request, model=MODEL, session_id="s1")
                assert (await bus.execute(call)).success
            await engine_provider.aclose()
        log = bus.log_path
    assert log is not None
    replay = ReplayProvider.from_log(log)
    assert [(await replay.complete(request)).content for _ in range(2)] == ["7", "42"]
    with pytest.raises(ReplayMissError, match="answered it 2 time"):
        await replay.complete(request)


async def test_a_streamed_reply_replays_with_the_same_text_pieces_and_usage(
    tmp_path: Path,
) -> None:
    script = [Reply(text="It is sunny in Paris today.", usage=(31, 7))]
    original = await record(
        tmp_path, script, ["Weather?"], tools=(), stream=True, delta_events="always"
    )
    recording = Recording.from_log(original)
    (call,) = recording.calls
    assert call.stream
    assert len(call.deltas) > 1
    replay = ReplayProvider(recording)
    pieces: list[str] = []
    end = None
    async with contextlib.aclosing(replay.stream(call.request)) as deltas:
        async for delta in deltas:
            if isinstance(delta, TextDelta):
                pieces.append(delta.text)
            elif isinstance(delta, StreamEnd):
                end = delta.response
    assert pieces == call.deltas  # the same chunking as recorded
    assert isinstance(end, LLMResponse)
    assert isinstance(call.outcome, LLMResponse)
    assert "".join(pieces) == end.content == "It is sunny in Paris today."
    assert end.usage == call.outcome.usage
    assert (end.usage.input_tokens, end.usage.output_tokens) == (31, 7)
    # And through the engine: the completed event has the recorded text and usage.
    report = await replay_log(original, tools=[])
    (completed,) = [m for m in report.messages if isinstance(m, LLMCallCompletedEvent)]
    assert (completed.content, completed.usage) == (end.content, end.usage)


async def test_a_fork_keeps_the_steps_before_it_and_goes_live_after(tmp_path: Path) -> None:
    original = await record(tmp_path / "recorded")
    messages = read(original)
    turns = [m for m in messages if type(m).__name__ == "PromptCommand"]
    second_turn = turns[1].command_id
    async with FakeLLMServer([text("Rome? No idea."), text("Bye.")]) as live:
        report = await replay_log(
            original,
            tools=[get_weather],
            fork_from=second_turn,
            fork_to=lambda _: resolve_model("openai:gpt-4.1", **options(live)),
            log_dir=tmp_path / "forked",
        )
        assert len(live.requests) == 2  # turns 2 and 3, nothing of turn 1
        assert {r.model for r in live.requests} == {"gpt-4.1"}
    assert report.identical, report.summary()
    assert (report.forked_at_turn, report.compared, report.replayed_calls) == (2, 1, 2)
    assert [r.result.content for r in report.results] == [
        "It is sunny in Paris.", "Rome? No idea.", "Bye.",
    ]  # fmt: skip
    # Everything before the fork is the recorded run, message for message.
    assert report.log_path is not None
    before = normalised(read(report.log_path))
    cut = next(i for i, m in enumerate(before) if m["$type"] == "PromptCommand" and i > 0)
    assert before[:cut] == normalised(messages)[:cut]


async def test_replaying_a_log_with_no_turn_is_a_clear_error(tmp_path: Path) -> None:
    async with MessageBus(log_dir=tmp_path) as bus:
        pass
    assert bus.log_path is not None
    with pytest.raises(ValueError, match="no chat turn"):
        await replay_log(bus.log_path)


async def test_an_unknown_fork_point_is_a_clear_error(tmp_path: Path) -> None:
    original = await record(tmp_path)
    with pytest.raises(ValueError, match="no message with the id 'nope'"):
        await replay_log(original, fork_from="nope", fork_to=lambda name: ReplayProvider(original))


def test_the_prompts_were_recorded_in_order() -> None:
    assert len(PROMPTS) == 3
    assert len(TOOL_CHAT) == 5
