"""``llmgine logs``: list, show, stats and search on real logs, old and new, and the errors."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from llmgine.cli import main
from tests.logs._logs import (
    BOTH_LOGS,
    NEW_LOG,
    OLD_LOG,
    command,
    event,
    result,
    write_log,
)

ROOT = Path(__file__).resolve().parents[2]


def logs(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["logs", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def masked(text: str) -> str:
    """Output with durations and times replaced, to compare the logs of different runs."""
    text = re.sub(r"\d+(\.\d+)? (ms|s)\b", "<t>", text)
    text = re.sub(r"(\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d(\.\d+)?", "<time>", text)
    return text


def columns(out: str, first: str) -> list[str]:
    """The cells of the table row that starts with ``first``."""
    row = next(line for line in out.splitlines() if line.startswith(first + " "))
    return re.split(r"\s{2,}", row.strip())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A log folder with both fixtures, the older written first."""
    logs_dir = tmp_path / "logs"
    logs_dir.mkdir()
    for mtime, source in [(1_000, OLD_LOG), (2_000, NEW_LOG)]:
        copy = logs_dir / source.name
        shutil.copyfile(source, copy)
        os.utime(copy, (mtime, mtime))
    return logs_dir


@pytest.fixture(params=BOTH_LOGS, ids=lambda p: p.name)
def log(request: pytest.FixtureRequest) -> Path:
    return Path(request.param)


# -- list ---------------------------------------------------------------------------------


def test_list_shows_each_log_newest_first_with_its_counts(
    capsys: pytest.CaptureFixture[str], folder: Path
) -> None:
    code, out, err = logs(capsys, "list", "--dir", folder)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"2 logs in {str(folder)!r}, newest first"
    assert re.split(r"\s{2,}", lines[2].strip()) == [
        "file",
        "size",
        "from",
        "to",
        "messages",
        "sessions",
        "turns",
    ]
    assert [line.split()[0] for line in lines[3:]] == [NEW_LOG.name, OLD_LOG.name]
    row = columns(out, NEW_LOG.name)
    assert row[1] == f"{NEW_LOG.stat().st_size / 1024:.1f} KiB"
    assert re.fullmatch(r"2026-\d\d-\d\d \d\d:\d\d:\d\d", row[2])
    assert re.fullmatch(r"\d\d:\d\d:\d\d", row[3])  # the same day: the time alone
    assert row[4:] == ["102", "5", "5"]


def test_list_notes_a_log_it_could_not_read_to_the_end(
    capsys: pytest.CaptureFixture[str], folder: Path
) -> None:
    broken = folder / "broken.jsonl"
    broken.write_bytes(NEW_LOG.read_bytes().splitlines(keepends=True)[0] + b"{oops\n")
    code, out, _ = logs(capsys, "list", "--dir", folder)
    assert code == 0
    assert columns(out, "broken.jsonl")[4:] == ["1", "1", "1"]
    assert f"note: {broken}:2: not valid JSON" in out


def test_list_of_an_empty_folder_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert logs(capsys, "list", "--dir", tmp_path) == (0, f"no logs in {str(tmp_path)!r} yet\n", "")


def test_list_of_a_missing_folder_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = logs(capsys, "list", "--dir", tmp_path / "nowhere")
    assert (code, out) == (1, "")
    assert err.startswith(f"llmgine logs: error: no log folder {str(tmp_path / 'nowhere')!r}")
    assert err.count("\n") == 1


