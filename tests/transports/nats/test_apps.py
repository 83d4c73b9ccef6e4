"""Apps built from settings over NATS: a front end and workers share a session's history
even when its turns run on different workers, and a front end serves nothing itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmgine.bootstrap import ApplicationBootstrap
from llmgine.bus import UsageError
from llmgine.config import Settings, load_settings
from llmgine.engine import PromptCommand, TurnResult
from llmgine.testing import FakeLLMServer, text
from llmgine.transports.nats import NatsServer, NatsTransport


def app_settings(tmp_path: Path, url: str, namespace: str, llm: FakeLLMServer) -> Settings:
    return load_settings(
        bus_url=url, bus_namespace=namespace, sessions_dir=tmp_path / "sessions",
        log_dir=tmp_path / "logs", model="openai:gpt-4o-mini", openai_api_key="sk-test",
        openai_base_url=llm.openai_base_url,
    )  # fmt: skip


async def test_a_sessions_turns_on_two_workers_share_one_history(
    nats_server: NatsServer, namespace: str, tmp_path: Path
) -> None:
    async with FakeLLMServer([text("Hello, Ada."), text("You are Ada.")]) as llm:
        settings = app_settings(tmp_path, nats_server.url, namespace, llm)
        front = ApplicationBootstrap(settings, front_end=True, setup_logging=False)
        first = ApplicationBootstrap(settings, setup_logging=False)
        async with front:
            assert isinstance(front.bus.transport, NatsTransport)
            async with first:
                one = await front.bus.execute(PromptCommand(prompt="I am Ada.", session_id="s"))
            # The first worker is gone; a second one, that never saw the session, takes the
            # next turn: it reads the history the first saved.
            async with ApplicationBootstrap(settings, setup_logging=False):
                two = await front.bus.execute(PromptCommand(prompt="Who am I?", session_id="s"))
            history = [m.content for m in (await front.context.session("s")).messages]
    assert isinstance(one.result, TurnResult), one.error
    assert isinstance(two.result, TurnResult), two.error
    assert two.result.content == "You are Ada."
    sent = [m.get("content") for m in llm.requests[1].messages]
    assert "I am Ada." in sent  # the second worker's model call carried the first turn
    assert "Hello, Ada." in sent
    assert history == ["I am Ada.", "Hello, Ada.", "Who am I?", "You are Ada."]


def test_a_front_end_needs_a_bus_across_processes(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="set LLMGINE_BUS_URL"):
        ApplicationBootstrap(load_settings(sessions_dir=tmp_path), front_end=True)
