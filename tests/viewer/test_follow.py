"""Following a log as it is written: complete lines only, numbered as read_records numbers them."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmgine.logs import read_records
from llmgine.viewer._follow import LogFollower
from tests.logs._logs import NEW_LOG, command, event, write_log


def test_a_log_is_read_whole_with_the_lines_of_read_records(tmp_path: Path) -> None:
    follower = LogFollower(NEW_LOG)
    records = follower.read_new()
    expected = list(read_records(NEW_LOG))
    assert [(r.line, r.data) for r in records] == [(r.line, r.data) for r in expected]
    assert follower.read_new() == []
    assert follower.offset == NEW_LOG.stat().st_size


def test_a_line_being_written_waits_for_its_newline(tmp_path: Path) -> None:
    log = write_log(tmp_path / "run.jsonl", [command("PromptCommand", prompt="hi")])
    follower = LogFollower(log)
    assert [r.type for r in follower.read_new()] == ["PromptCommand"]
    line = log.read_bytes().strip().replace(b"PromptCommand", b"CallLLMCommand")
    with log.open("ab") as file:
        file.write(b"\n" + line[:20])  # a blank line, then half a line
    assert follower.read_new() == []
    with log.open("ab") as file:
        file.write(line[20:] + b"\n")
    (new,) = follower.read_new()
    assert (new.type, new.line) == ("CallLLMCommand", 3)  # the blank line is counted
    assert [r.line for r in read_records(log)] == [1, 3]


def test_broken_lines_are_skipped_counted_and_named(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    good = write_log(tmp_path / "good.jsonl", [event("SessionStartedEvent")]).read_bytes()
    log.write_bytes(good + b"{not json\n[1, 2]\n" + good)
    follower = LogFollower(log)
    assert [r.line for r in follower.read_new()] == [1, 4]
    assert follower.skipped == 2
    assert follower.problem is not None
    assert follower.problem.startswith("line 2: not valid JSON")


def test_a_log_replaced_by_a_shorter_one_is_read_again(tmp_path: Path) -> None:
    log = write_log(tmp_path / "run.jsonl", [command("A"), command("B"), command("C")])
    follower = LogFollower(log)
    assert len(follower.read_new()) == 3
    write_log(log, [command("D")])
    assert [(r.type, r.line) for r in follower.read_new()] == [("D", 1)]
    assert follower.restarts == 1


def test_large_logs_are_read_in_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = write_log(tmp_path / "run.jsonl", [command("X", n=n) for n in range(500)])
    monkeypatch.setattr("llmgine.viewer._follow._BLOCK", 1000)  # smaller than many lines
    records = LogFollower(log).read_new()
    assert [r.data["n"] for r in records] == list(range(500))
