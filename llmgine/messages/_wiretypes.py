"""Which field types the codec can carry faithfully, decided once per message class.

A message is written as JSON and read back into its class by its declared field types, so
a field is faithful when its type says exactly what to read back: text, numbers, times,
enums, literals, models made of such fields, and containers of them. Three cases are
decided when the class is defined:

- **refused** (``TypeError`` at the class statement): types JSON cannot carry at all or
  must never carry: ``bytes``, secrets, classes and callables, arbitrary objects, enums
  whose values are not JSON scalars, and mapping keys that would not read back from the
  text of a JSON key (tuples, unions, enums or literals of numbers).
- **loose**: ``Any``, ``object``, type variables, and floats in a model that allows NaN
  (pydantic's default; every message refuses them). Such a field is checked each time a
  message is built, by writing its value and reading it back: a tuple there would come
  back as a list, NaN as nothing, an object not at all, and the message is refused with
  an ``EncodeError`` that names the field and what it would read back as.
- **faithful**: everything else. Nothing is checked per message beyond pydantic's own
  validation.

An ``Annotated`` type with a serializer of its own (pydantic's ``PlainSerializer`` or
``WrapSerializer``) states its own wire form and is taken as faithful.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import types
import typing
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import PurePath
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, JsonValue, SecretBytes, SecretStr, TypeAdapter
from pydantic.fields import FieldInfo
from pydantic.functional_serializers import PlainSerializer, WrapSerializer
from typing_extensions import TypeAliasType

from llmgine.messages._errors import EncodeError
from llmgine.messages._jsonnum import loads_exact

_FAITHFUL_SCALARS = (
    str, int, bool, type(None), datetime, date, time, timedelta,
    uuid.UUID, Decimal, PurePath, enum.Enum,
)  # fmt: skip
_KEY_SCALARS = (str, int, float, Decimal, uuid.UUID, datetime, date, time, timedelta, PurePath)
"""Types whose values pydantic reads back from the text of a JSON object key."""
_PLAIN_VALUES = (str, int, bool, type(None))
_CONTAINERS = {list, tuple, set, frozenset, typing.Sequence, typing.AbstractSet}
_MAPPINGS = {dict, Mapping, typing.Mapping}

JSON_VALUE: TypeAdapter[JsonValue] = TypeAdapter(JsonValue, config=ConfigDict(allow_inf_nan=False))
"""Validates that a value is plain JSON."""


class UnwritableFieldError(TypeError):
    """A message class has a field whose type the codec can never write faithfully."""


def loose_fields(cls: type[BaseModel], skip: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The fields of ``cls`` that must be checked per message; raises for refused ones."""
    nan_ok = bool(cls.model_config.get("allow_inf_nan", True))
    loose = []
    for name, field in cls.model_fields.items():
        if name in skip:
            continue
        try:
            if _field_is_loose(field, nan_ok, set()):
                loose.append(name)
        except UnwritableFieldError as exc:
            raise UnwritableFieldError(
                f"{cls.__name__}.{name} is typed {_show(field.annotation)}: {exc}"
            ) from None
    return tuple(loose)


def is_loose(tp: Any, *, nan_ok: bool = True) -> bool:
    """Whether values of type ``tp`` must be checked to read back the same from JSON."""
    return _is_loose(tp, nan_ok, set())


def _field_is_loose(field: FieldInfo, nan_ok: bool, seen: set[type]) -> bool:
    # pydantic keeps an Annotated field's extras in ``metadata``, not in ``annotation``.
    if _has_serializer(field.metadata):
        return False
    return _is_loose(field.annotation, nan_ok, seen)


def serializes_itself(field: FieldInfo) -> bool:
    """Whether the field, or a type inside it, has an ``Annotated`` serializer of its own
    (outside nested models), so that only pydantic writes its values right."""
    return _has_serializer(field.metadata) or _annotated_serializer(field.annotation, set())


def _has_serializer(metadata: typing.Iterable[object]) -> bool:
    return any(isinstance(m, PlainSerializer | WrapSerializer) for m in metadata)


def _annotated_serializer(tp: Any, seen: set[int]) -> bool:
    if id(tp) in seen:
        return False
    seen.add(id(tp))
    if isinstance(tp, TypeAliasType):
        return _annotated_serializer(tp.__value__, seen)
    args = typing.get_args(tp)
    if typing.get_origin(tp) is typing.Annotated and _has_serializer(args[1:]):
        return True
    return any(_annotated_serializer(a, seen) for a in args)