def test_the_log_folder_comes_from_the_settings(
    capsys: pytest.CaptureFixture[str], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLMGINE_LOG_DIR", str(folder))
    code, out, _ = logs(capsys, "list")
    assert code == 0
    assert out.startswith(f"2 logs in {str(folder)!r}")
    monkeypatch.delenv("LLMGINE_LOG_DIR")
    monkeypatch.chdir(folder.parent)  # the default: ./logs
    code, out, _ = logs(capsys, "show", "latest", "--session", "admin")
    assert code == 0
    assert out.startswith(f"{Path('logs') / NEW_LOG.name}\n")


# -- show ---------------------------------------------------------------------------------

WEATHER = """\
session weather · 2 turns · 34 messages · <time> → <time> (<t>)
├── turn 1 "What is the weather in Paris?"  ✓ <t> · 2 rounds · 280 in / 29 out tokens
│   ├── llm openai:gpt-4o-mini round 1  ✓ <t> · 120 in / 18 out tokens · tool_calls
│   ├── tool get_weather(city="Paris")  ✓ <t> → Sunny and 21 C in Paris
│   ├── llm openai:gpt-4o-mini round 2  ✓ <t> · 160 in / 11 out tokens · stop
│   └── answer "It is sunny in Paris, 21 C."
└── turn 2 "Thanks!"  ✓ <t> · 1 round · 180 in / 5 out tokens
    ├── llm openai:gpt-4o-mini round 1  ✓ <t> · 180 in / 5 out tokens · stop
    └── answer "You are welcome."
"""

MATH_AND_THE_FAILURES = """\
session math · 1 turn · 29 messages · <time> → <time> (<t>)
└── turn 1 "What are 7 / 2 and 1 / 0?"  ✓ <t> · 2 rounds · 350 in / 46 out tokens
    ├── llm openai:gpt-4o-mini round 1  ✓ <t> · 140 in / 30 out tokens · tool_calls
    ├── tool divide(a=7, b=2)  ✓ <t> → 3.5
    ├── tool divide(a=1, b=0)  ✗ <t> → exception: ZeroDivisionError: float division by zero
    ├── llm openai:gpt-4o-mini round 2  ✓ <t> · 210 in / 16 out tokens · stop
    └── answer "7 / 2 is 3.5; 1 / 0 has no answer."

session haiku · 1 turn · 25 messages · <time> → <time> (<t>)
└── turn 1 "Weather in Kyoto?"  ✓ <t> · 2 rounds · 305 in / 29 out tokens
    ├── llm anthropic:claude-haiku-4-5 round 1  ✓ <t> · 130 in / 20 out tokens · tool_calls
    ├── tool get_weather(city="Kyoto")  ✓ <t> → Sunny and 21 C in Kyoto
    ├── llm anthropic:claude-haiku-4-5 round 2  ✓ <t> · 175 in / 9 out tokens · stop
    └── answer "Kyoto is sunny, 21 C."

session broken · 1 turn · 10 messages · <time> → <time> (<t>)
└── turn 1 "Hello?"  ✗ <t> → InvalidRequestError: Unrecognized request argument supplied: frequency
    └── llm openai:gpt-4o-mini round 1  ✗ <t> → InvalidRequestError: openai:gpt-4o-mini (HTTP 400): Unrecognized request argument supplied: frequency

session admin · 0 turns · 4 messages · <time> → <time> (<t>)
└── command ArchiveSessionCommand reason="done"  ✗ <t> → no handler is registered for ArchiveSessionCommand in session 'admin' or bus-wide; register one with bus.register_command_handler(ArchiveSessionCommand, ...)
"""  # noqa: E501


def test_show_draws_every_session_of_the_log_as_a_tree(
    capsys: pytest.CaptureFixture[str], log: Path
) -> None:
    code, out, err = logs(capsys, "show", log)
    assert (code, err) == (0, "")
    assert masked(out) == f"{log}\n\n{WEATHER}\n{MATH_AND_THE_FAILURES}"


def test_show_one_session(capsys: pytest.CaptureFixture[str], log: Path) -> None:
    code, out, _ = logs(capsys, "show", log, "--session", "weather")
    assert code == 0
    assert masked(out) == f"{log}\n\n{WEATHER}"


def test_show_latest_and_a_file_named_inside_the_folder(
    capsys: pytest.CaptureFixture[str], folder: Path
) -> None:
    code, out, _ = logs(capsys, "show", "latest", "--dir", folder, "--session", "math")
    assert code == 0
    assert out.splitlines()[0] == str(folder / NEW_LOG.name)
    code, out, _ = logs(capsys, "show", OLD_LOG.name, "--dir", folder, "--session", "math")
    assert code == 0
    assert out.splitlines()[0] == str(folder / OLD_LOG.name)
    assert "tool divide(a=1, b=0)  ✗" in out


def test_show_cuts_long_texts_unless_full(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    prompt = "Please " + "really " * 30 + "tell me"
    turn = command("PromptCommand", prompt=prompt)
    path = write_log(tmp_path / "log.jsonl", [turn, result(turn, ms=1)])
    _, out, _ = logs(capsys, "show", path)
    assert f'"{prompt[:77]}…"' in out
    _, out, _ = logs(capsys, "show", path, "--full")
    assert f'"{prompt}"' in out


def test_show_a_log_cut_off_by_a_crash(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    whole = NEW_LOG.read_bytes().splitlines(keepends=True)
    path = tmp_path / "cut.jsonl"
    path.write_bytes(b"".join(whole[:6]) + whole[6][:25])
    code, out, _ = logs(capsys, "show", path)
    assert code == 0
    assert masked(out).splitlines()[2:] == [
        "session weather · 1 turn · 6 messages · <time> → <time> (<t>)",
        '└── turn 1 "What is the weather in Paris?"  no result in the log',
        "    └── llm openai:gpt-4o-mini round 1  ✓ <t> · 120 in / 18 out tokens · tool_calls",
    ]


def test_show_a_log_written_by_hand_with_markup_in_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    turn = command("PromptCommand", prompt="[bold]not bold[/bold] :smile:")
    path = write_log(tmp_path / "log.jsonl", [turn, result(turn, ms=1)])
    _, out, _ = logs(capsys, "show", path)
    assert '"[bold]not bold[/bold] :smile:"' in out


def many_sessions(path: Path, count: int) -> Path:
    records = []
    for i in range(count):
        turn = command("PromptCommand", ms=i * 1000, session=f"user-{i:02}", prompt=f"Hi {i}")
        records += [turn, result(turn, ms=i * 1000 + 5, ok=i != 3, error="boom")]
    return write_log(path, records)


def test_show_a_log_of_many_sessions_lists_them_to_pick_from(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = many_sessions(tmp_path / "log.jsonl", 11)
    code, out, _ = logs(capsys, "show", path)
    assert code == 0
    lines = out.splitlines()
    assert lines[:2] == [str(path), ""]
    assert re.split(r"\s{2,}", lines[2]) == [
        "session",
        "turns",
        "messages",
        "failures",
        "from",
        "to",
    ]
    assert columns(out, "user-00") == ["user-00", "1", "2", "0", "2026-01-02 03:04:05", "03:04:05"]
    assert columns(out, "user-03")[:4] == ["user-03", "1", "2", "1"]
    assert [line.split()[0] for line in lines[3:14]] == [f"user-{i:02}" for i in range(11)]
    assert lines[-1] == "11 sessions: draw one with --session ID, every one with --all"

    _, out, _ = logs(capsys, "show", path, "--all")
    assert out.count("\nsession user-") == 11
    assert '└── turn 1 "Hi 3"  ✗ 5.00 ms → boom' in out


def test_show_draws_ten_sessions_without_asking(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, out, _ = logs(capsys, "show", many_sessions(tmp_path / "log.jsonl", 10))
    assert out.count("\nsession user-") == 10


# -- errors -------------------------------------------------------------------------------


def test_a_missing_file_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for action in ("show", "stats", "search"):
        code, out, err = logs(capsys, action, tmp_path / "nope.jsonl", "--dir", tmp_path)
        assert (code, out) == (1, "")
        assert err == (
            f"llmgine logs: error: no log file {str(tmp_path / 'nope.jsonl')!r} "
            f"(nor {str(tmp_path / tmp_path / 'nope.jsonl')!r})\n"
        )


def test_a_folder_given_as_the_file_is_an_error(
    capsys: pytest.CaptureFixture[str], folder: Path
) -> None:
    code, _, err = logs(capsys, "show", folder)
    assert code == 1
    assert "is a folder" in err


def test_latest_in_an_empty_folder_is_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = logs(capsys, "stats", "latest", "--dir", tmp_path)
    assert code == 1
    assert err == f"llmgine logs: error: no logs in {str(tmp_path)!r}, so no latest one\n"


def test_an_unknown_session_lists_the_sessions_there_are(
    capsys: pytest.CaptureFixture[str], log: Path
) -> None:
    code, out, err = logs(capsys, "show", log, "--session", "nobody")
    assert (code, out) == (1, "")
    assert err == (
        f"llmgine logs: error: no session 'nobody' in {str(log)!r}; its sessions are "
        "'weather', 'math', 'haiku', 'broken', 'admin'\n"
    )


def test_a_broken_line_names_the_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    whole = NEW_LOG.read_bytes().splitlines(keepends=True)
    path = tmp_path / "broken.jsonl"
    path.write_bytes(b"".join(whole[:3]) + b'{"kind": "event", \n' + b"".join(whole[3:]))
    for action in ("show", "stats", "search"):
        code, _, err = logs(capsys, action, path)
        assert code == 1
        assert err.startswith(f"llmgine logs: error: {path}:4: not valid JSON")
        assert "Traceback" not in err
        assert err.count("\n") == 1


def test_an_empty_log_has_nothing_to_show(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    assert logs(capsys, "show", path) == (0, f"{path}: the log is empty\n", "")


def test_usage_errors_exit_with_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (
        ["logs"],
        ["logs", "search", "--limit", "0"],
        ["logs", "search", "--limit", "ten"],
        ["logs", "search", "--kind", "message"],
    ):
        with pytest.raises(SystemExit) as exit_info:
            main(args)
        assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "the following arguments are required: ACTION" in err
    assert "argument --limit: must be 1 or more, got 0" in err
    assert "argument --limit: not a whole number: 'ten'" in err
    assert "argument --kind: invalid choice: 'message'" in err


def test_show_with_neither_a_log_nor_a_session_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert logs(capsys, "show") == (
        2,
        "",
        "llmgine logs: error: name a log (a file, or 'latest'), or give --session ID to look "
        "through every log of the folder\n",
    )


class ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_reader_that_goes_away_ends_the_output_quietly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, log: Path
) -> None:
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["logs", "search", str(log)]) == 1
    assert capsys.readouterr().err == ""


# -- stats --------------------------------------------------------------------------------


def test_stats_of_a_fixture(capsys: pytest.CaptureFixture[str], log: Path) -> None:
    code, out, err = logs(capsys, "stats", log)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == str(log)
    assert masked(lines[1]) == "102 messages · 5 sessions · 5 turns · <time> → <time> (<t>)"
    assert columns(out, "event    CommandStartedEvent") == ["event", "CommandStartedEvent", "18"]
    assert columns(out, "result") == ["result", "CommandResult", "18"]
    assert columns(out, "PromptCommand")[:3] == ["PromptCommand", "5", "1"]
    openai = columns(out, "openai:gpt-4o-mini")
    assert openai[:3] == ["openai:gpt-4o-mini", "6", "1"]
    assert openai[-2:] == ["810", "80"]
    assert columns(out, "anthropic:claude-haiku-4-5")[-2:] == ["305", "29"]
    assert columns(out, "divide")[:3] == ["divide", "2", "1"]
    assert columns(out, "weather") == ["weather", "3", "460", "34"]
    assert columns(out, "broken") == ["broken", "1", "0", "0"]
    assert "Failures: 5" in lines
    failures = lines[lines.index("Failures: 5") + 2 :]
    assert [re.split(r"\s{2,}", f)[1:3] for f in failures] == [
        ["math", "tool divide"],
        ["broken", "llm openai:gpt-4o-mini"],
        ["broken", "CallLLMCommand"],
        ["broken", "PromptCommand"],
        ["admin", "ArchiveSessionCommand"],
    ]


def test_stats_prints_percentiles_computed_from_the_log(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    records = []
    for i in range(1, 21):
        call = command("CallLLMCommand", ms=i * 10_000, model="m:x", round=1)
        done = event(
            "LLMCallCompletedEvent",
            parent=call["command_id"],
            model="m:x",
            usage={"input_tokens": 10, "output_tokens": 1},
            latency_ms=i * 5.0,
        )
        records += [call, done, result(call, ms=i * 10_000 + i * 100)]
    code, out, _ = logs(capsys, "stats", write_log(tmp_path / "log.jsonl", records))
    assert code == 0
    # Durations 100, 200 ... 2,000 ms; latencies 5, 10 ... 100 ms.
    assert columns(out, "CallLLMCommand") == [
        "CallLLMCommand", "20", "0", "1.0 s", "1.8 s", "2.0 s", "2.0 s",
    ]  # fmt: skip
    assert columns(out, "m:x") == [
        "m:x",
        "20",
        "0",
        "50 ms",
        "90 ms",
        "100 ms",
        "100 ms",
        "200",
        "20",
    ]
    assert "Failures: none" in out


def test_stats_of_a_big_log_keeps_its_tables_short_unless_full(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    records = []
    for i in range(30):
        session = f"s{i:02}"
        call = command("CallLLMCommand", session=session, model="m:x", round=1)
        done = event(
            "LLMCallCompletedEvent",
            session=session,
            parent=call["command_id"],
            model="m:x",
            usage={"input_tokens": 100 + i, "output_tokens": 1},
            latency_ms=1.0,
        )
        failed = event(
            "ToolCallFailedEvent",
            session=session,
            tool_name="t" + "ab"[i % 2],
            error_kind="timeout",
            error=f"call {i} timed out",
            duration_ms=1.0,
        )
        records += [call, done, result(call, ms=1), failed]  # fmt: skip
    path = write_log(tmp_path / "log.jsonl", records)
    _, out, _ = logs(capsys, "stats", path)
    lines = out.splitlines()
    sessions = lines[lines.index("Tokens by session") + 2 :][:21]
    # The sessions that used the most tokens first.
    assert [line.split()[0] for line in sessions[:20]] == [f"s{i:02}" for i in range(29, 9, -1)]
    assert sessions[20] == "… and 10 more sessions (--full lists all)"
    assert "Failures: 30" in lines
    assert columns(out, "tool ta") == ["tool ta", "15"]
    assert columns(out, "tool tb") == ["tool tb", "15"]
    first = lines[lines.index("The first 10") + 2 :]
    assert [line.split()[-3] for line in first] == [str(i) for i in range(10)]

    _, out, _ = logs(capsys, "stats", path, "--full")
    lines = out.splitlines()
    assert "… and 10 more sessions (--full lists all)" not in out
    assert len([line for line in lines if re.match(r"s\d\d +1 +1\d\d +1$", line)]) == 30
    # All thirty are listed, so no counts by kind come first.
    assert "The first" not in out
    assert lines[lines.index("Failures: 30") + 1].split() == ["time", "session", "what", "error"]
    assert lines[-1].endswith("call 29 timed out")


# -- search -------------------------------------------------------------------------------


def test_search_by_type(capsys: pytest.CaptureFixture[str], log: Path) -> None:
    code, out, _ = logs(capsys, "search", log, "--type", "ToolCallFailed")
    assert code == 0
    (line,) = out.splitlines()
    assert re.fullmatch(
        r"2026-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}  event    ToolCallFailedEvent     math        "
        r"divide exception: ZeroDivisionError: float division by zero",
        line,
    )


def test_search_by_session_and_kind(capsys: pytest.CaptureFixture[str], log: Path) -> None:
    code, out, _ = logs(capsys, "search", log, "--session", "broken", "--kind", "result")
    assert code == 0
    assert len(out.splitlines()) == 2
    assert out.splitlines()[0].endswith(
        "failed: InvalidRequestError: openai:gpt-4o-mini (HTTP 400): Unrecognized reques…"
    )
    _, out, _ = logs(capsys, "search", log, "--session", "broken", "--kind", "result", "--full")
    summaries = [re.split(r"\s{2,}", line, maxsplit=4)[4] for line in out.splitlines()]
    assert summaries == [
        "failed: InvalidRequestError: openai:gpt-4o-mini (HTTP 400): Unrecognized request "
        "argument supplied: frequency",
        "failed: InvalidRequestError: Unrecognized request argument supplied: frequency",
    ]


def test_search_by_text_with_a_limit(capsys: pytest.CaptureFixture[str], log: Path) -> None:
    _, out, _ = logs(capsys, "search", log, "--text", "KYOTO")
    assert len(out.splitlines()) == 13  # the lines `grep -ic kyoto` counts
    assert "result   CommandResult           haiku       ok: tool calls get_weather" in out
    assert all(" haiku " in line for line in out.splitlines())
    _, out, _ = logs(capsys, "search", log, "--text", "kyoto", "--limit", "3")
    assert len(out.splitlines()) == 3


def test_search_as_json_gives_back_the_lines_of_the_log(
    capsys: pytest.CaptureFixture[str], log: Path
) -> None:
    code, out, _ = logs(capsys, "search", log, "--json")
    assert code == 0
    assert out.encode().splitlines() == log.read_bytes().splitlines()
    _, out, _ = logs(capsys, "search", log, "--json", "--session", "admin", "--kind", "command")
    assert out.count("\n") == 1
    assert '"type":"ArchiveSessionCommand"' in out


def test_search_every_log_of_a_folder_oldest_first(
    capsys: pytest.CaptureFixture[str], folder: Path
) -> None:
    code, out, _ = logs(capsys, "search", "--dir", folder, "--type", "ArchiveSession")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [OLD_LOG.name, NEW_LOG.name]


def test_search_with_no_match_fails_like_grep(
    capsys: pytest.CaptureFixture[str], log: Path
) -> None:
    assert logs(capsys, "search", log, "--type", "Nothing") == (
        1,
        "",
        "llmgine logs: no records match\n",
    )


# -- terminals and pipes ------------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--dir", "{folder}"],
        ["show", "latest", "--dir", "{folder}"],
        ["stats", "latest", "--dir", "{folder}"],
        ["search", "--dir", "{folder}", "--type", "Tool"],
    ],
    ids=lambda a: a[0],
)
def test_colours_on_a_terminal_and_none_in_a_pipe(
    args: list[str],
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    argv = ["logs", *(a.format(folder=folder) for a in args)]
    monkeypatch.setenv("FORCE_COLOR", "1")  # asks for colours; a pipe still gets none
    assert main(argv) == 0
    piped = capsys.readouterr().out
    assert "\x1b" not in piped
    assert all(line == line.rstrip() for line in piped.splitlines())

    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "1000")  # wide enough that nothing wraps
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(argv) == 0
    assert "\x1b[" in terminal.getvalue()
    assert re.sub(r"\x1b\[[0-9;]*m", "", terminal.getvalue()).split() == piped.split()


# -- the installed command ----------------------------------------------------------------


def test_the_llmgine_console_script_end_to_end(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "llmgine"
    assert script.is_file(), f"the console script is not installed next to {sys.executable}"
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    }
    done = subprocess.run(
        [str(script), "logs", "show", str(OLD_LOG), "--session", "math"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert masked(done.stdout) == f"{OLD_LOG}\n\n{MATH_AND_THE_FAILURES.split(chr(10) * 2)[0]}\n"
    missing = subprocess.run(
        [str(script), "logs", "stats", str(tmp_path / "gone.jsonl")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 1
    assert missing.stdout == ""
    assert missing.stderr.startswith("llmgine logs: error: no log file")
    assert missing.stderr.count("\n") == 1


def test_the_parser_does_not_import_the_readers_or_rich() -> None:
    code = (
        "import sys\n"
        "from llmgine.cli._main import build_parser\n"
        "build_parser()\n"
        "print(sorted(m for m in ('rich', 'llmgine.observability') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert done.stdout.strip() == "[]"
