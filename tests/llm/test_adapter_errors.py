"""Every injected fault becomes the right class of the LLMError tree, for both SDKs."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import aclosing

import pytest

from llmgine.llm import (
    AnthropicProvider,
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    InvalidRequestError,
    LLMError,
    LLMProvider,
    LLMRequest,
    MalformedResponseError,
    OpenAIProvider,
    RateLimitError,
    ServerError,
    StructuredOutputError,
    TokenLimitError,
)
from llmgine.testing import FakeLLMServer, Fault, Step, json_reply, text

Make = Callable[[FakeLLMServer], LLMProvider]
SECRET = "sk-canary-0123456789abcdef"


def make_openai(server: FakeLLMServer) -> LLMProvider:
    return OpenAIProvider("gpt-4o-mini", api_key=SECRET, base_url=server.openai_base_url, timeout=1)


def make_anthropic(server: FakeLLMServer) -> LLMProvider:
    return AnthropicProvider(
        "claude-haiku-4-5", api_key=SECRET, base_url=server.anthropic_base_url, timeout=1
    )


async def drain(provider: LLMProvider, request: LLMRequest, into: list[object]) -> None:
    async with aclosing(provider.stream(request)) as deltas:
        async for delta in deltas:
            into.append(delta)


@pytest.fixture(params=[make_openai, make_anthropic], ids=["openai", "anthropic"])
def make(request: pytest.FixtureRequest) -> Make:
    return request.param  # type: ignore[no-any-return]


FAULTS: list[tuple[Step, type[LLMError], int | None]] = [
    (Fault.rate_limit(retry_after=7), RateLimitError, 429),
    (Fault.server_error(), ServerError, 500),
    (Fault.server_error(529), ServerError, 529),
    (Fault.unauthorized(), AuthenticationError, 401),
    (Fault.context_length(), TokenLimitError, 400),
    (Fault.malformed_json(), MalformedResponseError, None),
    (Fault.cut_stream(), APIConnectionError, None),
    (Fault.hang(), APITimeoutError, None),
]


@pytest.mark.parametrize(("fault", "error", "status"), FAULTS, ids=lambda v: getattr(v, "kind", ""))
async def test_fault_becomes_the_right_error(
    make: Make, fault: Step, error: type[LLMError], status: int | None
) -> None:
    async with FakeLLMServer([fault]) as server, make(server) as provider:
        with pytest.raises(error) as caught:
            await provider.complete(LLMRequest.of("x"))
    exc = caught.value
    assert type(exc) is error
    assert exc.provider == provider.provider
    assert exc.model == provider.model
    assert str(exc).startswith(provider.model_name)
    assert exc.status_code == status
    assert exc.__cause__ is not None, "the SDK exception is kept as the cause"
    assert SECRET not in str(exc)
    if isinstance(exc, RateLimitError):
        assert exc.retry_after == 7


STREAM_FAULTS: list[tuple[Step, type[LLMError]]] = [
    (Fault.rate_limit(), RateLimitError),
    (Fault.server_error(), ServerError),
    (Fault.unauthorized(), AuthenticationError),
    (Fault.context_length(), TokenLimitError),
    (Fault.malformed_json(), MalformedResponseError),
    (Fault.cut_stream(after_chunks=3), APIConnectionError),
    (Fault.hang(), APITimeoutError),
]


@pytest.mark.parametrize(("fault", "error"), STREAM_FAULTS, ids=lambda v: getattr(v, "kind", ""))
async def test_fault_while_streaming_becomes_the_right_error(
    make: Make, fault: Step, error: type[LLMError]
) -> None:
    async with FakeLLMServer([fault]) as server, make(server) as provider:
        with pytest.raises(error) as caught:
            await drain(provider, LLMRequest.of("x"), [])
    assert type(caught.value) is error
    assert caught.value.model_name == provider.model_name


async def test_a_cut_stream_yields_what_arrived_before_failing(make: Make) -> None:
    received: list[object] = []
    async with (
        FakeLLMServer([Fault.cut_stream(after_chunks=4)]) as server,
        make(server) as provider,
    ):
        with pytest.raises(APIConnectionError):
            await drain(provider, LLMRequest.of("x"), received)
    assert received, "fragments sent before the cut reach the consumer"


async def test_error_class_tree() -> None:
    assert issubclass(TokenLimitError, InvalidRequestError)
    assert issubclass(APITimeoutError, APIConnectionError)
    assert issubclass(ServerError, APIConnectionError)
    for cls in (RateLimitError, APIConnectionError, AuthenticationError, InvalidRequestError):
        assert issubclass(cls, LLMError)


async def test_a_bad_request_is_invalid_not_token_limit(make: Make) -> None:
    async with (
        FakeLLMServer([Fault.bad_request("Unknown parameter: 'foo'.")]) as server,
        make(server) as provider,
    ):
        with pytest.raises(InvalidRequestError) as caught:
            await provider.complete(LLMRequest.of("x"))
    assert type(caught.value) is InvalidRequestError
    assert "Unknown parameter: 'foo'." in str(caught.value)
    assert caught.value.status_code == 400


async def test_an_unreachable_server_is_a_connection_error(make: Make) -> None:
    async with FakeLLMServer() as server:
        provider = make(server)
    with pytest.raises(APIConnectionError) as caught:
        await provider.complete(LLMRequest.of("x"))
    await provider.aclose()
    assert SECRET not in str(caught.value)


async def test_a_reply_that_does_not_fit_the_schema_is_a_structured_output_error(
    make: Make,
) -> None:
    from pydantic import BaseModel

    class Point(BaseModel):
        x: int
        y: int

    async with (
        FakeLLMServer([json_reply({"x": 1}), text("not json")]) as server,
        make(server) as provider,
    ):
        with pytest.raises(StructuredOutputError) as first:
            await provider.complete(LLMRequest.of("p", response_format=Point))
        with pytest.raises(StructuredOutputError) as second:
            await provider.complete(LLMRequest.of("p", response_format=Point))
    assert first.value.raw == '{"x":1}'
    assert "y" in first.value.errors
    assert second.value.raw == "not json"


@pytest.mark.parametrize(
    ("cls", "variable"),
    [(OpenAIProvider, "OPENAI_API_KEY"), (AnthropicProvider, "ANTHROPIC_API_KEY")],
)
def test_a_missing_key_says_which_variable_to_set(cls: type, variable: str) -> None:
    with pytest.raises(AuthenticationError, match=variable):
        cls("some-model")


def test_keys_come_from_the_llmgine_variable_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-plain-variable")
    monkeypatch.setenv("LLMGINE_OPENAI_API_KEY", "sk-llmgine-variable")
    provider = OpenAIProvider("m")
    assert provider._client.api_key == "sk-llmgine-variable"


async def test_the_sdks_do_not_retry_on_their_own(make: Make) -> None:
    script: list[Step] = [Fault.server_error(), Fault.rate_limit(retry_after=0), text("late")]
    async with FakeLLMServer(script, strict=False) as server, make(server) as provider:
        with pytest.raises(ServerError):
            await provider.complete(LLMRequest.of("x"))
        with pytest.raises(RateLimitError):
            await provider.complete(LLMRequest.of("x"))
    assert len(server.requests) == 2, "one request per call: retrying is RetryingProvider's job"
