"""Every model call has a deadline and a size limit: a server that dribbles tokens or sends a
reply without end fails the call with one clear error. Through the one-call API, the
bootstrap and the real SDKs, against FakeLLMServer."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

import llmgine
from llmgine.api import ChatClient
from llmgine.bootstrap import ApplicationBootstrap
from llmgine.config import load_settings
from llmgine.engine import PromptCommand, TurnResult
from llmgine.llm import APITimeoutError, MalformedResponseError
from llmgine.testing import FakeLLMServer, Fault, text, tool_call
from tests.engine._harness import MODELS, provider_options

WAIT = 20.0
"""Seconds a test waits at most for a call that should have ended after about one."""


def options(adapter: str, fake: FakeLLMServer, **more: Any) -> dict[str, Any]:
    return {**provider_options(adapter, fake), **more}


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
async def test_request_timeout_bounds_the_whole_call_of_a_dribbling_server(
    adapter: str, fake: FakeLLMServer, stream: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLMGINE_RETRY_MAX_ATTEMPTS", "1")  # one call: retrying is tested below
    fake.add(Fault.dribble(every=0.25))  # a piece every 0.25 s: no single read waits 1 s
    started = time.monotonic()
    with pytest.raises(
        APITimeoutError, match=r"no complete reply from 127\.0\.0\.1:\d+ within 1 s"
    ):
        async with ChatClient(
            MODELS[adapter], log_dir=None, provider_options=options(adapter, fake, timeout=1.0)
        ) as client:
            await asyncio.wait_for(client.complete("Hi", stream=stream), WAIT)
    assert time.monotonic() - started < WAIT / 2
    assert len(fake.requests) == 1


async def test_a_timed_out_call_is_retried_as_the_settings_say(
    tmp_path: Path, fake: FakeLLMServer
) -> None:
    fake.add(Fault.dribble(every=0.25), text("At last."))
    settings = load_settings(
        model=MODELS["openai"], openai_api_key="sk-test", openai_base_url=fake.openai_base_url,
        request_timeout=1.0, retry_max_attempts=2, retry_initial_wait=0.0, stream=False,
        sessions_dir=tmp_path / "sessions", log_dir=tmp_path / "logs",
    )  # fmt: skip
    async with ApplicationBootstrap(settings) as app:
        result = await asyncio.wait_for(
            app.bus.execute(PromptCommand(prompt="Hi", session_id="s1")), WAIT
        )
    assert isinstance(result.result, TurnResult), result.error
    assert result.result.content == "At last."
    assert len(fake.requests) == 2


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
async def test_a_reply_past_the_size_limit_is_cut_off_with_advice(
    adapter: str, fake: FakeLLMServer, stream: bool
) -> None:
    fake.add(text("many words " * 2_000))  # 22,000 bytes of text, more in the body
    with pytest.raises(MalformedResponseError, match="LLMGINE_MAX_REPLY_BYTES") as caught:
        async with ChatClient(
            MODELS[adapter],
            log_dir=None,
            provider_options=options(adapter, fake, max_reply_bytes=16_384),
        ) as client:
            await client.complete("Talk a lot.", stream=stream)
    assert "passed 16,384 bytes (max_reply_bytes)" in str(caught.value)
    assert "max_tokens" in str(caught.value)
    assert len(fake.requests) == 1  # the same request would bring the same reply


async def test_a_long_tool_call_counts_against_the_limit_too(fake: FakeLLMServer) -> None:
    fake.add(tool_call("note", {"text": "x" * 20_000}))
    with pytest.raises(MalformedResponseError, match="max_reply_bytes"):
        await llmgine.stream_complete(
            "Take a note.",
            model=MODELS["openai"],
            log_dir=None,
            provider_options=options("openai", fake, max_reply_bytes=16_384),
        ).__anext__()


async def test_a_reply_within_the_limit_is_untouched(adapter: str, fake: FakeLLMServer) -> None:
    answer = "many words " * 1_000
    fake.add(text(answer), text(answer))
    async with ChatClient(
        MODELS[adapter],
        log_dir=None,
        provider_options=options(adapter, fake, max_reply_bytes=16_384),
    ) as client:
        assert (await client.complete("Talk.", stream=False)).final_response == answer
        assert (await client.complete("Again.", stream=True)).final_response == answer


async def test_the_size_limit_of_the_settings_reaches_an_app(
    tmp_path: Path, fake: FakeLLMServer
) -> None:
    fake.add(text("many words " * 2_000))
    settings = load_settings(
        model=MODELS["openai"], openai_api_key="sk-test", openai_base_url=fake.openai_base_url,
        max_reply_bytes=16_384, retry_max_attempts=1, stream=False,
        sessions_dir=tmp_path / "sessions", log_dir=tmp_path / "logs",
    )  # fmt: skip
    async with ApplicationBootstrap(settings) as app:
        result = await asyncio.wait_for(
            app.bus.execute(PromptCommand(prompt="Talk a lot.", session_id="s1")), WAIT
        )
    assert not result.success
    assert result.failure is not None
    assert result.failure.kind == "malformed_response"
    assert "max_reply_bytes" in (result.error or "")
