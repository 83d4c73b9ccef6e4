"""``llmgine logs`` over many runs: prune, list --limit, show --session across every log,
and sessions counted without the bus-wide scope. Each through the installed command."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import orjson

from tests.cli._llmgine import run_llmgine
from tests.programs._chat import run_piped

DAY = 86400
SIZE = 159  # bytes of each fake log


def fake_logs(folder: Path, ages_in_days: list[float]) -> list[Path]:
    """One small log per age, named as a bus names them, last written that long ago."""
    logs = folder / "logs"
    logs.mkdir(exist_ok=True)
    made = []
    now = time.time()
    for index, age in enumerate(ages_in_days):
        path = logs / f"llmgine-2026010{index}-000000-{index:012x}.jsonl"
        line = {"kind": "event", "type": "Said", "session_id": f"s{index}", "text": "x" * 100}
        path.write_bytes(orjson.dumps(line) + b"\n")
        assert path.stat().st_size == SIZE
        os.utime(path, (now - age * DAY, now - age * DAY))
        made.append(path)
    return made


def names(folder: Path) -> set[str]:
    return {p.name for p in (folder / "logs").iterdir()}


def test_prune_keeps_the_newest_n_and_a_dry_run_removes_nothing(tmp_path: Path) -> None:
    made = fake_logs(tmp_path, [5, 4, 3, 2, 1])  # made[-1] is the newest
    (tmp_path / "logs" / "notes.jsonl").write_text("{}\n")  # not a bus's log
    os.utime(tmp_path / "logs" / "notes.jsonl", (0, 0))
    before = names(tmp_path)

    dry = run_llmgine(tmp_path, "logs", "prune", "--keep", "2", "--dry-run")
    assert (dry.status, dry.stderr) == (0, "")
    assert names(tmp_path) == before
    lines = dry.stdout.splitlines()
    assert [line.split()[2] for line in lines[:3]] == [p.name for p in made[:3]]  # oldest first
    assert all(line.startswith("would remove llmgine-") for line in lines[:3])
    assert lines[3] == (
        f"would remove 3 logs ({3 * SIZE} B) from 'logs'; 2 left (a dry run: nothing was removed)"
    )

    done = run_llmgine(tmp_path, "logs", "prune", "--keep", "2")
    assert (done.status, done.stderr) == (0, "")
    assert done.stdout.splitlines()[-1] == f"removed 3 logs ({3 * SIZE} B) from 'logs'; 2 left"
    assert re.fullmatch(
        rf"removed llmgine-\S+\.jsonl  {SIZE} B  last written \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC",
        done.stdout.splitlines()[0],
    )
    assert names(tmp_path) == {made[3].name, made[4].name, "notes.jsonl"}


def test_prune_by_age_and_by_both(tmp_path: Path) -> None:
    made = fake_logs(tmp_path, [30, 10, 6, 1, 0])
    done = run_llmgine(tmp_path, "logs", "prune", "--older-than", "7d")
    assert done.status == 0
    assert done.stdout.splitlines()[-1] == f"removed 2 logs ({2 * SIZE} B) from 'logs'; 3 left"
    assert names(tmp_path) == {p.name for p in made[2:]}

    again = run_llmgine(tmp_path, "logs", "prune", "--older-than", "1w")
    assert again.stdout == (
        "nothing to remove: 3 logs in 'logs', none last written more than 1 week ago\n"
    )
    both = run_llmgine(tmp_path, "logs", "prune", "--older-than", "2d", "--keep", "2")
    assert both.stdout.splitlines()[-1] == f"removed 1 log ({SIZE} B) from 'logs'; 2 left"
    assert names(tmp_path) == {p.name for p in made[3:]}


def test_prune_usage_errors_exit_2(tmp_path: Path) -> None:
    fake_logs(tmp_path, [1])
    nothing = run_llmgine(tmp_path, "logs", "prune")
    assert nothing.status == 2
    assert nothing.stderr == (
        "llmgine logs: error: say which logs to remove: --older-than AGE, --keep N, or both\n"
    )
    for flags, problem in (
        (["--older-than", "7x"], "--older-than: not an age: '7x'; give a number and a unit"),
        (["--keep", "0"], "--keep: must be 1 or more, got 0"),
    ):
        bad = run_llmgine(tmp_path, "logs", "prune", *flags)
        assert bad.status == 2, flags
        assert bad.stderr.splitlines()[-1].startswith(
            f"llmgine logs prune: error: argument {problem}"
        )
    assert len(names(tmp_path)) == 1


def test_list_limit_shows_the_newest(tmp_path: Path) -> None:
    made = fake_logs(tmp_path, [3, 2, 1])
    run = run_llmgine(tmp_path, "logs", "list", "--limit", "2")
    assert run.status == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "2 of 3 logs in 'logs', newest first"
    rows = [line.split()[0] for line in lines[3:]]
    assert rows == [made[2].name, made[1].name]
    everything = run_llmgine(tmp_path, "logs", "list", "--limit", "5")
    assert everything.stdout.splitlines()[0] == "3 logs in 'logs', newest first"


def test_list_does_not_count_the_bus_wide_scope(tmp_path: Path) -> None:
    run = run_llmgine(tmp_path, "complete", "What is 2+3?")
    assert run.status == 0, run.stderr
    (log,) = (tmp_path / "logs").glob("llmgine-*.jsonl")
    scopes = {orjson.loads(line)["session_id"] for line in log.read_bytes().splitlines()}
    assert "BUS" in scopes  # where the bus records its stop
    assert len(scopes) == 2  # and the turn's session
    listed = run_llmgine(tmp_path, "logs", "list")
    header, row = listed.stdout.splitlines()[2:4]
    assert header.split()[-3:] == ["messages", "sessions", "turns"]
    assert row.split()[-2:] == ["1", "1"]


def test_show_a_session_across_every_log_of_the_folder(tmp_path: Path) -> None:
    first = run_piped(tmp_path, "What is 2+3?\n/exit\n")
    assert first.status == 0, first.stderr
    (saved,) = (tmp_path / "sessions").glob("*.json")
    session = saved.stem
    other = run_llmgine(tmp_path, "complete", "--no-save", "What is 6*7?")  # a log, no session
    assert other.status == 0, other.stderr
    second = run_piped(tmp_path, "What is 10-4?\n/exit\n", "--continue")
    assert second.status == 0, second.stderr
    assert len(list((tmp_path / "logs").glob("llmgine-*.jsonl"))) == 3

    run = run_llmgine(tmp_path, "logs", "show", "--session", session)
    assert (run.status, run.stderr) == (0, ""), run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"session {session} in 2 logs of 'logs':"
    assert all(line.startswith("  logs/llmgine-") for line in lines[1:3])
    assert lines[1] < lines[2]  # the run that started it first
    assert lines[4].startswith(f"session {session} · 2 turns · ")
    turns = [line for line in lines if "turn " in line and '"' in line]
    assert [t.split('"')[1] for t in turns] == ["What is 2+3?", "What is 10-4?"]
    assert "6*7" not in run.stdout

    missing = run_llmgine(tmp_path, "logs", "show", "--session", "nobody")
    assert missing.status == 1
    assert missing.stderr.startswith("llmgine logs: error: no session 'nobody' in the 3 logs")
