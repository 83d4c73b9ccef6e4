"""The original LLMgine's ``MessageBus`` options: ``log_filename``, ``enable_console_metrics``,
``enable_console_traces``; and the log of a bus nobody stopped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from llmgine.bus import MessageBus
from llmgine.messages import Command, Event
from llmgine.sinks import Metric, MetricEvent, TraceEvent


class ChargeCardCommand(Command):
    amount: int = 1


class CheckoutCommand(Command):
    pass


class CardChargedEvent(Event):
    amount: int = 1


def types_in(path: Path) -> list[str]:
    return [json.loads(line)["type"] for line in path.read_text().splitlines()]


async def test_log_filename_names_the_log_and_every_bus_appends_to_it(tmp_path: Path) -> None:
    for amount in (1, 2):
        async with MessageBus(log_dir=tmp_path, log_filename="app_events.jsonl") as bus:
            await bus.publish(CardChargedEvent(amount=amount))
        assert bus.log_path == tmp_path / "app_events.jsonl"

    lines = (tmp_path / "app_events.jsonl").read_text().splitlines()
    charged = [json.loads(line) for line in lines if "CardChargedEvent" in line]
    assert [line["amount"] for line in charged] == [1, 2]
    assert os.listdir(tmp_path) == ["app_events.jsonl"]


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"log_filename": "app.jsonl"}, "pass log_dir too"),
        ({"log_dir": "logs", "log_filename": "sub/app.jsonl"}, "a file name, not a path"),
        ({"log_dir": "logs", "log_filename": ""}, "a file name, not a path"),
        ({"log_dir": "logs", "log_filename": ".."}, "a file name, not a path"),
    ],
)
def test_a_log_filename_that_cannot_work_is_refused_when_the_bus_is_made(
    options: dict[str, str], error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        MessageBus(**options)  # type: ignore[arg-type]


async def test_console_metrics_print_each_metric_event_and_a_summary_at_stop(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with MessageBus(enable_console_metrics=True) as bus:
        bus.register_command_handler(ChargeCardCommand, lambda c: "ok")
        await bus.execute(ChargeCardCommand())
        await bus.publish(MetricEvent(metrics=[Metric(name="files_processed", value=10)]))
        await bus.publish(TraceEvent(name="not shown", duration_ms=1))

    err = capsys.readouterr().err
    assert "metric files_processed = 10" in err
    assert "Published metrics" in err
    assert "ChargeCardCommand" in err
    assert "not shown" not in err  # traces were not asked for
    assert not any(line.startswith("ChargeCardCommand") for line in err.splitlines())  # no tree


async def test_console_traces_print_command_trees_and_published_spans(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with MessageBus(enable_console_traces=True) as bus:

        async def checkout(command: CheckoutCommand) -> str:
            await bus.execute(ChargeCardCommand(amount=2))
            return "ok"

        bus.register_command_handler(CheckoutCommand, checkout)
        bus.register_command_handler(ChargeCardCommand, lambda c: "ok")
        await bus.execute(CheckoutCommand())
        await bus.publish(TraceEvent(name="Custom Operation", duration_ms=2, status="OK"))
        await bus.publish(MetricEvent(metrics=[Metric(name="not_shown", value=1)]))

    err = capsys.readouterr().err
    assert err.startswith("CheckoutCommand")
    assert "└── ChargeCardCommand" in err
    assert "span Custom Operation  2.0 ms  OK" in err
    assert "not_shown" not in err
    assert "Metrics" not in err


async def test_a_bare_bus_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    async with MessageBus() as bus:
        await bus.publish(MetricEvent(metrics=[Metric(name="files_processed", value=10)]))

    assert capsys.readouterr() == ("", "")


def test_a_bus_never_stopped_still_leaves_its_log_when_the_process_exits(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import asyncio

        from llmgine.bus import MessageBus
        from llmgine.sinks import Metric, MetricEvent


        async def main():
            bus = MessageBus(log_dir="logs", log_filename="events.jsonl")
            await bus.start()
            for n in range(3):
                await bus.publish(MetricEvent(metrics=[Metric(name="n", value=n)]))
            # no stop(): the script ends with the bus running


        asyncio.run(main())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert types_in(tmp_path / "logs" / "events.jsonl") == ["MetricEvent"] * 3
    assert done.stderr == ""
