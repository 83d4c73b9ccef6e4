"""The codec's promise: every message reads back as itself, and each of its decisions holds.

The property: every message class of ``llmgine`` (and ``programs``), and a handful defined
here for the tricky field types, reads back from its line as an equal message of the same
class. Then one test per decision of ``llmgine.messages._codec`` and ``_wiretypes``, each
of which would fail if the decision were broken: integers of any size, non-finite floats
refused where they enter, lone surrogates, loose fields checked when built, types refused
at the class statement, results typed by their command, wire versions and old names, and
structured-output formats carried by name and schema.
"""

from __future__ import annotations

import ast
import enum
import importlib
import json
import math
import tempfile
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_serializer,
)

from llmgine.bus import MessageBus
from llmgine.engine import PromptCommand, ResponseCompletedEvent, TurnResult
from llmgine.llm import LLMResponse, ParsedReply, Usage, _formats, register_response_format
from llmgine.llm._formats import schema_digest
from llmgine.logs import UnknownMessage, read_log, read_records
from llmgine.messages import (
    Command,
    CommandResult,
    DecodeError,
    EncodeError,
    Event,
    HandlerFailedEvent,
    Message,
    decode,
    encode,
    encode_line,
    registry,
    wire_type,
)
from llmgine.sinks import MemorySink
from tests.messages._strategies import CodecWeather, messages

ROOT = Path(__file__).resolve().parents[2]
EXTRAS = {"discord"}
"""Top-level packages of the optional extras: modules importing them are left out."""


