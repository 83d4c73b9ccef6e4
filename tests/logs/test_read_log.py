"""read_log: a JSONL log back as typed messages, tolerant of a crash-truncated last line."""

from __future__ import annotations

import logging

import orjson
import pytest

from llmgine.logs import LogFormatError, UnknownMessage, read_log
from llmgine.messages import (
    Command,
    CommandResult,
    CommandSucceededEvent,
    Event,
    HandlerFailedEvent,
    SessionStartedEvent,
)
from llmgine.sinks import to_json_line


class ReadLogProbeCommand(Command):
    question: str


class ReadLogAnsweredEvent(Event):
    answer: int


def sample_messages():
    command = ReadLogProbeCommand(question="six times seven?", session_id="s-1")
    return [
        command,
        SessionStartedEvent(session_id="s-1"),
        ReadLogAnsweredEvent(answer=42, parent_id=command.command_id, session_id="s-1"),
        CommandSucceededEvent(
            command_id=command.command_id, command_type="ReadLogProbeCommand", duration_ms=1.25
        ),
        HandlerFailedEvent(
            handler="h",
            message_type="X",
            failed_message_id="m",
            exception_type="KeyError",
            exception_message="'k'",
            traceback="Traceback ...",
        ),
        CommandResult(success=True, command_id=command.command_id, result=42, session_id="s-1"),
    ]


def write(path, *chunks: bytes):
    path.write_bytes(b"".join(chunks))
    return path


def line(message) -> bytes:
    return to_json_line(message)


def test_yields_typed_messages_in_the_order_written(tmp_path):
    messages = sample_messages()
    path = write(tmp_path / "log.jsonl", *(line(m) for m in messages))

    back = list(read_log(path))

    assert back == messages
    assert [type(m) for m in back] == [type(m) for m in messages]


def test_accepts_a_str_path(tmp_path):
    messages = sample_messages()
    path = write(tmp_path / "log.jsonl", *(line(m) for m in messages))

    assert list(read_log(str(path))) == messages


def test_an_empty_file_yields_nothing(tmp_path):
    assert list(read_log(write(tmp_path / "empty.jsonl", b""))) == []


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        list(read_log(tmp_path / "missing.jsonl"))


