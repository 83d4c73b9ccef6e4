"""The entry point: configuration errors as one line, and whole runs on ApplicationBootstrap
with a discord.py client that connects nowhere (it plays the gateway's part in the test)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import discord
import pytest

from llmgine.bootstrap import ApplicationBootstrap
from llmgine.config import Settings
from llmgine.context import SessionStore
from llmgine.engine import PromptCommand
from llmgine.llm import LLMRequest
from llmgine.logs import read_log
from llmgine.testing import FunctionProvider
from programs.discord.bot import main, run_bot, settings_for
from programs.discord.config import DEFAULT_SYSTEM_PROMPT, build_parser, load_config
from programs.discord.logic import APOLOGY, ChatBot
from tests.programs._chat import Run, closed_port
from tests.programs.discord_fakes import FakeChannel, OfflineClient, mention

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "MTA5ODc2NTQzMjE.Gx7Yq1.abcdefghijklmnopqrstuvwxyz0123456789"


def run_program(tmp_path: Path, *argv: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_BOT_TOKEN"}
    env |= {"PYTHONPATH": str(ROOT), **environ}
    return subprocess.run(
        [sys.executable, "-m", "programs.discord.bot", *argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_missing_token_is_one_line_and_status_2(tmp_path: Path) -> None:
    done = run_program(tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: DISCORD_BOT_TOKEN is not set; create a bot at ")


def run_without_discord(folder: Path, *argv: str, token: str | None = TOKEN) -> Run:
    """The bot's entry point where ``import discord`` fails as if it were not installed
    (``None`` in ``sys.modules``)."""
    hide_discord = (
        "import runpy, sys; sys.modules['discord'] = None; "
        "runpy.run_module('programs.discord.bot', run_name='__main__', alter_sys=True)"
    )
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_BOT_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-c", hide_discord, *argv],
        cwd=folder,
        env=env | {"PYTHONPATH": str(ROOT)} | ({"DISCORD_BOT_TOKEN": token} if token else {}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def test_without_discord_py_it_says_how_to_install_it(tmp_path: Path) -> None:
    done = run_without_discord(tmp_path)
    assert done.status == 2
    assert done.stderr == (
        "error: the Discord bot needs discord.py; install it with: pip install -e '.[discord]'\n"
    )
    assert list(tmp_path.iterdir()) == []  # nothing started, nothing written


def test_help_works_without_discord_py(tmp_path: Path) -> None:
    done = run_without_discord(tmp_path, "--help", token=None)
    assert (done.status, done.stderr) == (0, "")
    assert done.stdout.startswith("usage: python -m programs.discord.bot ")
    assert "DISCORD_BOT_TOKEN" in done.stdout
    assert "--rate-limit COUNT/SECONDS" in done.stdout


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--bogus"], "error: unrecognized arguments: --bogus; --help lists the options\n"),
        (["--model"], "error: argument --model: expected one argument; --help lists the options\n"),
        (["--rate-limit", "lots"], "error: rate limit 'lots' is not COUNT/SECONDS"),
        (["--allow-channel", "general"], "error: channel id 'general' is not a number"),
    ],
)
def test_flag_errors_are_one_line_and_status_2_without_discord_py_or_a_token(
    tmp_path: Path, argv: list[str], says: str
) -> None:
    done = run_without_discord(tmp_path, *argv, token=None)
    assert (done.status, done.stdout) == (2, "")
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(says)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--rate-limit", "lots"], "error: rate limit 'lots' is not COUNT/SECONDS"),
        (["--allow-channel", "general"], "error: channel id 'general' is not a number"),
        (["--log-level", "loud"], "error: setting 'log_level': "),
    ],
)
def test_bad_options_are_one_line_and_status_2(tmp_path: Path, argv: list[str], says: str) -> None:
    done = run_program(tmp_path, *argv, DISCORD_BOT_TOKEN=TOKEN)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(says)
    assert TOKEN not in done.stderr


@pytest.mark.parametrize("problem", ["sessions folder", "mlflow"])
def test_a_setup_that_cannot_work_is_one_line_and_status_2(tmp_path: Path, problem: str) -> None:
    environ = {"DISCORD_BOT_TOKEN": TOKEN}
    if problem == "mlflow":
        environ["LLMGINE_MLFLOW_TRACKING_URI"] = f"http://127.0.0.1:{closed_port()}"
        says = "error: cannot start: could not reach the MLflow server at "
    else:
        (tmp_path / "sessions").write_text("not a folder")
        says = "error: cannot start: cannot use the sessions folder in 'sessions': "
    done = run_program(tmp_path, **environ)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(says)
    assert TOKEN not in done.stderr


def test_help_names_the_token_variable(tmp_path: Path) -> None:
    done = run_program(tmp_path, "--help")
    assert done.returncode == 0
    assert "DISCORD_BOT_TOKEN" in done.stdout
    assert "--allow-channel" in done.stdout


def test_main_in_process_without_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert capsys.readouterr().err.startswith("error: DISCORD_BOT_TOKEN is not set")


def test_the_system_prompt_defaults_to_one_for_chat(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(build_parser().parse_args([]), {"DISCORD_BOT_TOKEN": TOKEN})
    assert settings_for(config).system_prompt == DEFAULT_SYSTEM_PROMPT
    monkeypatch.setenv("LLMGINE_SYSTEM_PROMPT", "Talk like a pirate.")
    assert settings_for(config).system_prompt == "Talk like a pirate."
    flagged = load_config(
        build_parser().parse_args(["--system-prompt", "Be terse."]), {"DISCORD_BOT_TOKEN": TOKEN}
    )
    assert settings_for(flagged).system_prompt == "Be terse."


def files_containing(folder: Path, text: str) -> list[Path]:
    """Every file under ``folder`` (logs, sessions...) whose bytes hold ``text``."""
    return [p for p in folder.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


def app_for(tmp_path: Path, model: FunctionProvider) -> ApplicationBootstrap:
    settings = Settings(
        sessions_dir=tmp_path / "sessions",
        log_dir=tmp_path / "logs",
        stop_timeout=10,
        system_prompt=DEFAULT_SYSTEM_PROMPT,
    )
    return ApplicationBootstrap(settings, model=model)


def bot_config() -> Any:
    return load_config(build_parser().parse_args([]), {"DISCORD_BOT_TOKEN": TOKEN})


async def test_a_run_answers_then_stops_gracefully_mid_turn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    async def reply(request: LLMRequest) -> str:
        entered.set()
        await release.wait()
        return "The answer is 5."

    app = app_for(tmp_path, FunctionProvider(reply))
    made: asyncio.Queue[OfflineClient] = asyncio.Queue()

    def factory(logic: ChatBot) -> OfflineClient:
        client = OfflineClient(logic)
        made.put_nowait(client)
        return client

    channel = FakeChannel(100)
    running = asyncio.ensure_future(
        app.serve(lambda started: run_bot(started, bot_config(), client_factory=factory))
    )
    async with asyncio.timeout(30):
        client = await made.get()  # made once the app has started
        await client.online.wait()
        client.dispatch("message", mention("what is 2+3?", channel))
        await entered.wait()
        app.request_stop("SIGTERM")  # what the signal does
        release.set()  # the turn in flight finishes after the stop was asked for
        status = await running
    assert status == 0
    assert client.tokens == [TOKEN]
    assert client.closed.is_set()
    assert channel.texts == ["The answer is 5."]
    assert app.report is not None
    assert app.report.clean
    assert app.report.turns_finished == 1

    record = SessionStore(tmp_path / "sessions").load("discord-100")
    assert [m.content for m in record.messages] == ["what is 2+3?", "The answer is 5."]
    assert record.system_prompt is None  # the app-wide prompt applies, not a copy per channel
    (log,) = (tmp_path / "logs").glob("llmgine-*.jsonl")
    prompts = [m for m in read_log(log) if isinstance(m, PromptCommand)]
    assert [(p.session_id, p.prompt) for p in prompts] == [("discord-100", "what is 2+3?")]

    out = capsys.readouterr()
    assert files_containing(tmp_path, TOKEN) == []
    assert TOKEN not in out.out + out.err


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (discord.LoginFailure("Improper token has been passed."), "Discord refused the token"),
        (discord.PrivilegedIntentsRequired(None), "switch on 'Message Content Intent'"),
        (ConnectionError("no route to host"), "the connection to Discord failed"),
    ],
)
async def test_a_failed_connection_is_one_line_and_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], error: BaseException, says: str
) -> None:
    app = app_for(tmp_path, FunctionProvider(lambda request: "unused"))

    def factory(logic: ChatBot) -> OfflineClient:
        return OfflineClient(logic, fail_with=error)

    async with asyncio.timeout(30):
        status = await app.serve(
            lambda started: run_bot(started, bot_config(), client_factory=factory)
        )
    assert status == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1
    assert says in lines[0]
    assert "Traceback" not in err
    assert TOKEN not in err


async def test_the_offline_stand_in_is_announced(tmp_path: Path) -> None:
    settings = Settings(sessions_dir=tmp_path / "sessions", log_dir=tmp_path / "logs")
    app = ApplicationBootstrap(settings)  # no key, no local server: the offline stand-in

    def factory(logic: ChatBot) -> OfflineClient:
        return OfflineClient(logic, fail_with=ConnectionError("no network in tests"))

    async with asyncio.timeout(30):
        await app.serve(lambda started: run_bot(started, bot_config(), client_factory=factory))
    # The app's log file (settings.log_file) keeps the bot's records.
    records = (tmp_path / "logs" / "llmgine.log").read_text().splitlines()
    assert any(
        "WARNING" in line
        and "llmgine.discord" in line
        and "offline stand-in 'offline:stand-in'" in line
        for line in records
    )
    assert any("llmgine.discord" in r and "rate limit: 5/60 per user" in r for r in records)


async def test_a_turn_that_outlasts_the_stop_timeout_is_cancelled_with_an_apology(
    tmp_path: Path,
) -> None:
    entered = asyncio.Event()

    async def reply(request: LLMRequest) -> str:
        entered.set()
        await asyncio.get_running_loop().create_future()  # never answers
        return "unreachable"

    settings = Settings(
        sessions_dir=tmp_path / "sessions", log_dir=tmp_path / "logs", stop_timeout=0.2
    )
    app = ApplicationBootstrap(settings, model=FunctionProvider(reply))
    made: asyncio.Queue[OfflineClient] = asyncio.Queue()

    def factory(logic: ChatBot) -> OfflineClient:
        client = OfflineClient(logic)
        made.put_nowait(client)
        return client

    channel = FakeChannel(100)
    async with asyncio.timeout(30):
        running = asyncio.ensure_future(
            app.serve(lambda started: run_bot(started, bot_config(), client_factory=factory))
        )
        client = await made.get()
        await client.online.wait()
        client.dispatch("message", mention("a hard question", channel))
        await entered.wait()
        app.request_stop("SIGTERM")
        status = await running
    assert channel.texts == [APOLOGY]
    assert app.report is not None
    assert app.report.turns_cancelled == 1
    assert status == 0
    record = SessionStore(tmp_path / "sessions").load("discord-100")
    assert record.messages == []  # the cancelled turn left no half of itself