def _needs_extra(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        else:
            continue
        if any(name.partition(".")[0] in EXTRAS for name in names):
            return True
    return False


def _project_modules() -> list[str]:
    names = []
    for package in ("llmgine", "programs"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__main__" or _needs_extra(path):
                continue
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = _project_modules()
for _name in MODULES:
    importlib.import_module(_name)  # every message class of the project joins the registry

PROJECT_CLASSES: dict[str, type[Message]] = {
    name: registry[name]
    for name in registry
    if registry[name].__module__.startswith(("llmgine", "programs"))
}

# -- classes with the tricky field types ------------------------------------------------


class Shade(enum.Enum):
    LIGHT = "light"
    DARK = "dark"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Point(BaseModel):
    """A user's model: it allows NaN (pydantic's default), and has an aliased field."""

    model_config = ConfigDict(frozen=True)

    x: float
    y: float
    label: str = Field(default="", alias="Label")


class StrictInner(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True)

    ids: tuple[uuid.UUID, ...]
    seen_at: AwareDatetime


class CodecAnyEvent(Event):
    payload: Any = None
    items: list[Any] = Field(default_factory=list)


class CodecNestedEvent(Event):
    point: Point
    points: tuple[Point, ...] = ()
    by_id: dict[int, Point] = Field(default_factory=dict)
    maybe: Point | None = None


class CodecScalarsEvent(Event):
    amount: Decimal
    shade: Shade
    priority: Priority
    when: datetime
    day: date
    at: time
    span: timedelta
    ref: uuid.UUID
    tags: frozenset[str]
    seen: set[int]
    pair: tuple[int, str]
    choice: Literal["a", "b"] | None = None
    per_shade: dict[Shade, int] = Field(default_factory=dict)


class CodecSerializedEvent(Event):
    """Custom field serializers: the codec must write through them."""

    labels: frozenset[str]
    weight: Decimal

    @field_serializer("labels")
    def _sorted(self, labels: frozenset[str]) -> list[str]:
        return sorted(labels)

    @field_serializer("weight")
    def _text(self, weight: Decimal) -> str:
        return format(weight, "f") if weight.is_finite() else str(weight)


class CodecStrictEvent(Event):
    """A strict class: its JSON form (lists, text times) must still read back."""

    model_config = ConfigDict(strict=True)

    numbers: tuple[int, ...]
    inner: StrictInner


class CodecAliasedCommand(Command[list[Point]]):
    target: str = Field(alias="Target")
    note: str = Field(default="", serialization_alias="Note")


class CodecRepliesEvent(Event):
    """Parsed replies inside a container: a serializer of their own, one level down."""

    replies: tuple[ParsedReply, ...] = ()


class CodecGreetedEvent(
    Event, wire_name="codec_test.Greeted", version=3, aliases=("codec_test.Hello",)
):
    """Version 1 called ``name`` ``who``; version 3 added ``polite``."""

    name: str
    polite: bool

    @classmethod
    def wire_upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        if version < 2:
            data["name"] = data.pop("who")
        if version < 3:
            data.setdefault("polite", True)
        return data


TEST_CLASSES: list[type[Message]] = [
    CodecAnyEvent,
    CodecNestedEvent,
    CodecScalarsEvent,
    CodecSerializedEvent,
    CodecStrictEvent,
    CodecAliasedCommand,
    CodecRepliesEvent,
    CodecGreetedEvent,
]

ROUND_TRIP = settings(max_examples=60, deadline=None)
# No deadline: the first examples of a class build pydantic's validators and serializers
# and some draws hold integers of 2,500 digits, which can pass 200 ms on a loaded machine.
# The suite's 60 s timeout still bounds every test.


def assert_round_trips(cls: type[Message]) -> None:
    @ROUND_TRIP
    @given(messages(cls))
    def check(message: Message) -> None:
        back = decode(encode(message))
        assert type(back) is type(message)
        assert back == message

    check()


# -- the property -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PROJECT_CLASSES))
def test_every_message_class_of_the_project_reads_back_as_itself(name: str) -> None:
    assert_round_trips(PROJECT_CLASSES[name])


@pytest.mark.parametrize("cls", TEST_CLASSES, ids=lambda cls: cls.wire_name)
def test_messages_with_tricky_field_types_read_back_as_themselves(cls: type[Message]) -> None:
    assert_round_trips(cls)


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in tuple(found):
        found |= _subclasses(sub)
    return found


def test_the_property_covers_every_message_class_the_project_defines() -> None:
    defined = {
        cls
        for cls in _subclasses(Message)
        if cls.__module__.startswith(("llmgine", "programs"))
        and cls.__pydantic_generic_metadata__["origin"] is None  # not Command[X]
    }
    assert "llmgine.engine._messages" in MODULES
    assert {cls.wire_name for cls in defined} == set(PROJECT_CLASSES)
    assert {PROJECT_CLASSES[cls.wire_name] for cls in defined} == defined
    assert {"PromptCommand", "CommandResult", "MetricsReportedEvent"} <= set(PROJECT_CLASSES)


# -- integers of any size ---------------------------------------------------------------

HUGE = math.factorial(2000)  # 5,736 digits


class CodecCountedEvent(Event):
    count: int


class CodecFactorialCommand(Command[int]):
    n: int


class CodecAnythingCommand(Command):  # no declared result type: any plain JSON value
    pass


def write_lines(path: Path, batch: list[Message]) -> Path:
    path.write_bytes(b"".join(encode_line(m) for m in batch))
    return path


def test_an_int_of_thousands_of_digits_reads_back_exactly_from_a_log(tmp_path: Path) -> None:
    events = [CodecCountedEvent(count=HUGE), CodecCountedEvent(count=-HUGE - 1)]
    for event in events:
        assert decode(encode(event)) == event
    path = write_lines(tmp_path / "log.jsonl", events)

    assert [r.data["count"] for r in read_records(path)] == [HUGE, -HUGE - 1]
    assert list(read_log(path)) == events


async def test_an_int_of_thousands_of_digits_as_a_result_reads_back_from_the_log(
    tmp_path: Path,
) -> None:
    async with MessageBus(log_dir=tmp_path) as bus:
        bus.register_command_handler(CodecFactorialCommand, lambda c: math.factorial(c.n))
        bus.register_command_handler(CodecAnythingCommand, lambda c: {"n": [HUGE, -HUGE]})
        declared = await bus.execute(CodecFactorialCommand(n=2000))
        loose = await bus.execute(CodecAnythingCommand())
    assert declared.unwrap() == HUGE
    assert loose.unwrap() == {"n": [HUGE, -HUGE]}

    assert bus.log_path is not None
    logged = [m for m in read_log(bus.log_path) if isinstance(m, CommandResult)]
    assert logged == [declared, loose]
    assert type(logged[0].result) is int
    assert logged[0].command_type == "CodecFactorialCommand"


# -- non-finite floats ------------------------------------------------------------------

NON_FINITE = [math.nan, math.inf, -math.inf]


class CodecReadingEvent(Event):
    value: float


class Sample(BaseModel):
    """Allows NaN, as pydantic models do unless they say otherwise."""

    x: float


class CodecSampleEvent(Event):
    sample: Sample | None = None
    samples: dict[str, Sample] = Field(default_factory=dict)


def refusal(build: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        build()
    return info.value


@pytest.mark.parametrize("bad", NON_FINITE, ids=str)
def test_a_non_finite_float_is_refused_when_a_message_is_built(bad: float) -> None:
    error = refusal(lambda: CodecReadingEvent(value=bad))
    assert error.errors()[0]["loc"] == ("value",)
    assert "finite" in error.errors()[0]["msg"]

    for build, where in [
        (lambda: CodecAnyEvent(payload={"a": [1.0, bad]}), "CodecAnyEvent.payload"),
        (lambda: CodecSampleEvent(sample=Sample(x=bad)), "CodecSampleEvent.sample"),
        (lambda: CodecSampleEvent(samples={"k": Sample(x=bad)}), "CodecSampleEvent.samples"),
        (lambda: CodecNestedEvent(point=Point(x=0.0, y=bad)), "CodecNestedEvent.point"),
    ]:
        error = refusal(build)
        assert where in str(error)
        assert isinstance(error.errors()[0]["ctx"]["error"], EncodeError)


class CodecFloatCommand(Command[float]):
    pass


class CodecSampleCommand(Command[Sample]):
    pass


@pytest.mark.parametrize(
    ("command_type", "value"),
    [
        (CodecFloatCommand, math.nan),
        (CodecAnythingCommand, {"x": [math.inf]}),
        (CodecSampleCommand, Sample(x=-math.inf)),
    ],
    ids=["declared float", "undeclared", "model allowing NaN"],
)
async def test_a_handler_returning_a_non_finite_float_gets_a_failed_result(
    tmp_path: Path, command_type: type[Command[Any]], value: Any
) -> None:
    sink = MemorySink()
    command = command_type()
    async with MessageBus(log_dir=tmp_path, sinks=[sink]) as bus:
        bus.register_command_handler(command_type, lambda c: value)
        result = await bus.execute(command)

    assert not result.success
    assert result.failure is not None
    assert result.failure.kind == "invalid_result"
    assert result.failure.exception_type == "EncodeError"
    failures = sink.of_type(HandlerFailedEvent)
    assert [(f.failed_message_id, f.exception_type) for f in failures] == [
        (command.command_id, "EncodeError")
    ]
    assert bus.log_path is not None
    raw = bus.log_path.read_bytes()
    assert b"NaN" not in raw
    assert b"Infinity" not in raw
    back = list(read_log(bus.log_path))
    assert len(back) == len(raw.splitlines())
    assert not [m for m in back if isinstance(m, UnknownMessage)]
    assert [m for m in back if isinstance(m, CommandResult)] == [result]


# -- lone surrogates --------------------------------------------------------------------


class CodecTextEvent(Event):
    text: str
    notes: dict[str, str] = Field(default_factory=dict)


def test_a_lone_surrogate_is_written_as_the_replacement_character(tmp_path: Path) -> None:
    event = CodecTextEvent(text="a\ud800b", notes={"k": "\ud83d"}, metadata={"m": ["x\udc00"]})
    line = encode_line(event)

    data = json.loads(line.decode("utf-8"))  # strict UTF-8, and JSON the stdlib reads
    assert data["text"] == "a\ufffdb"
    assert data["notes"] == {"k": "\ufffd"}
    assert data["metadata"] == {"m": ["x\ufffd"]}
    replaced = event.model_copy(
        update={"text": "a\ufffdb", "notes": data["notes"], "metadata": data["metadata"]}
    )
    assert decode(line) == replaced
    assert list(read_log(write_lines(tmp_path / "log.jsonl", [event]))) == [replaced]


def test_a_lone_surrogate_in_a_key_is_written_as_replacement_characters() -> None:
    # pydantic writes such a key as its three UTF-8 bytes, each replaced: still text.
    line = encode(CodecTextEvent(text="", notes={"k\udfff": "v"}))

    [key] = json.loads(line.decode("utf-8"))["notes"]
    assert key[0] == "k"
    assert set(key[1:]) == {"\ufffd"}


def test_a_surrogate_pair_given_in_halves_is_written_as_its_character() -> None:
    event = CodecTextEvent(text="\ud83d\ude00 ok")
    line = encode(event)

    assert "\U0001f600 ok".encode() in line
    assert decode(line).text == "\U0001f600 ok"


# -- loose fields, checked when built ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ((1, 2), "would read back from the log as [1, 2]"),
        ({"a": (1, "b")}, "would read back from the log as {'a': [1, 'b']}"),
        ({3, 4}, "would read back from the log as [3, 4]"),
        (object(), "cannot be written as JSON"),
    ],
    ids=["tuple", "tuple in a dict", "set", "object"],
)
def test_a_value_an_any_field_would_not_read_back_is_refused_when_built(
    value: object, problem: str
) -> None:
    error = refusal(lambda: CodecAnyEvent(payload=value))

    assert "CodecAnyEvent.payload" in str(error)
    assert problem in str(error)
    assert isinstance(error.errors()[0]["ctx"]["error"], EncodeError)


def test_plain_json_in_an_any_field_is_accepted_and_reads_back() -> None:
    event = CodecAnyEvent(payload={"a": [1, 2.5, None, True, "x", {"b": HUGE}]}, items=[[]])
    assert decode(encode(event)) == event


# -- types refused at the class statement -----------------------------------------------


class Pair(enum.Enum):
    ONE = (1, 2)


@pytest.mark.parametrize(
    ("annotation", "words"),
    [
        (type, "a class cannot be written"),
        (type[BaseModel], "a class cannot be written"),
        (bytes, "JSON has no bytes"),
        (list[bytes], "JSON has no bytes"),
        (SecretStr, "secrets never travel"),
        (dict[str, SecretStr], "secrets never travel"),
        (dict[int | str, int], "keys of a JSON object are text"),
        (dict[tuple[int, int], int], "keys of a JSON object are text"),
        (Pair, "Pair.ONE has a value of type tuple"),
    ],
    ids=str,
)
def test_a_field_type_the_codec_cannot_carry_is_refused_at_the_class_statement(
    annotation: Any, words: str
) -> None:
    with pytest.raises(TypeError) as info:
        type("CodecRefusedEvent", (Event,), {"__annotations__": {"field": annotation}})

    assert "CodecRefusedEvent.field" in str(info.value)
    assert words in str(info.value)
    assert "CodecRefusedEvent" not in registry


def test_a_result_type_the_codec_cannot_carry_is_refused_at_the_class_statement() -> None:
    with pytest.raises(TypeError, match=r"the result type of CodecRefusedCommand: .*bytes"):
        type("CodecRefusedCommand", (Command[bytes],), {})
    assert "CodecRefusedCommand" not in registry


# -- results, through the command's declared type ---------------------------------------


class CodecCountCommand(Command[int]):
    pass


async def test_a_handler_returning_another_type_gets_a_failed_result_naming_both(
    bus: MessageBus,
) -> None:
    bus.register_command_handler(CodecCountCommand, lambda c: "seven")
    result = await bus.execute(CodecCountCommand())

    assert result.failure is not None
    assert result.failure.kind == "invalid_result"
    assert "CodecCountCommand returned str, which is not int" in result.failure.message


def test_a_result_is_written_through_its_declared_type_and_read_back_through_it() -> None:
    command = CodecAliasedCommand(Target="t")
    result = CommandResult.ok(command, [Point(x=1.5, y=-2.0, Label="p")])
    line = encode(result)

    data = orjson.loads(line)
    assert data["command_type"] == "CodecAliasedCommand"
    assert data["result"] == [{"x": 1.5, "y": -2.0, "label": "p"}]
    back = decode(line)
    assert back == result
    assert isinstance(back, CommandResult)
    assert back.result == [Point(x=1.5, y=-2.0, Label="p")]


def test_a_result_line_that_does_not_name_its_command_is_typed_by_the_command_line(
    tmp_path: Path,
) -> None:
    command = CodecAliasedCommand(Target="t")
    result = CommandResult.ok(command, [Point(x=0.5, y=1.0)])
    old = orjson.loads(encode(result))
    del old["command_type"]
    path = tmp_path / "log.jsonl"
    path.write_bytes(encode_line(command) + orjson.dumps(old) + b"\n")

    assert decode(orjson.dumps(old)) != result  # alone, its value stays plain JSON
    assert list(read_log(path)) == [command, result]


def test_fields_are_written_by_name_and_read_by_name_or_alias() -> None:
    command = CodecAliasedCommand(Target="there", note="n")
    line = encode(command)

    data = orjson.loads(line)
    assert (data["target"], data["note"]) == ("there", "n")
    assert decode(line) == command
    by_alias = {**data, "Target": data.pop("target")}
    assert decode(orjson.dumps(by_alias)) == command


# -- wire names: versions, old names, kinds ---------------------------------------------


def line_of(type_name: str, kind: str = "event", **fields: Any) -> bytes:
    envelope = {
        "session_id": "s",
        "timestamp": "2026-01-02T03:04:05Z",
        "metadata": {},
        "event_id": "e1",
        "parent_id": None,
    }
    return orjson.dumps({"kind": kind, "type": type_name, **envelope, **fields})


def read_back(tmp_path: Path, line: bytes) -> list[Message | UnknownMessage]:
    """What ``read_log`` makes of a log holding ``line`` alone."""
    path = tmp_path / "log.jsonl"
    path.write_bytes(line + b"\n")
    return list(read_log(path))


GREETED = {"session_id": "s", "timestamp": datetime.fromisoformat("2026-01-02T03:04:05Z")}


def test_a_message_is_written_under_its_wire_name_and_version() -> None:
    event = CodecGreetedEvent(name="Ada", polite=False)
    assert orjson.loads(encode(event))["type"] == "codec_test.Greeted@3"
    assert wire_type(CodecGreetedEvent) == "codec_test.Greeted@3"
    assert orjson.loads(encode(CodecTextEvent(text="")))["type"] == "CodecTextEvent"


@pytest.mark.parametrize(
    ("type_name", "fields", "expected"),
    [
        ("codec_test.Greeted", {"who": "Ada"}, {"name": "Ada", "polite": True}),
        ("codec_test.Greeted@2", {"name": "Bo"}, {"name": "Bo", "polite": True}),
        ("codec_test.Greeted@3", {"name": "Cy", "polite": False}, {"name": "Cy", "polite": False}),
        ("codec_test.Hello", {"who": "Di"}, {"name": "Di", "polite": True}),
    ],
    ids=["version 1", "version 2", "current", "old name"],
)
def test_older_lines_and_old_names_are_upgraded_to_the_class(
    tmp_path: Path, type_name: str, fields: dict[str, Any], expected: dict[str, Any]
) -> None:
    line = line_of(type_name, **fields)
    wanted = CodecGreetedEvent(**GREETED, event_id="e1", **expected)

    assert decode(line) == wanted
    assert read_back(tmp_path, line) == [wanted]


def test_a_line_of_a_newer_version_is_refused_saying_so() -> None:
    with pytest.raises(DecodeError) as info:
        decode(line_of("codec_test.Greeted@4", name="Ed", polite=True, mood="fine"))

    text = str(info.value)
    assert "written by version 4" in text
    assert "this process has version 3" in text


def test_a_line_whose_kind_does_not_match_its_class_is_refused(tmp_path: Path) -> None:
    line = line_of("codec_test.Greeted@3", kind="command", name="Fa", polite=True)
    with pytest.raises(DecodeError, match=r"'codec_test\.Greeted' is a event here, but the line"):
        decode(line)

    [unknown] = read_back(tmp_path, line)
    assert isinstance(unknown, UnknownMessage)
    assert "the line says 'command'" in unknown.reason


def test_a_type_no_class_claims_is_a_decode_error_and_an_unknown_message_in_a_log(
    tmp_path: Path,
) -> None:
    line = line_of("codec_test.NeverDefined", answer=42)
    with pytest.raises(DecodeError, match=r"'codec_test\.NeverDefined' is not registered"):
        decode(line)

    [unknown] = read_back(tmp_path, line)
    assert isinstance(unknown, UnknownMessage)
    assert (unknown.kind, unknown.type) == ("event", "codec_test.NeverDefined")
    assert unknown.data["answer"] == 42
    assert "not registered" in unknown.reason


# -- the writer never writes what the reader refuses ------------------------------------

ALL_CLASSES = [PROJECT_CLASSES[name] for name in sorted(PROJECT_CLASSES)] + TEST_CLASSES


@settings(max_examples=60, deadline=None)  # no deadline: see ROUND_TRIP
@given(st.lists(st.one_of([messages(cls) for cls in ALL_CLASSES]), min_size=1, max_size=6))
def test_every_line_the_writer_writes_the_readers_accept(batch: list[Message]) -> None:
    with tempfile.TemporaryDirectory() as folder:  # hypothesis runs this many times
        path = write_lines(Path(folder) / "log.jsonl", batch)
        records = list(read_records(path))
        back = list(read_log(path))

    assert [(r.kind, r.type) for r in records] == [(m.kind, m.wire_name) for m in batch]
    assert [type(m) for m in back] == [type(m) for m in batch]
    assert back == batch


# -- structured output: formats by name and schema --------------------------------------


@register_response_format
class CodecForecast(BaseModel):
    city: str
    days: int


def _another_forecast() -> type[BaseModel]:
    class CodecForecast(BaseModel):  # the same name, another schema
        city: str
        hourly: list[float]

    return CodecForecast


OtherForecast = register_response_format(_another_forecast())


def test_a_prompt_asking_for_structured_output_reads_back_with_its_class() -> None:
    command = PromptCommand(prompt="weather?", response_format=CodecWeather)
    line = encode(command)

    assert orjson.loads(line)["response_format"] == {
        "name": "CodecWeather",
        "digest": schema_digest(CodecWeather),
        "schema": CodecWeather.model_json_schema(),
    }
    back = decode(line)
    assert back == command
    assert isinstance(back, PromptCommand)
    assert back.response_format is CodecWeather


def test_a_format_the_reading_process_does_not_know_is_an_error_saying_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    line = encode(PromptCommand(prompt="x", response_format=CodecWeather))
    monkeypatch.delitem(_formats._known, "CodecWeather")

    with pytest.raises(DecodeError) as info:
        decode(line)
    assert "no response format called 'CodecWeather'" in str(info.value)
    assert "register_response_format(CodecWeather)" in str(info.value)


def test_two_formats_of_the_same_name_are_told_apart_by_their_schema_digest() -> None:
    assert OtherForecast.__name__ == CodecForecast.__name__
    assert schema_digest(OtherForecast) != schema_digest(CodecForecast)

    for model, reply in [
        (CodecForecast, CodecForecast(city="Oslo", days=3)),
        (OtherForecast, OtherForecast(city="Rome", hourly=[20.5, 21.0])),
    ]:
        command = decode(encode(PromptCommand(prompt="x", response_format=model)))
        assert isinstance(command, PromptCommand)
        assert command.response_format is model
        event = decode(encode(CodecRepliesEvent(replies=(reply,))))
        assert isinstance(event, CodecRepliesEvent)
        assert type(event.replies[0]) is model
        assert event.replies == (reply,)


TURN: dict[str, Any] = {
    "content": "{}",
    "model": "openai:gpt-4o",
    "finish_reason": "stop",
    "rounds": 1,
    "usage": Usage(input_tokens=1, output_tokens=2),
    "session_usage": Usage(input_tokens=3, output_tokens=4),
}
"""The fields a turn's result and its ResponseCompletedEvent share."""


def completed(parsed: BaseModel) -> ResponseCompletedEvent:
    return ResponseCompletedEvent(**TURN, messages=(), parsed=parsed)


def test_a_parsed_reply_in_a_message_field_reads_back_as_an_instance_of_its_format() -> None:
    event = completed(CodecWeather(city="Oslo", celsius=-3.5, warnings=("ice",)))
    line = encode(event)

    assert orjson.loads(line)["parsed"]["format"] == "CodecWeather"
    back = decode(line)
    assert isinstance(back, ResponseCompletedEvent)
    assert type(back.parsed) is CodecWeather
    assert back == event


@pytest.mark.parametrize("bad", NON_FINITE, ids=str)
def test_a_parsed_reply_holding_a_non_finite_float_is_refused_when_built(bad: float) -> None:
    reply = Sample(x=bad)  # a format that allows NaN, as pydantic models do by default
    for build in [
        lambda: completed(reply),
        lambda: LLMResponse(provider="openai", model="gpt-4o", parsed=reply),
        lambda: TurnResult(**TURN, parsed=reply),
    ]:
        error = refusal(build)
        assert error.errors()[0]["loc"] == ("parsed",)
        assert "which JSON cannot carry" in str(error)