def test_a_truncated_last_line_is_skipped(tmp_path, caplog):
    first, second = ReadLogAnsweredEvent(answer=1), ReadLogAnsweredEvent(answer=2)
    cut = line(second)[: len(line(second)) // 2]
    path = write(tmp_path / "log.jsonl", line(first), cut)

    with caplog.at_level(logging.WARNING, logger="llmgine.logs.reader"):
        back = list(read_log(path))

    assert back == [first]
    assert "truncated" in caplog.text


def test_a_truncated_last_line_is_skipped_even_when_errors_raise(tmp_path):
    first = ReadLogAnsweredEvent(answer=1)
    path = write(tmp_path / "log.jsonl", line(first), b'{"kind": "event", "type": "ReadLo')

    assert list(read_log(path, errors="raise")) == [first]


def test_a_complete_last_line_without_trailing_newline_is_read(tmp_path):
    first, last = ReadLogAnsweredEvent(answer=1), ReadLogAnsweredEvent(answer=2)
    path = write(tmp_path / "log.jsonl", line(first), line(last).rstrip(b"\n"))

    assert list(read_log(path)) == [first, last]


def test_a_single_complete_line_without_newline_is_read(tmp_path):
    only = ReadLogAnsweredEvent(answer=9)
    path = write(tmp_path / "log.jsonl", line(only).rstrip(b"\n"))

    assert list(read_log(path)) == [only]


def test_a_broken_line_in_the_middle_raises_naming_file_and_line(tmp_path):
    first, third = ReadLogAnsweredEvent(answer=1), ReadLogAnsweredEvent(answer=3)
    path = write(tmp_path / "log.jsonl", line(first), b'{"kind": "event", "ty\n', line(third))

    with pytest.raises(LogFormatError) as info:
        list(read_log(path))

    assert f"{path}:2" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_messages_before_a_broken_line_are_still_yielded(tmp_path):
    first = ReadLogAnsweredEvent(answer=1)
    path = write(tmp_path / "log.jsonl", line(first), b"not json\n", line(first))
    reader = read_log(path)

    assert next(reader) == first
    with pytest.raises(LogFormatError, match=":2:"):
        next(reader)


def test_errors_skip_skips_a_broken_line_and_keeps_the_rest(tmp_path, caplog):
    first, third = ReadLogAnsweredEvent(answer=1), ReadLogAnsweredEvent(answer=3)
    path = write(tmp_path / "log.jsonl", line(first), b"{broken\n", line(third))

    with caplog.at_level(logging.WARNING, logger="llmgine.logs.reader"):
        back = list(read_log(path, errors="skip"))

    assert back == [first, third]
    assert f"{path}:2" in caplog.text


def test_a_line_that_is_json_but_not_an_object_is_a_format_error(tmp_path):
    first = ReadLogAnsweredEvent(answer=1)
    path = write(tmp_path / "log.jsonl", line(first), b"[1, 2, 3]\n", line(first))

    with pytest.raises(LogFormatError, match="expected a JSON object"):
        list(read_log(path))
    assert list(read_log(path, errors="skip")) == [first, first]


def test_a_last_line_that_is_json_but_not_an_object_is_a_format_error(tmp_path):
    first = ReadLogAnsweredEvent(answer=1)
    path = write(tmp_path / "log.jsonl", line(first), b"[1, 2, 3]")

    with pytest.raises(LogFormatError, match=f"{path}:2"):
        list(read_log(path))
    assert list(read_log(path, errors="skip")) == [first]


def test_blank_lines_are_ignored(tmp_path):
    first, second = ReadLogAnsweredEvent(answer=1), ReadLogAnsweredEvent(answer=2)
    path = write(tmp_path / "log.jsonl", b"\n", line(first), b"   \n\n", line(second), b"\n")

    assert list(read_log(path)) == [first, second]


def test_an_unregistered_type_comes_back_as_unknown_message_with_its_data(tmp_path):
    raw = {
        "kind": "event",
        "type": "ReadLogRenamedLongAgoEvent",
        "session_id": "BUS",
        "colour": "blue",
    }
    path = write(tmp_path / "log.jsonl", orjson.dumps(raw) + b"\n")

    (unknown,) = read_log(path)

    assert isinstance(unknown, UnknownMessage)
    assert unknown.kind == "event"
    assert unknown.type == "ReadLogRenamedLongAgoEvent"
    assert unknown.data == {"session_id": "BUS", "colour": "blue"}
    assert "not registered" in unknown.reason


def test_a_line_that_no_longer_validates_comes_back_as_unknown_message_with_a_reason(tmp_path):
    stale = orjson.loads(line(ReadLogAnsweredEvent(answer=1)))
    stale["answer"] = "not a number any more"
    path = write(tmp_path / "log.jsonl", orjson.dumps(stale) + b"\n")

    (unknown,) = read_log(path)

    assert isinstance(unknown, UnknownMessage)
    assert unknown.type == "ReadLogAnsweredEvent"
    assert unknown.kind == "event"
    assert unknown.data["answer"] == "not a number any more"
    assert "ReadLogAnsweredEvent" in unknown.reason
    assert "1 error" in unknown.reason


def test_a_line_without_kind_or_type_comes_back_as_unknown_message(tmp_path):
    path = write(tmp_path / "log.jsonl", b'{"kind": "event", "answer": 1}\n')

    (unknown,) = read_log(path)

    assert isinstance(unknown, UnknownMessage)
    assert unknown.data == {"answer": 1}
    assert "'type'" in unknown.reason


def test_unknown_and_known_lines_keep_their_order(tmp_path):
    known = ReadLogAnsweredEvent(answer=5)
    unknown_line = b'{"kind":"command","type":"ReadLogGoneCommand"}\n'
    path = write(tmp_path / "log.jsonl", line(known), unknown_line, line(known))

    back = list(read_log(path))

    assert back[0] == known
    assert isinstance(back[1], UnknownMessage)
    assert back[1].kind == "command"
    assert back[2] == known
