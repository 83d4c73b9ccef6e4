"""Two runs compared: aligned steps, the first divergence and what it was, what each spent.

Each run is a real chat written to its own log by the bus; a replay and the run it replays
are two such logs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from llmgine.viewer import RunDiff, diff_runs
from llmgine.viewer._compare import normalized
from tests.logs._logs import FIXTURES
from tests.viewer._runs import write_chat


def labels(diff: RunDiff) -> list[tuple[str, str]]:
    return [(row.status, (row.a or row.b).node["label"]) for row in diff.rows]  # type: ignore[union-attr]


async def test_two_runs_of_the_same_chat_match_step_for_step(tmp_path: Path) -> None:
    a = await write_chat(tmp_path / "a")
    b = await write_chat(tmp_path / "b")
    diff = diff_runs(a, b)
    assert diff.identical
    assert diff.first_divergence is None
    assert labels(diff) == [
        ("same", "session"),
        ("same", "turn 1"),
        ("same", "llm"),
        ("same", "tool"),
        ("same", "llm"),
        ("same", "answer"),
        ("same", "turn 2"),
        ("same", "llm"),
        ("same", "answer"),
    ]
    assert diff.a.totals == diff.b.totals
    assert diff.a.totals.calls == 3


async def test_a_changed_system_prompt_diverges_at_the_first_model_call(tmp_path: Path) -> None:
    a = await write_chat(tmp_path / "a", system="Be brief.")
    b = await write_chat(tmp_path / "b", system="Be thorough.")
    diff = diff_runs(a, b)
    assert diff.first_divergence == 2
    row = diff.rows[2]
    assert (row.status, row.a.node["label"] if row.a else None) == ("changed", "llm")
    assert row.field == "CallLLMCommand request.messages[0].content"
    assert row.before is not None
    assert row.before.startswith("Be brief.")
    assert row.after is not None
    assert row.after.startswith("Be thorough.")
    assert [r.status for r in diff.rows[:2]] == ["same", "same"]


async def test_a_different_tool_argument_is_found_where_the_model_asked(tmp_path: Path) -> None:
    a = await write_chat(tmp_path / "a", city="Paris")
    b = await write_chat(tmp_path / "b", city="Lyon")
    diff = diff_runs(a, b)
    first = diff.rows[diff.first_divergence or 0]
    assert first.a is not None
    assert first.a.node["label"] == "llm"
    assert first.field is not None
    assert first.field.startswith("LLMCallCompletedEvent tool_calls[0].arguments")
    assert "Paris" in (first.before or "")
    assert "Lyon" in (first.after or "")
    tool = next(r for r in diff.rows if r.a and r.a.node["label"] == "tool")
    assert tool.status == "changed"


async def test_a_turn_only_one_run_took_is_marked_with_its_side(tmp_path: Path) -> None:
    a = await write_chat(tmp_path / "a", prompts=("What is the weather in Paris?", "Thanks!"))
    b = await write_chat(
        tmp_path / "b", prompts=("What is the weather in Paris?", "Thanks!", "Bye!")
    )
    diff = diff_runs(a, b)
    assert labels(diff)[-3:] == [("only_b", "turn 3"), ("only_b", "llm"), ("only_b", "answer")]
    assert diff.first_divergence == len(diff.rows) - 3
    assert diff.b.totals.calls == diff.a.totals.calls + 1
    assert diff.b.totals.input_tokens > diff.a.totals.input_tokens
    assert diff.a.totals.cost is not None
    assert diff.b.totals.cost is not None
    assert diff.b.totals.cost > diff.a.totals.cost


async def test_one_session_of_each_log_can_be_compared(tmp_path: Path) -> None:
    a = await write_chat(tmp_path / "a", session="first")
    b = await write_chat(tmp_path / "b", session="second")
    diff = diff_runs(a, b, session_a="first", session_b="second")
    assert diff.identical
    assert (diff.a.session, diff.b.session) == ("first", "second")
    with pytest.raises(LookupError, match="no session 'third'"):
        diff_runs(a, b, session_a="third")


def test_logs_of_the_same_script_written_by_two_versions_match() -> None:
    """Each message is read back whole by its class, so how a version wrote it (results as
    ``repr`` before the codec, or as JSON) does not make a difference."""
    diff = diff_runs(FIXTURES / "turns-02dc51a.jsonl", FIXTURES / "turns-d74a259.jsonl")
    assert diff.identical
    assert len(diff.rows) == 27
    assert diff.a.totals == diff.b.totals


def test_what_differs_between_any_two_runs_is_not_compared() -> None:
    written = {
        "kind": "result",
        "type": "CommandResult",
        "command_id": "c1",
        "timestamp": "2026-12-02T01:05:09Z",
        "failure": {"request_id": "req_1", "message": "refused"},
        "result": {"usage": {"input_tokens": 3}, "response_id": "r1", "content": "Hi"},
        "session_usage": {"input_tokens": 250},
    }
    assert normalized(written) == {
        "failure": {"message": "refused"},
        "result": {"content": "Hi"},
    }


@pytest.mark.timeout(240)  # a process of its own, with the SDKs to import and serve
def test_a_log_written_now_matches_the_fixture_an_earlier_version_wrote(tmp_path: Path) -> None:
    """The fixtures' script run again, against FakeLLMServer: the same steps, whatever this
    version changed in how the log is written (results, requests by reference)."""
    new = tmp_path / "turns-now.jsonl"
    done = subprocess.run(  # its own process: the script defines a command of its own
        [sys.executable, str(FIXTURES / "make_log.py"), str(new)],
        env={**os.environ, "PYTHONPATH": str(FIXTURES.parents[2])},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    diff = diff_runs(FIXTURES / "turns-d74a259.jsonl", new)
    changed = [(r.status, r.field, r.before, r.after) for r in diff.rows if r.status != "same"]
    assert changed == []
    assert diff.b.totals.calls == 8
