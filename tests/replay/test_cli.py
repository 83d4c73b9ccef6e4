"""``llmgine replay``: identical (0), diverged (1), usage errors (2), forks, its own log."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from llmgine.cli import main
from llmgine.logs import read_log
from llmgine.testing import FakeLLMServer, text, tool_call
from tests.replay._record import normalised, record


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    return asyncio.run(record(tmp_path / "recorded"))


def test_an_unchanged_run_is_identical_and_logged(
    recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(recorded), "--log-dir", str(tmp_path / "out")]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("identical: 3 turn(s), 5 model call(s) replayed")
    assert "[1/3] s1: What is the weather in Paris?" in err  # progress, turn by turn
    (log,) = (tmp_path / "out").glob("*.jsonl")
    assert f"the replay's log: {log}" in out
    assert normalised(read_log(log)) == normalised(read_log(recorded))


def test_a_changed_system_prompt_diverges_and_names_the_field(
    recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["replay", str(recorded), "--system-prompt", "Be brief.", "--log-dir", str(tmp_path)]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert out.startswith("diverged:")
    assert "turn 1 (session 's1'), step 1: the turn failed" in out
    assert "first at messages[0].content:" in out
    assert "+Be brief." in out


def test_usage_errors_exit_2_in_one_line(
    recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = [
        (["replay", str(tmp_path / "missing.jsonl")], "no log file"),
        (["replay", str(recorded), "--session", "zz"], "no chat turn to replay for session 'zz'"),
        (["replay", str(recorded), "--from", "nope", "--model", "openai:x"], "no message"),
        (["replay", str(recorded), "--from", "nope"], "--from needs either --model"),
        (["replay", str(recorded), "--model", "openai:x"], "add --from MESSAGE_ID"),
        (["replay", str(recorded), "--live-tools"], "name them with --tool"),
        (["replay", str(recorded), "--tool", "nosuch:fn"], "cannot import 'nosuch'"),
    ]
    for argv, message in cases:
        assert main([*argv, "--log-dir", str(tmp_path / "out")]) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: "), (argv, err)
        assert message in err, (argv, err)
        assert len(err.strip().splitlines()) == 1


def test_a_fork_goes_on_with_another_recorded_log(
    recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = [
        tool_call("get_weather", {"city": "Paris"}), text("Other: sunny."),
        tool_call("get_weather", {"city": "Rome"}), text("Other: Rome too."), text("Other: bye."),
    ]  # fmt: skip
    other = asyncio.run(record(tmp_path / "other", script))
    turns = [m for m in read_log(recorded) if type(m).__name__ == "PromptCommand"]
    argv = ["replay", str(recorded), "--from", turns[0].command_id, "--then", str(other)]
    assert main([*argv, "--log-dir", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "0 model call(s) replayed, 5 live, forked at turn 1" in out
    (log,) = (tmp_path / "out").glob("*.jsonl")
    answers = [
        m.result.content for m in read_log(log) if getattr(m, "command_type", "") == "PromptCommand"
    ]
    assert answers == ["Other: sunny.", "Other: Rome too.", "Other: bye."]
    # A fork whose later turns fail (the other log has no answer for them) exits 1.
    short = asyncio.run(record(tmp_path / "short", [text("Just one.")], ["What?"], tools=()))
    argv = ["replay", str(recorded), "--from", turns[1].command_id, "--then", str(short)]
    assert main([*argv, "--log-dir", str(tmp_path / "out2")]) == 1
    assert "2 turn(s) after the fork failed" in capsys.readouterr().out


def test_the_entry_point_forks_to_a_live_model_in_a_subprocess(
    recorded: Path, tmp_path: Path
) -> None:
    turns = [m for m in read_log(recorded) if type(m).__name__ == "PromptCommand"]
    with FakeLLMServer([text("Rome: no idea."), text("Bye.")]) as live:
        env = {
            **os.environ,
            "OPENAI_API_KEY": "sk-test-fork",
            "OPENAI_BASE_URL": live.openai_base_url,
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        }
        done = subprocess.run(
            [sys.executable, "-m", "llmgine.cli", "replay", str(recorded), "--from",
             turns[1].command_id, "--model", "openai:gpt-4.1", "--log-dir", str(tmp_path / "o")],
            capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert [r.model for r in live.requests] == ["gpt-4.1", "gpt-4.1"]
    assert "2 model call(s) replayed, 2 live, forked at turn 2" in done.stdout
    assert "1 turn(s) took the recorded steps" in done.stdout
