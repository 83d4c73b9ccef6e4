"""ScriptedProvider and FunctionProvider: in-process fakes that play steps back."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel

from llmgine.llm import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    LLMRequest,
    LLMResponse,
    MalformedResponseError,
    RateLimitError,
    ServerError,
    StreamEnd,
    StructuredOutputError,
    TextDelta,
    TokenLimitError,
    ToolCallDelta,
)
from llmgine.testing._script import Fault, Reply, json_reply, text, tool_call, tool_calls
from llmgine.testing._scripted import FunctionProvider, ScriptedProvider

Fake = ScriptedProvider | FunctionProvider


async def collect(provider: Fake, request: LLMRequest) -> list[object]:
    return [delta async for delta in provider.stream(request)]


async def drain(provider: Fake, request: LLMRequest, *, into: list[object]) -> None:
    """Stream into ``into`` delta by delta, so what came before an error is kept."""
    async for delta in provider.stream(request):
        into.append(delta)


class Weather(BaseModel):
    city: str
    celsius: float


async def test_steps_are_played_in_order_and_requests_recorded() -> None:
    provider = ScriptedProvider(
        [tool_call("get_weather", {"location": "Paris"}), text("It is sunny.")],
        model="scripted:gpt-fake",
    )
    first = await provider.complete(LLMRequest.of("weather in Paris?"))
    assert (first.provider, first.model) == ("scripted", "gpt-fake")
    assert first.finish_reason == "tool_calls"
    assert first.tool_calls[0].parsed_arguments() == {"location": "Paris"}
    assert provider.remaining == 1
    second = await provider.complete(LLMRequest.of("and now?"))
    assert second.content == "It is sunny."
    assert second.usage.input_tokens >= 1
    assert provider.remaining == 0
    assert [r.messages[-1].content for r in provider.requests] == ["weather in Paris?", "and now?"]
    provider.assert_consumed()


async def test_an_llm_response_step_is_returned_as_it_is() -> None:
    given = LLMResponse(content="x", provider="elsewhere", model="m", response_id="r1")
    provider = ScriptedProvider([given])
    assert await provider.complete(LLMRequest.of("q")) is given


async def test_a_plain_string_is_a_text_reply() -> None:
    provider = ScriptedProvider(["hello"])
    assert (await provider.complete(LLMRequest.of("q"))).content == "hello"


def test_a_step_of_the_wrong_type_is_refused_at_once() -> None:
    with pytest.raises(TypeError, match="must be a Reply, Fault, LLMResponse or str"):
        ScriptedProvider([{"text": "hi"}])  # type: ignore[list-item]


async def test_calling_past_the_end_names_the_call_and_the_message() -> None:
    provider = ScriptedProvider([text("one")])
    await provider.complete(LLMRequest.of("first"))
    with pytest.raises(AssertionError, match=r"call number 2 .*only 1 step.*'second question'"):
        await provider.complete(LLMRequest.of("second question"))


async def test_leftover_steps_fail_on_exit() -> None:
    with pytest.raises(
        AssertionError, match=r"(?s)called 1 time.*2 step.*step 2: Reply\(text='unused'"
    ):
        async with ScriptedProvider([text("used"), text("unused")]) as provider:
            await provider.complete(LLMRequest.of("q"))


async def test_an_error_in_the_block_is_not_hidden_by_leftover_steps() -> None:
    with pytest.raises(KeyError):
        async with ScriptedProvider([text("unused")]):
            raise KeyError("the real failure")


async def test_non_strict_only_fails_when_asked() -> None:
    provider = ScriptedProvider([text("unused")], strict=False)
    async with provider:
        pass
    with pytest.raises(AssertionError, match="not used"):
        provider.assert_consumed()


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault.rate_limit(retry_after=2.5), RateLimitError),
        (Fault.server_error(529), ServerError),
        (Fault.unauthorized(), AuthenticationError),
        (Fault.context_length(), TokenLimitError),
        (Fault.malformed_json(), MalformedResponseError),
        (Fault.cut_stream(), APIConnectionError),
        (Fault.hang(seconds=0), APITimeoutError),
    ],
)
async def test_faults_raise_the_adapter_errors(fault: Fault, error: type[Exception]) -> None:
    provider = ScriptedProvider([fault, text("recovered")], model="scripted:m")
    with pytest.raises(error) as caught:
        await provider.complete(LLMRequest.of("q"))
    assert caught.value.model_name == "scripted:m"  # type: ignore[attr-defined]
    assert (await provider.complete(LLMRequest.of("again"))).content == "recovered"
    assert len(provider.requests) == 2


async def test_rate_limit_carries_retry_after() -> None:
    provider = ScriptedProvider([Fault.rate_limit(retry_after=2.5)])
    with pytest.raises(RateLimitError) as caught:
        await provider.complete(LLMRequest.of("q"))
    assert caught.value.retry_after == 2.5


async def test_a_hang_waits_until_cancelled() -> None:
    provider = ScriptedProvider([Fault.hang()])
    task = asyncio.create_task(provider.complete(LLMRequest.of("q")))
    done, _ = await asyncio.wait({task}, timeout=0.05)
    assert not done
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_structured_output_is_parsed_and_checked() -> None:
    provider = ScriptedProvider([json_reply({"city": "Paris", "celsius": 21}), text("not json")])
    request = LLMRequest.of("weather", response_format=Weather)
    assert (await provider.complete(request)).parsed == Weather(city="Paris", celsius=21)
    with pytest.raises(StructuredOutputError) as caught:
        await provider.complete(request)
    assert caught.value.raw == "not json"


async def test_streaming_text_and_tool_calls_matches_complete() -> None:
    reply = Reply(
        text="Let me check the weather for you.",
        tool_calls=tool_calls(("get_weather", {"location": "Paris", "unit": "celsius"})).tool_calls,
    )
    complete = await ScriptedProvider([reply]).complete(LLMRequest.of("q"))
    deltas = await collect(ScriptedProvider([reply]), LLMRequest.of("q"))
    end = deltas[-1]
    assert isinstance(end, StreamEnd)
    assert end.response == complete
    pieces = [d.text for d in deltas if isinstance(d, TextDelta)]
    assert pieces == ["Let ", "me ", "check ", "the ", "weather ", "for ", "you."]
    calls = [d for d in deltas if isinstance(d, ToolCallDelta)]
    assert (calls[0].id, calls[0].name, calls[0].arguments) == (
        "call_0_get_weather",
        "get_weather",
        "",
    )
    assert len(calls) > 2
    assert "".join(d.arguments for d in calls) == complete.tool_calls[0].arguments


async def test_streamed_structured_output_is_parsed_at_the_end() -> None:
    provider = ScriptedProvider([json_reply({"city": "Oslo", "celsius": -3})])
    deltas = await collect(provider, LLMRequest.of("q", response_format=Weather))
    end = deltas[-1]
    assert isinstance(end, StreamEnd)
    assert end.response.parsed == Weather(city="Oslo", celsius=-3)


async def test_a_cut_stream_yields_some_chunks_then_fails() -> None:
    cut = Fault.cut_stream(after_chunks=3, reply=Reply(text="one two three four five"))
    provider = ScriptedProvider([cut])
    received: list[object] = []
    with pytest.raises(APIConnectionError):
        await drain(provider, LLMRequest.of("q"), into=received)
    assert received == [TextDelta(text="one "), TextDelta(text="two "), TextDelta(text="three ")]


async def test_other_faults_fail_a_stream_before_any_chunk() -> None:
    provider = ScriptedProvider([Fault.server_error()])
    received: list[object] = []
    with pytest.raises(ServerError):
        await drain(provider, LLMRequest.of("q"), into=received)
    assert received == []
    assert provider.remaining == 0


async def test_function_provider_with_a_sync_function() -> None:
    def answer(request: LLMRequest) -> str:
        return f"you said {request.messages[-1].content}"

    provider = FunctionProvider(answer)
    response = await provider.complete(LLMRequest.of("hello"))
    assert (response.content, response.model_name) == ("you said hello", "function:test")
    assert len(provider.requests) == 1


async def test_function_provider_with_an_async_function_and_faults() -> None:
    async def answer(request: LLMRequest) -> Reply | Fault:
        await asyncio.sleep(0)
        if "fail" in request.messages[-1].content:
            return Fault.unauthorized()
        return tool_call("calculate", {"expression": "2+3"})

    provider = FunctionProvider(answer, model="fn:calc")
    response = await provider.complete(LLMRequest.of("what is 2+3"))
    assert response.tool_calls[0].name == "calculate"
    with pytest.raises(AuthenticationError):
        await provider.complete(LLMRequest.of("please fail"))
    deltas = await collect(provider, LLMRequest.of("again"))
    assert isinstance(deltas[-1], StreamEnd)
    again = deltas[-1].response.tool_calls
    assert [(c.name, c.arguments) for c in again] == [
        (c.name, c.arguments) for c in response.tool_calls
    ]
    assert [c.id for c in response.tool_calls + again] == ["call_0_calculate", "call_1_calculate"]
    assert len(provider.requests) == 3


async def test_function_provider_refuses_a_wrong_return() -> None:
    provider = FunctionProvider(lambda request: 42)  # type: ignore[arg-type, return-value]
    with pytest.raises(TypeError, match="not int"):
        await provider.complete(LLMRequest.of("q"))


INNER_INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""

LLM_SCRIPT_TESTS = """
from llmgine.llm import LLMRequest
from llmgine.testing._script import text


async def test_consumed(llm_script):
    provider = llm_script([text("hi")])
    assert (await provider.complete(LLMRequest.of("q"))).content == "hi"


def test_leftover(llm_script):
    llm_script([text("never asked for")], model="scripted:lazy")


def test_fails_anyway(llm_script):
    llm_script([text("never asked for")])
    assert False, "the test's own failure"
"""


def test_llm_script_fails_a_test_that_left_steps(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["llmgine.testing.pytest_plugin"]')
    pytester.makeini(INNER_INI)
    pytester.makepyfile(LLM_SCRIPT_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_leftover*", "*scripted:lazy*"])
    # The test that failed by itself gets no second report for its leftover step.
    assert "ERROR at teardown of test_fails_anyway" not in result.stdout.str()