def _is_loose(tp: Any, nan_ok: bool, seen: set[type]) -> bool:
    if tp is Any or tp is object or isinstance(tp, TypeVar):
        return True
    if tp is JsonValue:
        return False
    if tp is float:
        return nan_ok
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        if _has_serializer(args[1:]):
            return False
        return _is_loose(args[0], nan_ok, seen)
    if origin is typing.Union or origin is types.UnionType:
        return any(_is_loose(a, nan_ok, seen) for a in args)
    if origin is typing.Literal:
        return False
    if origin is type or tp is type:
        raise UnwritableFieldError(
            "a class cannot be written to a log or sent to another process; send a name "
            "and resolve it on arrival (see how PromptCommand carries response_format)"
        )
    if origin in _CONTAINERS or tp in _CONTAINERS:
        return not args or any(_is_loose(a, nan_ok, seen) for a in args if a is not Ellipsis)
    if origin in _MAPPINGS or tp in _MAPPINGS:
        if len(args) == 2:
            _check_key(args[0])
        return len(args) != 2 or any(_is_loose(a, nan_ok, seen) for a in args)
    if isinstance(tp, TypeAliasType):
        return _is_loose(tp.__value__, nan_ok, seen)
    if isinstance(tp, type):
        return _class_is_loose(tp, nan_ok, seen)
    raise UnwritableFieldError("the codec does not know how to write this type faithfully")


def _check_key(tp: Any) -> None:
    if not _key_reads_back(tp):
        raise UnwritableFieldError(
            f"the keys of a JSON object are text, and a key of type {_show(tp)} would not "
            f"read back from it; key the mapping by str, int, an enum of str, or a time"
        )


def _key_reads_back(tp: Any) -> bool:
    """Whether keys of type ``tp`` read back the same from the text of a JSON key."""
    if tp is Any or tp is object or isinstance(tp, TypeVar):
        return True  # a loose key: checked with its value each time a message is built
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _key_reads_back(args[0])
    if isinstance(tp, TypeAliasType):
        return _key_reads_back(tp.__value__)
    if origin is typing.Literal:
        return all(type(a) is str for a in args)
    if not isinstance(tp, type):
        return False
    if issubclass(tp, enum.Enum):
        return issubclass(tp, str | int) or all(type(m.value) is str for m in tp)
    return issubclass(tp, _KEY_SCALARS)


def _check_enum(tp: type[enum.Enum]) -> None:
    for member in tp:
        value = member.value
        plain = type(value) in _PLAIN_VALUES
        if not plain and not (type(value) is float and math.isfinite(value)):
            raise UnwritableFieldError(
                f"{tp.__qualname__}.{member.name} has a value of type {type(value).__name__}, "
                f"which JSON cannot carry; give enum members text or whole-number values"
            )


def _class_is_loose(tp: type, nan_ok: bool, seen: set[type]) -> bool:
    if issubclass(tp, SecretStr | SecretBytes):
        raise UnwritableFieldError(
            "secrets never travel in messages (they would reach the log); pass what names "
            "the secret, and look it up where it is used"
        )
    if issubclass(tp, bytes | bytearray | memoryview):
        raise UnwritableFieldError("JSON has no bytes; carry text, or base64 in a str field")
    if issubclass(tp, enum.Enum) and not issubclass(tp, str | int | float):
        _check_enum(tp)
    if issubclass(tp, _FAITHFUL_SCALARS) or (
        hasattr(tp, "__get_pydantic_core_schema__") and not issubclass(tp, BaseModel)
    ):
        return False  # JSON types, and pydantic's own (AwareDatetime, AnyUrl...)
    if tp in seen:
        return False  # a recursive model: its fields are being decided further up
    seen.add(tp)
    if issubclass(tp, BaseModel):
        own_nan = bool(tp.model_config.get("allow_inf_nan", True))
        return any(_field_is_loose(f, own_nan, seen) for f in tp.model_fields.values())
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return any(_is_loose(hints[f.name], nan_ok, seen) for f in dataclasses.fields(tp))
    raise UnwritableFieldError(
        f"{tp.__qualname__} is not a pydantic model, a dataclass or a JSON type, so the "
        f"codec cannot write it faithfully"
    )


def check_faithful(adapter: TypeAdapter[Any], value: Any, where: str) -> None:
    """Raise ``EncodeError`` unless ``value`` reads back equal after a trip through JSON."""
    try:
        data = loads_exact(adapter.dump_json(value, by_alias=False))
        again = adapter.validate_python(data, strict=False, by_alias=True, by_name=True)
    except Exception as exc:
        raise EncodeError(
            f"{where} holds {type(value).__name__} {_short(value)}, which cannot be written "
            f"as JSON ({_reason(exc)}); give it plain JSON values (dicts, lists, text, "
            f"finite numbers) or declare its type"
        ) from None
    if again != value:
        raise EncodeError(
            f"{where} holds {type(value).__name__} {_short(value)}, which would read back "
            f"from the log as {_short(again)}; give it plain JSON values (dicts, lists, "
            f"text, finite numbers) or declare its type"
        )


def _reason(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    return str(exc).splitlines()[0]


def _short(value: object) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def _show(tp: Any) -> str:
    return tp.__qualname__ if isinstance(tp, type) else repr(tp)
