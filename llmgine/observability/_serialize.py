"""One message -> one JSONL line.

The line is the message's own fields plus ``"kind"`` and ``"type"``. Plain message
classes (no custom serializers, aliases or computed fields) are written straight from
their field values by orjson, which is several times faster than a pydantic dump; the
rest go through pydantic so their serializers are honoured. Values JSON cannot hold
(an arbitrary object as a command result, say) are written as their ``repr`` and never
make recording fail; secrets (``SecretStr``) are written masked.
"""

from __future__ import annotations

import enum
from pathlib import PurePath
from typing import Any

import orjson
import pydantic_core
from pydantic import BaseModel, SecretBytes, SecretStr

from llmgine.messages import Message

_OPTIONS = orjson.OPT_APPEND_NEWLINE | orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS
_MASK = "**********"
_plan: dict[type[Message], tuple[bytes, bool, int]] = {}


def to_json_line(message: Message) -> bytes:
    """Serialise ``message`` to one newline-terminated JSON line. Never raises."""
    cls = type(message)
    plan = _plan.get(cls)
    if plan is None:
        prefix = orjson.dumps({"kind": cls.kind, "type": cls.__name__})[:-1] + b","
        plan = _plan[cls] = (prefix, _is_plain(cls), len(cls.model_fields))
    prefix, plain, field_count = plan
    if plain:
        values = message.__dict__
        if len(values) != field_count:  # e.g. a cached_property stored its value there
            values = {name: values[name] for name in cls.model_fields}
        try:
            body = orjson.dumps(values, default=_default, option=_OPTIONS)
        except (TypeError, ValueError):
            pass  # an int beyond 64 bits, a circular value: go the careful way below
        else:
            return prefix + body[1:]  # every message has fields, so body is never "{}"
    return prefix + _careful(message)[1:]


def _careful(message: Message) -> bytes:
    """Serialise through pydantic (big ints), then field by field (circular values)."""
    try:
        return message.model_dump_json(fallback=_default).encode() + b"\n"
    except (TypeError, ValueError):
        pass
    parts = []
    for name in type(message).model_fields:
        value = getattr(message, name)
        try:
            raw = pydantic_core.to_json(value, fallback=_default)
        except (TypeError, ValueError):
            raw = orjson.dumps(_repr(value))
        parts.append(orjson.dumps(name) + b":" + raw)
    return b"{" + b",".join(parts) + b"}\n"


def _repr(value: object) -> str:
    try:
        return repr(value)[:10_000]
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def _is_plain(cls: type[BaseModel]) -> bool:
    decorators = cls.__pydantic_decorators__
    if decorators.field_serializers or decorators.model_serializers:
        return False
    if cls.model_computed_fields:
        return False
    return all(
        f.serialization_alias is None and f.alias is None and not f.exclude
        for f in cls.model_fields.values()
    )


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", fallback=_default)
    if isinstance(value, SecretStr | SecretBytes):
        return _MASK
    if isinstance(value, set | frozenset):
        return list(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}"
    return _repr(value)
