"""The log form: content a line repeats from earlier lines of its log is written once.

Every message written by a ``LogWriter`` reads back through a ``LogReader`` (and
``read_log``) as an equal message; repeated items and shared values are written once per
log; sessions are numbered apart; a writer that forgets (lines lost, sessions dropped)
starts afresh and stays readable; and a reader that meets a reference to something its log
does not hold says so instead of reading something else.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import ClassVar

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, field_serializer

from llmgine.logs import UnknownMessage, read_log
from llmgine.messages import (
    LOG_KEY,
    DecodeError,
    Event,
    LogReader,
    LogRefs,
    LogWriter,
    Message,
    decode,
    decode_object,
    registry,
)
from tests.messages._strategies import messages
from tests.messages.test_codec import ALL_CLASSES


class Note(BaseModel):
    model_config = ConfigDict(frozen=True)

    author: str
    text: str


class Pad(BaseModel):
    model_config = ConfigDict(frozen=True)

    notes: tuple[Note, ...]
    topics: tuple[str, ...] = ()
    colour: str = "grey"


def _pinned(note: object) -> bool:
    return isinstance(note, Note) and note.author == "system"


class LogFormNoted(Event):
    """A sequence, and a shared value, inside a field of its own."""

    __log_refs__: ClassVar[LogRefs] = LogRefs(
        sequences=("pad.notes",), shared=("pad.topics",), shared_item=_pinned
    )

    pad: Pad
    page: int = 1


class LogFormFiled(Event):
    """A sequence at the top, and a field with a serializer of its own (not plain)."""

    __log_refs__: ClassVar[LogRefs] = LogRefs(sequences=("notes",))

    notes: list[Note]
    folder: str

    @field_serializer("folder")
    def _upper(self, folder: str) -> str:
        return folder


SYSTEM = Note(author="system", text="Be brief. " * 20)


def lines_of(messages: list[Message], writer: LogWriter | None = None) -> list[bytes]:
    writer = writer or LogWriter()
    return [writer.line(m) for m in messages]


def read_back(lines: list[bytes]) -> list[Message]:
    reader = LogReader()
    return [reader.decode(orjson.loads(line)) for line in lines]


def conversation(turns: int, session: str = "s1") -> list[LogFormNoted]:
    """What a chat writes: each line's notes are the last line's and one more."""
    notes: list[Note] = []
    written = []
    for turn in range(turns):
        notes.append(Note(author="user", text=f"note {turn} " + "x" * 40))
        written.append(
            LogFormNoted(
                pad=Pad(notes=(SYSTEM, *notes), topics=("weather", "maths")),
                page=turn,
                session_id=session,
            )
        )
    return written


def test_a_conversation_reads_back_equal_and_each_item_is_written_once() -> None:
    written = conversation(30)
    lines = lines_of(list(written))

    assert read_back(lines) == written
    log = b"".join(lines)
    for note in written[-1].pad.notes:
        assert log.count(note.text.encode()) == 1  # the system note too: shared log-wide
    assert log.count(b'"weather"') == 1
    assert len(lines[-1]) < len(lines[1]) + 20  # no line grows with the conversation
    assert orjson.loads(lines[-1])["pad"]["notes"] == [
        orjson.loads(lines[0])["pad"]["notes"][0],  # the system note's digest
        [0, 30],
    ]


def test_sessions_are_numbered_apart_and_interleave() -> None:
    first, second = conversation(5, "a"), conversation(5, "b")
    mixed: list[Message] = [m for pair in zip(first, second, strict=True) for m in pair]
    lines = lines_of(mixed)

    assert read_back(lines) == mixed
    assert [orjson.loads(line)[LOG_KEY]["at"] for line in lines[:4]] == [0, 0, 1, 1]


def test_a_sequence_that_is_not_the_last_one_grown_is_still_found() -> None:
    notes = [Note(author="user", text=f"n{i}") for i in range(6)]
    written: list[Message] = [
        LogFormNoted(pad=Pad(notes=tuple(notes[:4])), session_id="s"),
        LogFormFiled(notes=notes[2:5], folder="inbox", session_id="s"),  # a suffix and more
        LogFormNoted(pad=Pad(notes=(notes[3], notes[0], notes[3])), session_id="s"),
        LogFormNoted(pad=Pad(notes=()), session_id="s"),
    ]
    lines = lines_of(written)

    assert read_back(lines) == written
    assert orjson.loads(lines[1])["notes"] == [[2, 5]]
    assert orjson.loads(lines[1])[LOG_KEY]["add"] == [{"author": "user", "text": "n4"}]
    assert orjson.loads(lines[2])["pad"]["notes"] == [[3, 4], [0, 1], [3, 4]]


def test_equal_items_that_are_other_objects_are_written_again_and_read_back() -> None:
    # Items are found by identity: a copy (a history loaded again) costs bytes, not truth.
    notes = (Note(author="user", text="hello"),)
    copy = (Note(author="user", text="hello"),)
    written: list[Message] = [
        LogFormNoted(pad=Pad(notes=notes), session_id="s"),
        LogFormNoted(pad=Pad(notes=(*copy, Note(author="user", text="again"))), session_id="s"),
    ]
    lines = lines_of(written)

    assert read_back(lines) == written


def test_a_changed_item_in_the_middle_is_written_as_changed() -> None:
    # A hook may replace one message of a request: the prefix check compares every item.
    notes = tuple(Note(author="user", text=f"n{i}") for i in range(5))
    edited = (*notes[:2], Note(author="user", text="EDITED"), *notes[3:], notes[0])
    written: list[Message] = [
        LogFormNoted(pad=Pad(notes=notes), session_id="s"),
        LogFormNoted(pad=Pad(notes=edited), session_id="s"),
    ]

    assert read_back(lines_of(written)) == written


def test_none_and_empty_values_are_written_as_they_are() -> None:
    written: list[Message] = [
        LogFormNoted(pad=Pad(notes=(), topics=()), session_id="s"),
        LogFormFiled(notes=[], folder="x", session_id="s"),
    ]
    lines = lines_of(written)

    assert read_back(lines) == written
    assert LOG_KEY in orjson.loads(lines[0])  # still marked: the reader knows the form


def test_a_writer_that_forgets_starts_afresh_and_stays_readable() -> None:
    written = conversation(6)
    writer = LogWriter()
    lines = [writer.line(m) for m in written[:3]]
    writer.forget()
    lines += [writer.line(m) for m in written[3:]]

    assert read_back(lines) == written
    restarted = orjson.loads(lines[3])
    assert restarted[LOG_KEY]["at"] == 0
    assert len(restarted[LOG_KEY]["add"]) == 4
    assert SYSTEM.text in lines[3].decode()


def test_a_writer_keeps_a_bounded_number_of_items() -> None:
    sessions = [conversation(4, f"s{n}") for n in range(5)]
    mixed: list[Message] = [m for turn in zip(*sessions, strict=True) for m in turn]
    writer = LogWriter(items=6)
    lines = [writer.line(m) for m in mixed]

    assert read_back(lines) == mixed
    # Five sessions of up to four items each do not fit in six: sessions were dropped and
    # started again, which costs bytes only.
    assert sum(orjson.loads(line)[LOG_KEY].get("at") == 0 for line in lines) > 5
    with pytest.raises(ValueError, match="items must be 1 or more"):
        LogWriter(items=0)


def test_a_line_whose_earlier_lines_were_lost_is_refused_saying_so() -> None:
    written = conversation(4)
    lines = lines_of(list(written))
    reader = LogReader()
    reader.decode(orjson.loads(lines[0]))
    # lines[1] is lost: lines[2] adds at position 2 of a transcript that holds 1 item.

    with pytest.raises(DecodeError, match="lines were lost"):
        reader.decode(orjson.loads(lines[2]))
    referring_only = orjson.loads(lines[3])
    del referring_only[LOG_KEY]["add"]
    with pytest.raises(DecodeError, match="which this log does not hold"):
        reader.decode(referring_only)
    (again,) = conversation(1)  # a writer starting afresh (at 0) is read again
    assert reader.decode(orjson.loads(lines_of([again])[0])) == again


def test_a_reference_to_a_value_the_log_never_defined_is_refused() -> None:
    line = orjson.loads(lines_of(conversation(1))[0])
    del line[LOG_KEY]["defs"]

    with pytest.raises(DecodeError, match="shared value"):
        LogReader().decode(line)


def test_decode_alone_refuses_a_line_in_log_form_saying_what_to_do() -> None:
    line = lines_of(conversation(1))[0]

    with pytest.raises(DecodeError, match="read_log"):
        decode(line)
    with pytest.raises(DecodeError, match="earlier lines"):
        decode_object(orjson.loads(line))


def test_read_log_reads_the_log_form_and_tells_a_lost_reference_apart(tmp_path: Path) -> None:
    written = conversation(3)
    lines = lines_of(list(written))
    path = tmp_path / "log.jsonl"
    path.write_bytes(lines[0] + lines[2])  # the middle line is lost

    first, third = list(read_log(path))
    assert first == written[0]
    assert isinstance(third, UnknownMessage)
    assert "lines were lost" in third.reason


def test_a_line_the_writer_cannot_write_in_log_form_is_written_whole() -> None:
    class Unplannable(Event):
        __log_refs__: ClassVar[LogRefs] = LogRefs(sequences=("colour",))
        colour: str

    writer = LogWriter()
    written = [*conversation(2), Unplannable(colour="red"), *conversation(3)[2:]]
    with pytest.warns(UserWarning, match="the sequence 'colour' must be a tuple"):
        lines = [writer.line(m) for m in written]

    assert LOG_KEY not in orjson.loads(lines[2])
    assert read_back(lines) == written


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of([messages(cls) for cls in ALL_CLASSES]), min_size=1, max_size=6))
def test_every_line_the_log_writer_writes_reads_back_as_the_message(batch: list[Message]) -> None:
    doubled = batch + batch  # the second half refers to what the first half recorded
    with tempfile.TemporaryDirectory() as folder:  # hypothesis runs this many times
        path = Path(folder) / "log.jsonl"
        path.write_bytes(b"".join(lines_of(doubled)))
        back = list(read_log(path))

    assert [type(m) for m in back] == [type(m) for m in doubled]
    assert back == doubled


def test_the_classes_of_this_module_are_registered() -> None:
    assert registry["LogFormNoted"] is LogFormNoted
    assert registry["LogFormFiled"] is LogFormFiled
