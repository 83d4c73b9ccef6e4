"""Stopping: no new turns, turns in flight finish or are cancelled, sessions saved,
shutdown callbacks (newest first, isolated, time-limited), the bus flushed."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import orjson
import pytest

from llmgine.bootstrap import ApplicationBootstrap
from llmgine.config import Settings, load_settings
from llmgine.engine import PromptCommand, TurnResult
from llmgine.llm import LLMRequest
from llmgine.logs import read_log
from llmgine.messages import CommandResult
from llmgine.testing import FunctionProvider, Reply


class HeldModel:
    """A model whose replies wait until the test releases them."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self.release = asyncio.Event()
        self.calls = 0

    async def __call__(self, request: LLMRequest) -> Reply:
        self.calls += 1
        self.arrived.set()
        await self.release.wait()
        return Reply(text=f"answer {self.calls}")

    def provider(self) -> FunctionProvider:
        return FunctionProvider(self, model="held:model")


def settings(tmp_path: Path, **fields: object) -> Settings:
    return load_settings(sessions_dir=tmp_path / "sessions", log_dir=tmp_path / "logs", **fields)


def saved_messages(tmp_path: Path, session_id: str) -> list[dict[str, object]]:
    data = orjson.loads((tmp_path / "sessions" / f"{session_id}.json").read_bytes())
    return list(data["messages"])


def prompt(text: str, session_id: str = "s1") -> PromptCommand:
    return PromptCommand(prompt=text, session_id=session_id)


async def test_a_turn_in_flight_finishes_and_new_ones_are_refused(tmp_path: Path) -> None:
    model = HeldModel()
    app = ApplicationBootstrap(settings(tmp_path), model=model.provider())
    await app.start()
    log_path = app.bus.log_path
    assert log_path is not None
    turn = asyncio.create_task(app.bus.execute(prompt("first")))
    await model.arrived.wait()

    app.request_stop("the test")
    assert app.stopping
    late = await app.bus.execute(prompt("too late", "s2"))
    assert not late.success
    assert late.error == (
        "PromptCommand was rejected: the application is stopping (the test); "
        "no new turns are accepted"
    )
    stopping = asyncio.create_task(app.stop())
    model.release.set()
    report = await stopping

    result = await turn
    assert isinstance(result.result, TurnResult)
    assert result.result.content == "answer 1"
    assert (report.reason, report.turns_finished, report.turns_cancelled) == ("the test", 1, 0)
    assert report.clean
    assert [m["content"] for m in saved_messages(tmp_path, "s1")] == ["first", "answer 1"]
    assert not (tmp_path / "sessions" / "s2.json").exists()
    kinds = [(m.kind, type(m).__name__) for m in read_log(log_path)]
    assert ("event", "ResponseCompletedEvent") in kinds
    # The held turn's own result, flushed, then the last metrics report and the bus's
    # record of its stop.
    assert kinds[-3:] == [
        ("result", "CommandResult"),
        ("event", "MetricsReportedEvent"),
        ("event", "BusStoppedEvent"),
    ]
    assert app.state == "closed"


async def test_a_turn_past_the_stop_timeout_is_cancelled_without_a_trace(tmp_path: Path) -> None:
    model = HeldModel()
    app = ApplicationBootstrap(settings(tmp_path, stop_timeout=0.2), model=model.provider())
    await app.start()
    log_path = app.bus.log_path
    assert log_path is not None
    model.release.set()
    assert (await app.bus.execute(prompt("kept"))).success
    model.release.clear()
    turn = asyncio.create_task(app.bus.execute(prompt("never answered")))
    await model.arrived.wait()

    report = await app.stop()

    result = await turn
    assert not result.success
    assert result.error is not None
    assert "the turn was cancelled (the application is stopping" in result.error
    assert (report.turns_finished, report.turns_cancelled, report.turns_left) == (0, 1, 0)
    assert [m["content"] for m in saved_messages(tmp_path, "s1")] == ["kept", "answer 1"]
    assert "TurnCancelledEvent" in [type(m).__name__ for m in read_log(log_path)]


async def test_asking_twice_cancels_at_once(tmp_path: Path) -> None:
    # A stop timeout longer than the test's own: only the second request can end the wait.
    model = HeldModel()
    app = ApplicationBootstrap(settings(tmp_path, stop_timeout=600), model=model.provider())
    await app.start()
    turn = asyncio.create_task(app.bus.execute(prompt("held")))
    await model.arrived.wait()
    app.request_stop("first")
    stopping = asyncio.create_task(app.stop())
    app.request_stop("second")
    report = await stopping
    assert report.reason == "first"
    assert report.turns_cancelled == 1
    assert not (await turn).success


