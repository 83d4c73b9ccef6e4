"""The one lossless codec: a message to JSON bytes and back to an equal message.

Every message is written as one JSON object: its own fields (by name, never by alias,
and read back by either) plus ``"kind"`` and ``"type"``, the wire name, followed by
``@<version>`` when the class is past version 1 (``"Greeted@2"``). The JSONL sink, the log
reader and every transport use this module and nothing else. Decisions, each tested:

- **Integers of any size** are written exactly, and read back exactly (past 64 bits the
  reader takes a slower exact path, with no limit on the number of digits).
- **Non-finite floats** (NaN, ±infinity) have no JSON form, so they are refused where they
  would enter: a message holding one is not built, a handler returning one gets a failed
  result (``EncodeError`` naming the field, see ``_wiretypes``).
- **Lone surrogates** (half of a UTF-16 pair, which is not text: some JSON decoders let
  ``"\\ud800"`` through) are written as U+FFFD, the replacement character. This is the
  one place where what is read back differs from what was built, because such a string
  cannot be written as UTF-8 at all; the LLM layer cleans model replies on arrival, so
  they never reach a message.
- **A command's result** is written by the command's declared result type and read back
  through it (the result line names its command type).
- Anything else the codec cannot write faithfully is an ``EncodeError`` naming the
  message; it is never written as a ``repr``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pydantic_core
from pydantic import BaseModel, ValidationError

from llmgine.messages._base import CommandResult, Message
from llmgine.messages._errors import DecodeError, EncodeError
from llmgine.messages._jsonnum import loads_exact
from llmgine.messages._registry import registry
from llmgine.messages._results import result_adapter
from llmgine.messages._wiretypes import serializes_itself

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS
LOG_KEY = "$log"
"""The key of a line written in the log form (``_logform``): what the line adds to its log."""
_plans: dict[type[Message], tuple[bytes, bool, int]] = {}


def wire_type(cls: type[Message]) -> str:
    """The ``"type"`` written for ``cls``: its wire name, with ``@version`` past version 1."""
    return cls.wire_name if cls.wire_version == 1 else f"{cls.wire_name}@{cls.wire_version}"


def _encoder(options: int, end: bytes) -> Callable[[Message], bytes]:
    """An encoding function writing with orjson ``options`` and ending with ``end``."""

    def encode(message: Message) -> bytes:
        cls = type(message)
        plan = _plans.get(cls)
        if plan is None:
            plan = _plans[cls] = _plan(cls)
        prefix, plain, field_count = plan
        if plain:
            values = message.__dict__
            if len(values) != field_count:  # e.g. a cached_property stored its value there
                values = {name: values[name] for name in cls.model_fields}
            try:
                body = orjson.dumps(values, default=_nested, option=options)
            except (TypeError, ValueError):
                pass  # an int past 64 bits, a lone surrogate: the careful way below
            else:
                return prefix + body[1:]  # every message has fields, so body is never "{}"
        return prefix + _careful(message)[1:] + end

    return encode


encode = _encoder(_OPTIONS, b"")
"""``message`` as one JSON object (no trailing newline). Raises ``EncodeError``."""
encode_line = _encoder(_OPTIONS | orjson.OPT_APPEND_NEWLINE, b"\n")
"""``encode(message)`` followed by a newline: one line of a JSONL log."""


def decode(data: bytes | bytearray | memoryview | str) -> Message:
    """The message written as ``data`` by ``encode``. Raises ``DecodeError``."""
    return decode_object(loads(data))


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """Parse JSON written by ``encode``, integers of any size kept exact."""
    try:
        return loads_exact(data)
    except ValueError as exc:
        raise DecodeError(f"not valid JSON ({exc})") from exc


def decode_object(data: dict[str, Any]) -> Message:
    """The message whose fields are ``data`` (a parsed line, ``kind`` and ``type`` included).

    ``data`` may be taken apart. Lines written by an older version of the class are
    upgraded through its ``wire_upgrade``; a line from a newer version is refused.
    """
    wire = data.pop("type", None)
    kind = data.pop("kind", None)
    if not isinstance(wire, str) or not isinstance(kind, str):
        raise DecodeError("not a message: no 'kind' or 'type' field")
    if LOG_KEY in data:
        raise DecodeError(
            f"this {wire} line refers to content recorded by earlier lines of its log; read "
            f"the log in order with llmgine.logs.read_log (or a llmgine.messages.LogReader)"
        )
    name, _, version_text = wire.partition("@")
    version = int(version_text) if version_text.isdigit() else 1
    cls = registry.get(name)
    if cls is None:
        raise DecodeError(f"type {name!r} is not registered in this process")
    if cls.kind != kind:
        raise DecodeError(f"{name!r} is a {cls.kind} here, but the line says {kind!r}")
    if version > cls.wire_version:
        raise DecodeError(
            f"{name!r} was written by version {version} of its class; this process has "
            f"version {cls.wire_version}: update it to read the line"
        )
    if version < cls.wire_version:
        data = cls.wire_upgrade(data, version)
    try:
        if issubclass(cls, CommandResult):
            data = _typed_result(data)
        # Never strict, even for a strict class: in JSON a tuple is a list, a time is text.
        return cls.model_validate(data, by_alias=True, by_name=True, strict=False)
    except ValidationError as exc:
        raise DecodeError(
            f"does not match {cls.__name__} ({exc.error_count()} errors; first: {_first(exc)})"
        ) from exc


def _typed_result(data: dict[str, Any]) -> dict[str, Any]:
    command_type = data.get("command_type")
    value = data.get("result")
    if value is None or not data.get("success") or not isinstance(command_type, str):
        return data
    command = registry.get(command_type)
    if command is None or command.kind != "command":
        return data  # an unknown command: its result stays plain JSON
    adapter = result_adapter(command)  # type: ignore[arg-type]
    data["result"] = adapter.validate_python(value, strict=False, by_alias=True, by_name=True)
    return data


def _plan(cls: type[Message]) -> tuple[bytes, bool, int]:
    prefix = orjson.dumps({"kind": cls.kind, "type": wire_type(cls)})[:-1] + b","
    return prefix, _is_plain(cls), len(cls.model_fields)


def _is_plain(cls: type[BaseModel]) -> bool:
    """Whether the field values can be written as they are (no serializers or aliases).

    A serializer given in a field's type (``Annotated[..., PlainSerializer(...)]``, as a
    parsed reply has) counts too: orjson would write the value and never call it.
    """
    decorators = cls.__pydantic_decorators__
    if decorators.field_serializers or decorators.model_serializers:
        return False
    if cls.model_computed_fields:
        return False
    return all(
        f.serialization_alias is None
        and f.alias is None
        and not f.exclude
        and not serializes_itself(f)
        for f in cls.model_fields.values()
    )


def _nested(value: Any) -> Any:
    """orjson's fallback for what it cannot write itself: models, through pydantic."""
    if isinstance(value, BaseModel):
        try:
            return orjson.Fragment(pydantic_core.to_json(value, by_alias=False))
        except pydantic_core.PydanticSerializationError as exc:
            raise TypeError(str(exc)) from exc
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not a JSON type")


def _careful(message: Message) -> bytes:
    """Write through pydantic: big integers, custom serializers, lone surrogates."""
    try:
        return pydantic_core.to_json(message, by_alias=False)
    except pydantic_core.PydanticSerializationError as exc:
        if "surrogates not allowed" not in str(exc):
            raise EncodeError(f"{type(message).__name__} cannot be written: {exc}") from exc
    data = pydantic_core.to_jsonable_python(message, by_alias=False)
    return pydantic_core.to_json(_without_surrogates(data))


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        if value.isascii():
            return value
        # Through UTF-16: a proper pair of surrogates joins, a lone one becomes U+FFFD.
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    return value


def _first(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}"
