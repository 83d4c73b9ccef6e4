"""Apps built from settings over NATS: a front end and workers share a session's history
even when its turns run on different workers, each process's log reads back whole by
itself, and a front end serves nothing itself."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from llmgine.bootstrap import ApplicationBootstrap
from llmgine.bus import UsageError
from llmgine.cli import main as cli_main
from llmgine.config import Settings, load_settings
from llmgine.context import SessionStore
from llmgine.engine import CallLLMCommand, PromptCommand, ResponseCompletedEvent, TurnResult
from llmgine.logs import UnknownMessage, read_log, read_records
from llmgine.messages import LOG_KEY, CommandResult
from llmgine.testing import FakeLLMServer, text
from llmgine.transports.nats import NatsServer, NatsTransport
from programs.discord.bot import run_bot, settings_for
from programs.discord.config import build_parser, load_config
from tests.programs.discord_fakes import FakeChannel, OfflineClient, mention


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
            second = ApplicationBootstrap(settings, setup_logging=False)
            async with second:
                two = await front.bus.execute(PromptCommand(prompt="Who am I?", session_id="s"))
            history = [m.content for m in (await front.context.session("s")).messages]
        logs = [app.bus.log_path for app in (front, first, second)]
    assert isinstance(one.result, TurnResult), one.error
    assert isinstance(two.result, TurnResult), two.error
    assert two.result.content == "You are Ada."
    sent = [m.get("content") for m in llm.requests[1].messages]
    assert "I am Ada." in sent  # the second worker's model call carried the first turn
    assert "Hello, Ada." in sent
    assert history == ["I am Ada.", "Hello, Ada.", "Who am I?", "You are Ada."]
    assert all(path is not None and path.exists() for path in logs)
    assert len(set(logs)) == 3  # one file per process (per bus), never a shared one


async def test_each_processs_log_holds_what_its_lines_refer_to(
    nats_server: NatsServer, namespace: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A model call is logged by reference to the messages its log already holds: a
    worker's log reads back whole alone, even for a turn whose history another worker ran."""
    async with FakeLLMServer([text("Hello, Ada."), text("You are Ada.")]) as llm:
        settings = app_settings(tmp_path, nats_server.url, namespace, llm)
        front = ApplicationBootstrap(settings, front_end=True, setup_logging=False)
        workers = [ApplicationBootstrap(settings, setup_logging=False) for _ in range(2)]
        async with front:
            for worker, prompt in zip(workers, ["I am Ada.", "Who am I?"], strict=True):
                async with worker:
                    done = await front.bus.execute(PromptCommand(prompt=prompt, session_id="s"))
                assert done.success, done.error
        received = [[m.get("content") for m in r.messages] for r in llm.requests]
    front_log, *worker_logs = [app.bus.log_path for app in (front, *workers)]
    assert front_log is not None
    assert None not in worker_logs

    for worker_log, request in zip(worker_logs, received, strict=True):
        messages = list(read_log(worker_log))  # raises on a reference it cannot resolve
        assert not [m for m in messages if isinstance(m, UnknownMessage)]
        (call,) = [m for m in messages if isinstance(m, CallLLMCommand)]
        assert [m.content for m in call.request.messages] == request  # whole, as sent
        (done,) = [m for m in messages if isinstance(m, ResponseCompletedEvent)]
        assert done.session_id == "s"
        assert [m.content for m in done.messages] == [request[-1], done.content]
        (line,) = [r.data for r in read_records(worker_log) if r.type == "CallLLMCommand"]
        assert line[LOG_KEY]["at"] == 0  # its own transcript of the session, from the start
    # The second worker's one call carried the first turn, which its log never held before:
    assert received[1] == ["I am Ada.", "Hello, Ada.", "Who am I?"]

    # The front end accepted the prompts: it logs them and their results, nothing by reference.
    front_messages = list(read_log(front_log))
    assert [m.prompt for m in front_messages if isinstance(m, PromptCommand)] == [
        "I am Ada.",
        "Who am I?",
    ]
    assert [m.result.content for m in front_messages if isinstance(m, CommandResult)] == [
        "Hello, Ada.",
        "You are Ada.",
    ]
    assert not [m for m in front_messages if isinstance(m, CallLLMCommand)]
    assert all(LOG_KEY not in r.data for r in read_records(front_log))

    assert cli_main(["logs", "show", "--all", str(worker_logs[1])]) == 0
    tree = capsys.readouterr().out
    assert "You are Ada." in tree


def test_a_front_end_needs_a_bus_across_processes(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="set LLMGINE_BUS_URL"):
        ApplicationBootstrap(load_settings(sessions_dir=tmp_path), front_end=True)


async def test_the_discord_bot_with_bus_is_a_front_end_whose_turns_run_on_a_worker(
    nats_server: NatsServer, namespace: str, tmp_path: Path
) -> None:
    token = {"DISCORD_BOT_TOKEN": "MTA5ODc2NTQzMjE.Gx7Yq1.abcdefghijklmnopqrstuvwxyz012345"}
    args = build_parser().parse_args(["--bus", nats_server.url])
    config = load_config(args, token)
    assert settings_for(config).bus_url == nats_server.url
    made: asyncio.Queue[OfflineClient] = asyncio.Queue()

    def factory(logic: Any) -> OfflineClient:
        client = OfflineClient(logic)
        made.put_nowait(client)
        return client

    channel = FakeChannel(100)
    async with FakeLLMServer([text("The answer is 5.")]) as llm:
        settings = app_settings(tmp_path, nats_server.url, namespace, llm)
        bot = ApplicationBootstrap(settings, front_end=True, setup_logging=False)
        async with ApplicationBootstrap(settings, setup_logging=False) as worker:
            running = asyncio.ensure_future(
                bot.serve(lambda started: run_bot(started, config, client_factory=factory))
            )
            async with asyncio.timeout(30):
                client = await made.get()
                await client.online.wait()
                client.dispatch("message", mention("what is 2+3?", channel))
                await channel.wait_sent(1, timeout=30)
                bot.request_stop("SIGTERM")
                status = await running
        assert len(llm.requests) == 1  # the worker's model call, the bot's own engine idle
    assert status == 0
    assert channel.texts == ["The answer is 5."]
    assert worker.bus.log_path is not None
    assert bot.bus.log_path is not None
    ran = [m for m in read_log(worker.bus.log_path) if isinstance(m, CallLLMCommand)]
    assert len(ran) == 1
    assert not [m for m in read_log(bot.bus.log_path) if isinstance(m, CallLLMCommand)]
    saved = SessionStore(tmp_path / "sessions").load("discord-100")
    assert [m.content for m in saved.messages] == ["what is 2+3?", "The answer is 5."]
