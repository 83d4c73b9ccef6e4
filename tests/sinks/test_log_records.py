"""Reading a log as raw records, finding logs in a folder, summing one up, choosing records."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from llmgine.logs import (
    LogFormatError,
    LogRecord,
    RecordFilter,
    find_logs,
    read_records,
    summarize_log,
    summarize_sessions,
)
from llmgine.logs._describe import describe_record
from tests.logs._logs import (
    BOTH_LOGS,
    NEW_LOG,
    SESSIONS,
    at,
    command,
    event,
    result,
    write_log,
)


@pytest.mark.parametrize("path", BOTH_LOGS, ids=lambda p: p.name)
def test_the_fixture_logs_read_as_records_line_by_line(path: Path) -> None:
    records = list(read_records(path))
    assert len(records) == 102
    assert [r.line for r in records] == list(range(1, 103))
    first = records[0]
    assert (first.kind, first.type, first.session_id) == ("command", "PromptCommand", "weather")
    assert first.data["prompt"] == "What is the weather in Paris?"
    assert first.message_id == first.data["command_id"]
    assert first.parent_id is None
    assert first.timestamp is not None
    assert first.timestamp.tzinfo is not None
    assert first.where == f"{path}:1"
    assert list(dict.fromkeys(r.session_id for r in records)) == SESSIONS
    # The command nobody registered reads like any other record.
    archive = next(r for r in records if r.type == "ArchiveSessionCommand")
    assert archive.data["reason"] == "done"


def test_a_record_names_its_event_and_its_parent() -> None:
    data = event("ToolCallCompletedEvent", parent="c-7", event_id="e-9", command_id="c-x")
    record = LogRecord(data, Path("x.jsonl"), 3)
    assert record.message_id == "e-9"  # an event's own id, not a command_id field it holds
    assert record.parent_id == "c-7"
    assert record.timestamp == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_a_record_with_missing_or_odd_fields_still_answers() -> None:
    record = LogRecord({"kind": 3, "timestamp": "yesterday", "parent_id": 12}, Path("x"), 1)
    assert (record.kind, record.type, record.session_id) == ("?", "?", "BUS")
    assert record.timestamp is None
    assert record.parent_id is None
    assert record.message_id is None


def test_a_truncated_last_line_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    whole = NEW_LOG.read_bytes().splitlines(keepends=True)
    path = tmp_path / "cut.jsonl"
    path.write_bytes(b"".join(whole[:5]) + whole[5][:40])
    with caplog.at_level(logging.WARNING):
        records = list(read_records(path))
    assert [r.line for r in records] == [1, 2, 3, 4, 5]
    assert f"{path}:6: skipping a truncated last line" in caplog.text


def test_a_broken_line_in_the_middle_names_its_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_bytes(b'{"kind": "event", "type": "A"}\n{"kind": \n{"kind": "event"}\n')
    records = read_records(path)
    assert next(records).type == "A"
    with pytest.raises(LogFormatError, match=rf"^{path}:2: not valid JSON"):
        next(records)
    assert [r.line for r in read_records(path, errors="skip")] == [1, 3]


def test_a_line_that_is_not_an_object_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "list.jsonl"
    path.write_bytes(b"[1, 2]\n")
    with pytest.raises(LogFormatError, match=r":1: expected a JSON object"):
        list(read_records(path))


def test_find_logs_lists_jsonl_files_most_recently_written_first(tmp_path: Path) -> None:
    for name, mtime in [("b.jsonl", 300), ("a.jsonl", 100), ("c.jsonl", 200)]:
        (tmp_path / name).write_text("")
        os.utime(tmp_path / name, (mtime, mtime))
    (tmp_path / "llmgine.log").write_text("a Python log, not a message log\n")
    (tmp_path / "sub.jsonl").mkdir()
    assert [p.name for p in find_logs(tmp_path)] == ["b.jsonl", "c.jsonl", "a.jsonl"]
    assert find_logs(tmp_path / "missing") == []


@pytest.mark.parametrize("path", BOTH_LOGS, ids=lambda p: p.name)
def test_summarize_log_counts_messages_sessions_and_turns(path: Path) -> None:
    summary = summarize_log(path)
    assert (summary.messages, summary.sessions, summary.turns) == (102, 5, 5)
    assert summary.size == path.stat().st_size
    records = list(read_records(path))
    stamps = [r.timestamp for r in records if r.timestamp]
    assert (summary.first, summary.last) == (min(stamps), max(stamps))
    assert summary.problem is None


@pytest.mark.parametrize("path", BOTH_LOGS, ids=lambda p: p.name)
def test_summarize_sessions_counts_each_session(path: Path) -> None:
    summaries = summarize_sessions(read_records(path))
    counts = [(s.session_id, s.messages, s.turns, s.failures) for s in summaries]
    assert counts == [
        ("weather", 34, 2, 0),
        ("math", 29, 1, 0),  # the tool failed, the command that ran it did not
        ("haiku", 25, 1, 0),
        ("broken", 10, 1, 2),  # the model call and the turn
        ("admin", 4, 0, 1),
    ]
    weather = summaries[0]
    assert weather.first is not None
    assert weather.last is not None
    assert summaries[-1].last is not None
    assert weather.first < weather.last < summaries[-1].last


def test_summarize_log_stops_at_a_broken_line_and_says_where(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_bytes(NEW_LOG.read_bytes().splitlines(keepends=True)[0] + b"{oops\n{}\n")
    summary = summarize_log(path)
    assert summary.messages == 1
    assert summary.problem is not None
    assert summary.problem.startswith(f"{path}:2: not valid JSON")


def test_summarize_log_of_a_missing_file_raises_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        summarize_log(tmp_path / "missing.jsonl")


def _records(tmp_path: Path) -> list[LogRecord]:
    prompt = command("PromptCommand", session="a", prompt="Weather in Oslo?")
    return list(
        read_records(
            write_log(
                tmp_path / "log.jsonl",
                [
                    prompt,
                    event("ToolCallRequestedEvent", session="a", tool_name="w", arguments="{}"),
                    event("ToolCallFailedEvent", session="b", tool_name="w", error="Oslo down"),
                    result(prompt, ms=5, value={"content": "It snows", "nested": ["deep OSLO"]}),
                ],
            )
        )
    )


def test_record_filter_matches_types_by_part_of_the_name_ignoring_case(tmp_path: Path) -> None:
    records = _records(tmp_path)
    chosen = RecordFilter(types=("toolcall",))
    assert [r.type for r in chosen.select(records)] == [
        "ToolCallRequestedEvent",
        "ToolCallFailedEvent",
    ]
    either = RecordFilter(types=("Prompt", "Result"))
    assert [r.type for r in either.select(records)] == ["PromptCommand", "CommandResult"]


def test_record_filter_matches_sessions_and_kinds_exactly(tmp_path: Path) -> None:
    records = _records(tmp_path)
    assert [r.line for r in RecordFilter(sessions=("b",)).select(records)] == [3]
    assert [r.line for r in RecordFilter(sessions=("",)).select(records)] == []
    assert [r.line for r in RecordFilter(kinds=("result", "command")).select(records)] == [1, 4]


def test_record_filter_finds_text_in_any_string_value_however_deep(tmp_path: Path) -> None:
    records = _records(tmp_path)
    assert [r.line for r in RecordFilter(text="oslo").select(records)] == [1, 3, 4]
    assert [r.line for r in RecordFilter(text="oslo", kinds=("event",)).select(records)] == [3]
    assert list(RecordFilter(text="nowhere").select(records)) == []
    assert len(list(RecordFilter().select(records))) == 4


def _one(data: dict[str, object]) -> LogRecord:
    return LogRecord(data, Path("x.jsonl"), 1)


def test_describe_record_says_what_each_known_record_holds() -> None:
    call = {"id": "c1", "name": "get_weather", "arguments": '{"city": "Paris", "days": 2}'}
    assert describe_record(_one(command("ExecuteToolCommand", call=call))) == (
        'get_weather(city="Paris", days=2)'
    )
    completed = event(
        "LLMCallCompletedEvent",
        model="openai:gpt-4o-mini",
        round=1,
        usage={"input_tokens": 1200, "output_tokens": 18},
        latency_ms=849.2,
        finish_reason="tool_calls",
    )
    assert describe_record(_one(completed)) == (
        "openai:gpt-4o-mini round 1, 1,200 in / 18 out tokens, 849 ms, tool_calls"
    )
    failed = result(command("X"), ms=1, ok=False, error="no handler")
    assert describe_record(_one(failed)) == "failed: no handler"


def test_describe_record_shortens_to_one_line_unless_asked_not_to() -> None:
    prompt = _one(command("PromptCommand", prompt="line one\n\nline two " + "x" * 200))
    short = describe_record(prompt, 40)
    assert short.startswith('"line one line two xxx')
    assert len(short) == 40
    assert short.endswith('…"')
    assert describe_record(prompt, None) == '"line one line two ' + "x" * 200 + '"'


def test_describe_record_of_an_unknown_type_lists_its_own_fields() -> None:
    data = command("ArchiveSessionCommand", reason="done", keep=3, ts=at(1))
    assert describe_record(_one(data)) == f'reason="done", keep=3, ts="{at(1)}"'


def test_describe_record_survives_fields_of_the_wrong_kind() -> None:
    odd = event("LLMCallCompletedEvent", model=None, usage="lots", latency_ms="slow")
    assert describe_record(_one(odd)) == "? round ?, ?"


def test_raw_records_keep_the_line_exactly_as_json(tmp_path: Path) -> None:
    lines = NEW_LOG.read_bytes().splitlines()
    assert [orjson.dumps(r.data) for r in read_records(NEW_LOG)] == lines
