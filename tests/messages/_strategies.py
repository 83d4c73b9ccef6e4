"""Hypothesis strategies that build a valid instance of any message class from its field types.

``messages(cls)`` draws instances of a message class; ``values(annotation)`` draws values
of one field type, recursively: JSON scalars (integers far past 64 bits included, finite
floats only), aware times, literals, enums, unions, containers, ``JsonValue``, nested models
(discriminated unions such as ``ChatMessage`` too), the ``ResponseFormat`` and
``ParsedReply`` of the LLM layer (through the two formats registered here), and a
``CommandResult`` of a real command: its declared result type on success, a ``Failure``
otherwise. A type this module does not know is a ``TypeError``, so a new field type fails
the round-trip test loudly instead of going untested.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar

import annotated_types
from hypothesis import reject
from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel, ConfigDict, JsonValue, ValidationError
from pydantic.fields import FieldInfo
from pydantic.functional_validators import PlainValidator
from typing_extensions import TypeAliasType

from llmgine.llm import register_response_format
from llmgine.llm._formats import _format_from_wire, _parsed_from_wire
from llmgine.messages import Command, CommandResult, Failure, Message, registry, result_type

LONG = 7**3000
"""2,536 digits (hypothesis prints what it draws, so nothing past the interpreter's
4,300-digit ``repr`` limit: ``math.factorial(2000)`` is tested on its own)."""
_SIZE = 3
"""Most elements drawn for any one container (keeps the nested event classes quick)."""


class CodecWeather(BaseModel):
    """A response format, as an application would register one."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    city: str
    celsius: float
    warnings: tuple[str, ...] = ()


class CodecVerdict(BaseModel):
    """A second response format: nested lists, an optional int, a literal."""

    model_config = ConfigDict(allow_inf_nan=False)

    verdict: typing.Literal["yes", "no", "unsure"]
    reasons: list[str]
    confidence: int | None = None


FORMATS: tuple[type[BaseModel], ...] = (CodecWeather, CodecVerdict)
for _format in FORMATS:
    register_response_format(_format)

# -- scalars ---------------------------------------------------------------------------


def _bounds(constraints: Sequence[object]) -> tuple[Any, Any, bool, bool]:
    """(low, high, low_inclusive, high_inclusive) from annotated-types constraints."""
    low = high = None
    low_in = high_in = True
    for c in constraints:
        if isinstance(c, annotated_types.Ge):
            low, low_in = c.ge, True
        elif isinstance(c, annotated_types.Gt):
            low, low_in = c.gt, False
        elif isinstance(c, annotated_types.Le):
            high, high_in = c.le, True
        elif isinstance(c, annotated_types.Lt):
            high, high_in = c.lt, False
    return low, high, low_in, high_in


def integers(constraints: Sequence[object] = ()) -> st.SearchStrategy[int]:
    """Small integers, 64-bit edges, and integers of up to thousands of digits."""
    low, high, low_in, high_in = _bounds(constraints)
    lo = None if low is None else (low if low_in else low + 1)
    hi = None if high is None else (high if high_in else high - 1)
    parts: list[st.SearchStrategy[int]] = [st.integers(min_value=lo, max_value=hi)]
    edges = [2**63 - 1, 2**63, 2**64, -(2**63), -(2**63) - 1, 10**40, -(10**40), LONG, -LONG]
    fitting = [e for e in edges if (lo is None or e >= lo) and (hi is None or e <= hi)]
    if fitting:
        parts.append(st.sampled_from(fitting))
    if hi is None:
        parts.append(st.integers(min_value=max(lo or 0, 2**64), max_value=2**64 + 10**60))
    return st.one_of(parts)


def floats(constraints: Sequence[object] = ()) -> st.SearchStrategy[float]:
    low, high, low_in, high_in = _bounds(constraints)
    return st.floats(
        min_value=low,
        max_value=high,
        exclude_min=not low_in and low is not None,
        exclude_max=not high_in and high is not None,
        allow_nan=False,
        allow_infinity=False,
    )


def texts(constraints: Sequence[object] = ()) -> st.SearchStrategy[str]:
    """Any Unicode text (hypothesis leaves out lone surrogates: they are tested apart)."""
    low = 0
    high = 12
    for c in constraints:
        if isinstance(c, annotated_types.MinLen):
            low = c.min_length
        elif isinstance(c, annotated_types.MaxLen):
            high = c.max_length
    return st.text(min_size=low, max_size=max(high, low))


