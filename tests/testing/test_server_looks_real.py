"""FakeLLMServer's responses look like the services': ids, ``created`` and usage, read
through the official SDKs, streamed and not."""

from __future__ import annotations

import re
import time

from anthropic import AsyncAnthropic
from openai import AsyncOpenAI

from llmgine.testing import FakeLLMServer, text, tool_call, tool_calls

TWO_CALLS = tool_calls(("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Oslo"}))
OPENAI_CALL = re.compile(r"call_[A-Za-z0-9]{24}")


def ask(content: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": content}]


async def test_openai_ids_created_and_usage() -> None:
    script = [TWO_CALLS, TWO_CALLS, text("Hi.", usage=(12, 3))]
    async with (
        FakeLLMServer(script) as server,
        AsyncOpenAI(base_url=server.openai_base_url, api_key="sk-test") as client,
    ):
        first = await client.chat.completions.create(model="gpt-4o-mini", messages=ask("a"))
        second = await client.chat.completions.create(model="gpt-4o-mini", messages=ask("a"))
        answer = await client.chat.completions.create(model="gpt-4o-mini", messages=ask("b"))
    calls = [c.id for r in (first, second) for c in r.choices[0].message.tool_calls or []]
    assert all(OPENAI_CALL.fullmatch(call) for call in calls), calls
    assert len(set(calls)) == 4  # the same reply served twice gets new ids
    assert all(re.fullmatch(r"chatcmpl-[A-Za-z0-9]{29}", r.id) for r in (first, answer))
    assert first.id != second.id
    assert abs(answer.created - time.time()) < 60
    usage = answer.usage
    assert usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (12, 3, 15)
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens == 0
    assert usage.completion_tokens_details is not None
    assert usage.completion_tokens_details.reasoning_tokens == 0


async def test_openai_stream_usage_only_when_asked_and_on_its_own_chunk() -> None:
    script = [tool_call("get_weather", {"city": "Paris"}, usage=(20, 4)), text("Hi.")]
    async with (
        FakeLLMServer(script) as server,
        AsyncOpenAI(base_url=server.openai_base_url, api_key="sk-test") as client,
    ):
        stream = await client.chat.completions.create(
            model="gpt-4o-mini",
            messages=ask("a"),
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = [chunk async for chunk in stream]
        plain = await client.chat.completions.create(
            model="gpt-4o-mini", messages=ask("b"), stream=True
        )
        unasked = [chunk async for chunk in plain]
    assert len({c.id for c in chunks}) == 1
    assert all(c.usage is None for c in chunks[:-1])
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (20, 4)
    head = chunks[1].choices[0].delta.tool_calls
    assert head is not None
    assert head[0].id is not None
    assert OPENAI_CALL.fullmatch(head[0].id)
    assert all(c.usage is None for c in unasked)


async def test_anthropic_ids_and_usage() -> None:
    script = [TWO_CALLS, TWO_CALLS, text("Hi.", usage=(12, 3))]
    async with (
        FakeLLMServer(script) as server,
        AsyncAnthropic(base_url=server.anthropic_base_url, api_key="sk-ant-test") as client,
    ):
        replies = [
            await client.messages.create(
                model="claude-haiku-4-5", max_tokens=100, messages=ask("a")
            )
            for _ in script
        ]
    uses = [b.id for r in replies[:2] for b in r.content if b.type == "tool_use"]
    assert all(re.fullmatch(r"toolu_01[A-Za-z0-9]{22}", u) for u in uses), uses
    assert len(set(uses)) == 4
    assert all(re.fullmatch(r"msg_01[A-Za-z0-9]{22}", r.id) for r in replies)
    usage = replies[-1].usage
    assert (usage.input_tokens, usage.output_tokens) == (12, 3)
    assert (usage.cache_creation_input_tokens, usage.cache_read_input_tokens) == (0, 0)


async def test_anthropic_stream_reports_input_first_and_output_at_the_end() -> None:
    async with (
        FakeLLMServer([text("Hello there.", usage=(30, 7))]) as server,
        AsyncAnthropic(base_url=server.anthropic_base_url, api_key="sk-ant-test") as client,
    ):
        events = [
            event
            async for event in await client.messages.create(
                model="claude-haiku-4-5", max_tokens=100, messages=ask("a"), stream=True
            )
        ]
    start = events[0]
    assert start.type == "message_start"
    assert (start.message.usage.input_tokens, start.message.usage.output_tokens) == (30, 1)
    delta = next(e for e in events if e.type == "message_delta")
    assert delta.usage.output_tokens == 7
