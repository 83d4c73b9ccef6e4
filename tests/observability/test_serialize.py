"""to_json_line: one message -> one JSONL line with "kind", "type" and every field."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any

import orjson
import pytest
from pydantic import BaseModel, Field, SecretStr, field_serializer

from llmgine.messages import Command, CommandResult, Event
from llmgine.observability import UnknownMessage, read_log, to_json_line

BIG = 2**70 + 1  # beyond 64 bits, and not exactly representable as a float


class SerializeProbeCommand(Command):
    text: str
    tags: list[str] = Field(default_factory=list)


class SerializeInner(BaseModel):
    a: int
    label: str = "inner"


class SerializeNestedEvent(Event):
    inner: SerializeInner
    inners: list[SerializeInner] = Field(default_factory=list)


class SerializeSecretEvent(Event):
    api_key: SecretStr
    inner: SerializeInner | None = None


class SerializeCustomEvent(Event):
    """Has a field_serializer, so it must go through pydantic rather than straight to orjson."""

    amount: int
    api_key: SecretStr = SecretStr("sk-custom-secret")
    payload: Any = None

    @field_serializer("amount")
    def _amount_in_cents(self, amount: int) -> str:
        return f"{amount} cents"


class SerializeAliasedEvent(Event):
    user_name: str = Field(alias="userName")


class SerializeCachedEvent(Event):
    n: int = 2

    @cached_property
    def doubled(self) -> int:
        return self.n * 2


class SerializeColour(enum.Enum):
    RED = "red"


class Opaque:
    def __repr__(self) -> str:
        return "<Opaque thing>"


def parse(line: bytes) -> dict[str, Any]:
    return orjson.loads(line)


def round_trip(tmp_path, *messages):
    path = tmp_path / "round-trip.jsonl"
    path.write_bytes(b"".join(to_json_line(m) for m in messages))
    return list(read_log(path))


def test_line_is_one_newline_terminated_line():
    line = to_json_line(SerializeProbeCommand(text="multi\nline\ntext"))

    assert isinstance(line, bytes)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        (SerializeProbeCommand(text="hi"), "command"),
        (SerializeNestedEvent(inner=SerializeInner(a=1)), "event"),
        (CommandResult(success=True, command_id="c-1", result={"x": 1}), "result"),
        (SerializeCustomEvent(amount=3), "event"),
    ],
    ids=["command", "event", "result", "pydantic-path"],
)
def test_line_has_kind_and_type_first_and_every_field(message, kind):
    data = parse(to_json_line(message))

    assert list(data)[:2] == ["kind", "type"]
    assert data["kind"] == kind
    assert data["type"] == type(message).__name__
    assert set(data) == {"kind", "type"} | set(type(message).model_fields)


def test_field_values_are_written_as_json():
    command = SerializeProbeCommand(text="héllo", tags=["a", "b"], metadata={"user": 7})
    data = parse(to_json_line(command))

    assert data["text"] == "héllo"
    assert data["tags"] == ["a", "b"]
    assert data["metadata"] == {"user": 7}
    assert data["command_id"] == command.command_id
    assert data["parent_id"] is None
    assert data["session_id"] == "BUS"


@pytest.mark.parametrize(
    "message",
    [SerializeProbeCommand(text="hi"), SerializeCustomEvent(amount=1)],
    ids=["orjson-path", "pydantic-path"],
)
def test_timestamp_is_written_in_utc_z_form(message):
    data = parse(to_json_line(message))

    assert data["timestamp"].endswith("Z")
    assert "+00:00" not in data["timestamp"]
    parsed = datetime.fromisoformat(data["timestamp"])
    assert parsed == message.timestamp
    assert parsed.tzinfo is not None


def test_fixed_timestamp_is_written_exactly():
    event = SerializeNestedEvent(
        inner=SerializeInner(a=1), timestamp=datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    )

    assert parse(to_json_line(event))["timestamp"] == "2024-05-06T07:08:09.123456Z"


def test_a_field_serializer_is_honoured():
    data = parse(to_json_line(SerializeCustomEvent(amount=250)))

    assert data["amount"] == "250 cents"


@pytest.mark.parametrize(
    "message",
    [
        SerializeSecretEvent(api_key=SecretStr("sk-top-secret")),
        SerializeCustomEvent(amount=1, api_key=SecretStr("sk-top-secret")),
    ],
    ids=["orjson-path", "pydantic-path"],
)
def test_secret_str_is_masked(message):
    line = to_json_line(message)

    assert b"sk-top-secret" not in line
    assert parse(line)["api_key"] == "**********"


def test_a_secret_inside_a_nested_model_is_masked():
    class SerializeSecretInner(BaseModel):
        token: SecretStr

    line = to_json_line(
        CommandResult(
            success=True, command_id="c-1", result=SerializeSecretInner(token=SecretStr("tok-123"))
        )
    )

    assert b"tok-123" not in line
    assert parse(line)["result"] == {"token": "**********"}


def test_an_arbitrary_object_in_a_result_is_written_as_its_repr():
    line = to_json_line(CommandResult(success=True, command_id="c-1", result=Opaque()))

    assert parse(line)["result"] == "<Opaque thing>"


def test_an_arbitrary_object_in_a_message_that_goes_through_pydantic_is_written_as_its_repr():
    line = to_json_line(SerializeCustomEvent(amount=1, payload={"thing": Opaque()}))

    assert parse(line)["payload"] == {"thing": "<Opaque thing>"}


def test_common_non_json_values_get_readable_forms():
    result = CommandResult(
        success=False,
        command_id="c-1",
        result={
            "set": {3},
            "colour": SerializeColour.RED,
            "path": PurePosixPath("/tmp/x"),
            "bytes": b"raw",
            "exception": ValueError("bad input"),
            "int_keys": {1: "one"},
        },
    )

    data = parse(to_json_line(result))["result"]

    assert data == {
        "set": [3],
        "colour": "red",
        "path": "/tmp/x",
        "bytes": "raw",
        "exception": "ValueError: bad input",
        "int_keys": {"1": "one"},
    }


def test_a_nested_pydantic_model_is_written_as_an_object():
    event = SerializeNestedEvent(
        inner=SerializeInner(a=1), inners=[SerializeInner(a=2, label="second")]
    )

    data = parse(to_json_line(event))

    assert data["inner"] == {"a": 1, "label": "inner"}
    assert data["inners"] == [{"a": 2, "label": "second"}]


def test_a_model_in_a_result_is_written_as_an_object():
    line = to_json_line(CommandResult(success=True, command_id="c-1", result=SerializeInner(a=5)))

    assert parse(line)["result"] == {"a": 5, "label": "inner"}


@pytest.mark.parametrize(
    "message",
    [
        CommandResult(success=True, command_id="c-1", result=BIG),
        SerializeCustomEvent(amount=1, payload=BIG),
    ],
    ids=["orjson-path", "pydantic-path"],
)
def test_an_int_beyond_64_bits_still_serialises_exactly(message):
    line = to_json_line(message)

    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert str(BIG).encode() in line
    data = parse(line)
    assert data["kind"] in {"result", "event"}
    assert data["type"] == type(message).__name__
    assert data["timestamp"].endswith("Z")


def test_a_self_referencing_result_does_not_make_recording_fail():
    # The module promises that values JSON cannot hold "never make recording fail".
    loop: list[Any] = []
    loop.append(loop)

    line = to_json_line(CommandResult(success=True, command_id="c-1", result=loop))

    data = parse(line)
    assert data["type"] == "CommandResult"
    assert data["command_id"] == "c-1"


def test_line_holds_only_fields_even_after_a_cached_property_was_read():
    event = SerializeCachedEvent()
    assert event.doubled == 4

    data = parse(to_json_line(event))

    assert set(data) == {"kind", "type"} | set(SerializeCachedEvent.model_fields)


def test_the_same_message_serialises_to_the_same_line():
    command = SerializeProbeCommand(text="stable")

    assert to_json_line(command) == to_json_line(command)


def test_round_trip_through_read_log_gives_equal_messages(tmp_path):
    messages = [
        SerializeProbeCommand(text="hi", tags=["x"], metadata={"a": [1, 2]}, session_id="s-1"),
        SerializeNestedEvent(inner=SerializeInner(a=1), inners=[SerializeInner(a=2)]),
        CommandResult(success=True, command_id="c-1", result={"answer": 42, "list": [1.5]}),
        CommandResult(success=False, command_id="c-2", error="ValueError: nope"),
    ]

    assert round_trip(tmp_path, *messages) == messages


def test_round_trip_keeps_the_concrete_class(tmp_path):
    (back,) = round_trip(tmp_path, SerializeProbeCommand(text="hi"))

    assert type(back) is SerializeProbeCommand


def test_an_int_beyond_64_bits_survives_the_round_trip(tmp_path):
    result = CommandResult(success=True, command_id="c-1", result=BIG)

    (back,) = round_trip(tmp_path, result)

    assert back == result
    assert back.result == BIG


def test_a_message_with_an_aliased_field_survives_the_round_trip(tmp_path):
    event = SerializeAliasedEvent(userName="ada")

    (back,) = round_trip(tmp_path, event)

    assert not isinstance(back, UnknownMessage), back
    assert back == event