async def test_several_queued_turns_of_one_session_are_all_cancelled(tmp_path: Path) -> None:
    model = HeldModel()
    app = ApplicationBootstrap(settings(tmp_path, stop_timeout=0.1), model=model.provider())
    await app.start()
    turns = [asyncio.create_task(app.bus.execute(prompt(f"turn {n}"))) for n in range(3)]
    await model.arrived.wait()
    report = await app.stop()
    results = await asyncio.gather(*turns)
    assert [r.success for r in results] == [False, False, False]
    assert report.turns_cancelled == 3
    assert report.turns_left == 0
    assert model.calls <= 3


async def test_shutdown_callbacks_run_newest_first_each_isolated_and_limited(
    tmp_path: Path,
) -> None:
    app = ApplicationBootstrap(settings(tmp_path, model="offline:stand-in"))
    ran: list[str] = []

    def first() -> None:
        # The callbacks run after the sessions are saved and before the bus closes.
        ran.append(f"first (bus {app.bus.state}, saved {(tmp_path / 'sessions/s1.json').exists()})")

    async def failing() -> None:
        ran.append("failing")
        raise RuntimeError("boom")

    async def hanging() -> None:
        ran.append("hanging")
        await asyncio.Event().wait()

    async with app:
        app.on_shutdown(first)
        app.on_shutdown(failing)
        app.on_shutdown(hanging, name="the hanging one", timeout=0.05)
        removed = app.on_shutdown(lambda: ran.append("removed"))
        app.on_shutdown(lambda: ran.append("last"))
        assert app.remove_shutdown_callback(removed)
        await app.bus.execute(prompt("hello"))
    assert ran == ["last", "hanging", "failing", "first (bus running, saved True)"]
    report = app.report
    assert report is not None
    assert report.callback_errors == (
        "the hanging one: took longer than 0.05 s",
        f"{failing.__qualname__}: RuntimeError: boom",
    )
    assert not report.clean


def test_a_shutdown_callback_must_be_callable(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="must be callable"):
        ApplicationBootstrap(settings(tmp_path)).on_shutdown("not a function")  # type: ignore[arg-type]


async def test_stop_is_idempotent(tmp_path: Path) -> None:
    app = ApplicationBootstrap(settings(tmp_path, model="offline:stand-in"))
    await app.start()
    first, second = await asyncio.gather(app.stop(), app.stop())
    assert first is second is await app.stop()


# -- run and serve ---------------------------------------------------------------------------


def test_run_returns_what_main_returns(tmp_path: Path) -> None:
    async def main(app: ApplicationBootstrap) -> int:
        result = await app.bus.execute(prompt("What is 2+3?"))
        assert isinstance(result.result, TurnResult)
        return 7

    assert ApplicationBootstrap(settings(tmp_path, model="offline:stand-in")).run(main) == 7


async def test_sigterm_lets_the_turn_finish_then_ends_main(tmp_path: Path) -> None:
    model = HeldModel()
    app = ApplicationBootstrap(settings(tmp_path), model=model.provider())
    outcome: list[CommandResult] = []
    main_cancelled = asyncio.Event()

    async def main(app: ApplicationBootstrap) -> int:
        turn = asyncio.create_task(app.bus.execute(prompt("hello")))
        await model.arrived.wait()
        os.kill(os.getpid(), signal.SIGTERM)
        assert await app.wait_for_stop_request() == "SIGTERM"
        model.release.set()
        outcome.append(await turn)
        try:
            await asyncio.Event().wait()  # main has nothing more to do; the stop ends it
        except asyncio.CancelledError:
            main_cancelled.set()
            raise
        return 3

    status = await app.serve(main)
    assert status == 0
    assert main_cancelled.is_set()
    assert outcome[0].success
    assert app.report is not None
    assert app.report.turns_finished == 1
    assert [m["content"] for m in saved_messages(tmp_path, "s1")] == ["hello", "answer 1"]
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # the handler went with the app


async def test_signals_left_out_are_not_handled(tmp_path: Path) -> None:
    app = ApplicationBootstrap(settings(tmp_path, model="offline:stand-in"))

    async def main(app: ApplicationBootstrap) -> None:
        loop = asyncio.get_running_loop()
        assert not loop.remove_signal_handler(signal.SIGINT)  # nothing of ours to remove
        assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None)

    assert await app.serve(main, stop_signals=(signal.SIGTERM,)) == 0