_OFFSETS = st.integers(min_value=-(24 * 60) + 1, max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
# Whole minutes only: an offset with seconds (historical local mean times) is written
# without them by orjson and pydantic alike (see the report on the codec's datetimes).
_TIMEZONES = st.one_of(st.just(UTC), _OFFSETS)
_WHEN = {"min_value": datetime(1900, 1, 2), "max_value": datetime(2200, 1, 1)}


def aware_datetimes() -> st.SearchStrategy[datetime]:
    return st.datetimes(**_WHEN, timezones=_TIMEZONES)


def any_datetimes() -> st.SearchStrategy[datetime]:
    return st.datetimes(**_WHEN, timezones=st.none() | _TIMEZONES)


_SCALARS: dict[Any, Callable[[Sequence[object]], st.SearchStrategy[Any]]] = {
    bool: lambda c: st.booleans(),
    int: integers,
    float: floats,
    str: texts,
    type(None): lambda c: st.none(),
    AwareDatetime: lambda c: aware_datetimes(),
    datetime: lambda c: any_datetimes(),
    date: lambda c: st.dates(),
    time: lambda c: st.times(),
    timedelta: lambda c: st.timedeltas(),
    uuid.UUID: lambda c: st.uuids(),
    Decimal: lambda c: st.decimals(allow_nan=False, allow_infinity=False),
}

# -- JSON ------------------------------------------------------------------------------

_JSON_LEAVES = st.one_of(st.none(), st.booleans(), integers(), floats(), texts())


def json_values() -> st.SearchStrategy[Any]:
    """Plain JSON: what an ``Any`` or ``JsonValue`` field may hold."""
    return st.recursive(
        _JSON_LEAVES,
        lambda inner: st.one_of(
            st.lists(inner, max_size=_SIZE), st.dictionaries(texts(), inner, max_size=_SIZE)
        ),
        max_leaves=8,
    )


# -- types -----------------------------------------------------------------------------


def values(tp: Any, constraints: Sequence[object] = ()) -> st.SearchStrategy[Any]:
    """Values of the annotation ``tp`` (with the field's ``constraints``)."""
    special = _special(constraints)
    if special is not None:
        return special
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return values(args[0], (*constraints, *args[1:]))
    if tp is Any or tp is object or tp is JsonValue or isinstance(tp, TypeVar):
        return json_values()
    if isinstance(tp, TypeAliasType):
        return values(tp.__value__, constraints)
    if origin is typing.Union or origin is types.UnionType:
        return st.one_of([values(a, constraints) for a in args])
    if origin is typing.Literal:
        return st.sampled_from(args)
    if tp in _SCALARS:
        return _SCALARS[tp](constraints)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(values(args[0]), max_size=_SIZE).map(tuple)
        return st.tuples(*(values(a) for a in args))
    if origin in (list, Sequence, typing.Sequence):
        return st.lists(values(args[0]), max_size=_SIZE)
    if origin in (set, frozenset):
        return st.frozensets(values(args[0]), max_size=_SIZE).map(origin)
    if origin in (dict, Mapping, typing.Mapping):
        return st.dictionaries(values(args[0]), values(args[1]), max_size=_SIZE)
    if isinstance(tp, type) and issubclass(tp, CommandResult):
        return command_results()
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return models(tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        fields = {f.name: values(hints[f.name]) for f in dataclasses.fields(tp)}
        return st.fixed_dictionaries(fields).map(lambda kw: tp(**kw))
    raise TypeError(f"no strategy for {tp!r}: teach tests/messages/_strategies.py this type")


def _special(constraints: Sequence[object]) -> st.SearchStrategy[Any] | None:
    """The LLM layer's wire types, recognised by their validators."""
    for c in constraints:
        if isinstance(c, PlainValidator) and c.func is _format_from_wire:
            return st.sampled_from(FORMATS)
        if isinstance(c, PlainValidator) and c.func is _parsed_from_wire:
            return st.none() | st.one_of([models(f) for f in FORMATS])
    return None


def _field(info: FieldInfo) -> st.SearchStrategy[Any]:
    return values(info.annotation, info.metadata)


def models(cls: type[BaseModel]) -> st.SearchStrategy[Any]:
    """Valid instances of the model ``cls``; fields with a default are sometimes left out."""
    if issubclass(cls, CommandResult):
        return command_results()
    required = {}
    optional = {}
    for name, info in cls.model_fields.items():
        (optional if not info.is_required() else required)[name] = _field(info)
    fields = st.fixed_dictionaries(required, optional=optional)
    return fields.map(lambda kw: _build(cls, kw))


def _build(cls: type[BaseModel], fields: dict[str, Any]) -> BaseModel:
    try:
        return cls.model_validate(fields, by_name=True)
    except ValidationError:
        reject()  # a constraint the strategies do not model (none today: the test checks)


def messages(cls: type[Message]) -> st.SearchStrategy[Any]:
    """Valid instances of the message class ``cls``."""
    return models(cls)


# -- results ---------------------------------------------------------------------------

_RESULT_SOURCES = ("llmgine", "programs", "tests.messages.test_codec")


def known_commands() -> list[type[Command[Any]]]:
    """The registered commands whose results the round trip covers, by wire name."""
    found = []
    for name in registry:
        cls = registry[name]
        if issubclass(cls, Command) and cls.__module__.startswith(_RESULT_SOURCES):
            found.append(cls)
    return found


_ENVELOPE = ("session_id", "timestamp", "metadata")


@st.composite
def command_results(draw: st.DrawFn) -> CommandResult[Any]:
    """A result of a real command: a value of its declared type, or a failure."""
    command = draw(st.sampled_from(known_commands()))
    envelope = {
        name: draw(_field(CommandResult.model_fields[name]))
        for name in _ENVELOPE
        if draw(st.booleans())
    }
    fields: dict[str, Any] = {
        "command_id": draw(texts()),
        "command_type": command.wire_name,
        **envelope,
    }
    if draw(st.booleans()):
        fields |= {"success": True, "result": draw(values(result_type(command)))}
    else:
        failure = draw(models(Failure))
        fields |= {"success": False, "failure": failure, "error": failure.describe()}
    return CommandResult.model_validate(fields)
