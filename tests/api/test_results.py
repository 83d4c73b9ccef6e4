"""Results that GlueLLM code can read: by key and by attribute, honest about missing usage,
and saying when a turn stopped at the tool-round limit. Through the one-call API, the real
SDKs and FakeLLMServer."""

from __future__ import annotations

import pytest

import llmgine
from llmgine.api import ChatClient, TokenUsage
from llmgine.testing import FakeLLMServer, text, tool_call
from tests.engine._harness import MODELS, provider_options


def get_weather(location: str) -> str:
    """The weather in a place.

    Args:
        location: the city.
    """
    return f"{location}: 21 degrees"


async def test_tokens_and_tool_history_read_by_key_as_in_gluellm(
    adapter: str, fake: FakeLLMServer
) -> None:
    fake.add(
        tool_call("get_weather", {"location": "Oslo"}, usage=(30, 8)),
        text("Oslo is mild.", usage=(50, 6)),
    )
    result = await llmgine.complete(
        "Weather in Oslo?",
        model=MODELS[adapter],
        tools=[get_weather],
        log_dir=None,
        provider_options=provider_options(adapter, fake),
    )
    usage = result.tokens_used
    assert (usage["prompt"], usage["completion"], usage["total"]) == (80, 14, 94)
    assert (usage.prompt, usage.completion, usage.total) == (80, 14, 94)
    assert dict(usage) == {"prompt": 80, "completion": 14, "total": 94}
    assert usage
    assert "total" in usage
    assert usage.get("cost") is None
    with pytest.raises(KeyError):
        usage["cost"]
    (call,) = result.tool_execution_history
    assert call["tool_name"] == call.tool_name == "get_weather"
    assert call["arguments"] == {"location": "Oslo"}
    assert call["result"] == "Oslo: 21 degrees"
    assert call.get("error", False) is None
    assert result.finish_reason == "stop"
    assert not result.stopped_at_tool_limit


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
async def test_usage_a_server_did_not_report_is_none_never_zero(
    adapter: str, fake: FakeLLMServer, stream: bool
) -> None:
    fake.add(text("No counts from me.", report_usage=False))
    async with ChatClient(
        MODELS[adapter], log_dir=None, provider_options=provider_options(adapter, fake)
    ) as client:
        result = await client.complete("Hi", stream=stream)
    assert result.final_response == "No counts from me."
    usage = result.tokens_used
    assert (usage["prompt"], usage["completion"], usage["total"]) == (None, None, None)
    assert usage.total is None
    assert not usage  # GlueLLM code tests `if result.tokens_used:` before reading it
    assert str(usage) == "usage not reported"


async def test_one_unreported_call_makes_the_turn_total_unreported(
    fake: FakeLLMServer,
) -> None:
    fake.add(
        tool_call("get_weather", {"location": "Rome"}, usage=(30, 8)),
        text("Rome is warm.", report_usage=False),
    )
    result = await llmgine.complete(
        "Weather in Rome?",
        model=MODELS["openai"],
        tools=[get_weather],
        log_dir=None,
        provider_options=provider_options("openai", fake),
    )
    assert result.tokens_used == TokenUsage()  # not 38: that would be a part passed off as all
    assert str(result.tokens_used) == "usage not reported"


async def test_a_turn_that_runs_out_of_tool_rounds_says_so(
    adapter: str, fake: FakeLLMServer
) -> None:
    fake.add(
        tool_call("get_weather", {"location": "Oslo"}),
        tool_call("get_weather", {"location": "Bergen"}),
    )
    result = await llmgine.complete(
        "Weather everywhere?",
        model=MODELS[adapter],
        tools=[get_weather],
        max_tool_iterations=1,
        log_dir=None,
        provider_options=provider_options(adapter, fake),
    )
    assert result.finish_reason == "max_tool_rounds"
    assert result.stopped_at_tool_limit
    assert result.tool_calls_made == 1


async def test_the_last_streamed_chunk_says_the_turn_ran_out_of_tool_rounds(
    fake: FakeLLMServer,
) -> None:
    fake.add(
        tool_call("get_weather", {"location": "Oslo"}),
        tool_call("get_weather", {"location": "Bergen"}),
    )
    chunks = [
        chunk
        async for chunk in llmgine.stream_complete(
            "Weather everywhere?",
            model=MODELS["openai"],
            tools=[get_weather],
            max_tool_iterations=1,
            log_dir=None,
            provider_options=provider_options("openai", fake),
        )
    ]
    assert chunks[-1].done
    assert chunks[-1].finish_reason == "max_tool_rounds"
    assert all(chunk.finish_reason is None for chunk in chunks[:-1])
