"""Structured-output formats as data: a pydantic class travels by name, with its schema.

A request for structured output names a pydantic class (``response_format=Weather``), and
the reply comes back as an instance of it. Neither a class nor an arbitrary instance can
be written to a log or sent to another process, so on the wire a format is its name, a
digest of its JSON schema, and the schema itself; a parsed reply is the format's name and
digest with the instance's fields. Reading them back resolves the name through the
formats this process knows: every class used as a ``response_format`` here joins them by
itself, and a process that only receives (a worker, a log reader) registers its classes
with ``register_response_format``. Where two known classes share a name, the digest picks
the one whose schema matches.
"""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache
from typing import Annotated, Any

import orjson
from pydantic import BaseModel, PlainSerializer, PlainValidator

_known: dict[str, list[type[BaseModel]]] = {}


class UnknownFormatError(ValueError):
    """A format name arrived that no class in this process was registered under."""


def register_response_format(model: type[BaseModel]) -> type[BaseModel]:
    """Make ``model`` resolvable by name when requests and replies are read back.

    Returns ``model``, so it works as a class decorator. Registering a class again is
    harmless.
    """
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"a response format is a pydantic model class, not {model!r}")
    same_name = _known.setdefault(model.__name__, [])
    if model not in same_name:
        same_name.append(model)  # the newest last: it wins when digests do not decide
    return model


def resolve_response_format(name: str, digest: str | None = None) -> type[BaseModel]:
    """The registered class called ``name`` (whose schema has ``digest``, when given)."""
    candidates = _known.get(name)
    if not candidates:
        raise UnknownFormatError(
            f"no response format called {name!r} is known in this process; call "
            f"llmgine.llm.register_response_format({name}) where the class is defined"
        )
    for model in reversed(candidates):
        if digest is None or schema_digest(model) == digest:
            return model
    return candidates[-1]  # the schema changed since it was written: the newest class


@lru_cache(maxsize=512)
def format_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of ``model`` (computed once per class)."""
    return model.model_json_schema()


@lru_cache(maxsize=512)
def schema_digest(model: type[BaseModel]) -> str:
    """A short fingerprint of ``model``'s JSON schema."""
    canonical = orjson.dumps(format_schema(model), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()[:16]


def _format_to_wire(model: type[BaseModel]) -> dict[str, Any]:
    return {"name": model.__name__, "digest": schema_digest(model), "schema": format_schema(model)}


def _format_from_wire(value: Any) -> type[BaseModel]:
    if isinstance(value, type) and issubclass(value, BaseModel):
        return register_response_format(value)
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return resolve_response_format(value["name"], value.get("digest"))
    if isinstance(value, str):  # how logs written before formats were data named them
        return resolve_response_format(value.rsplit(".", 1)[-1].strip("<>'"))
    raise ValueError("a response format is a pydantic model class")


def _parsed_to_wire(value: Any) -> Any:
    if isinstance(value, BaseModel):
        model = type(value)
        return {
            "format": model.__name__,
            "digest": schema_digest(model),
            "value": value.model_dump(mode="json", by_alias=False),
        }
    return value


def _parsed_from_wire(value: Any) -> Any:
    if isinstance(value, dict) and isinstance(value.get("format"), str) and "value" in value:
        model = resolve_response_format(value["format"], value.get("digest"))
        return _validate(model, value["value"])
    if isinstance(value, BaseModel):
        register_response_format(type(value))
        _check_readable(value)
    return value  # None, an instance, or a plain dict from a log written before


def _validate(model: type[BaseModel], data: Any) -> BaseModel:
    """Read a reply back from its wire form: fields by name (as written) or alias."""
    return model.model_validate(data, strict=False, by_alias=True, by_name=True)


def _check_readable(value: BaseModel) -> None:
    """Refuse a reply that would not read back the same from its wire form: a float of
    NaN or infinity (which a format allows unless it says otherwise) would be written as
    null, and a value its type does not pin down (a tuple in ``Any``) would change."""
    model = type(value)
    data = value.model_dump(mode="json", by_alias=False)
    bad = _non_finite(data)
    if bad is not None:
        raise ValueError(
            f"this {model.__name__} holds {bad}, which JSON cannot carry; a parsed reply "
            f"must hold finite numbers (give the format allow_inf_nan=False to refuse them "
            f"where the reply is parsed)"
        )
    if _validate(model, data) != value:
        raise ValueError(f"this {model.__name__} would not read back the same from JSON")


def _non_finite(data: Any) -> float | None:
    if isinstance(data, float):
        return None if math.isfinite(data) else data
    items = data.values() if isinstance(data, dict) else data if isinstance(data, list) else ()
    for item in items:
        bad = _non_finite(item)
        if bad is not None:
            return bad
    return None


ResponseFormat = Annotated[
    type[BaseModel],
    PlainValidator(_format_from_wire),
    PlainSerializer(_format_to_wire, return_type=dict[str, Any]),
]
"""A pydantic class asked for as structured output; on the wire, its name and schema."""

ParsedReply = Annotated[
    Any,
    PlainValidator(_parsed_from_wire),
    PlainSerializer(_parsed_to_wire, return_type=Any),
]
"""An instance of a response format (or None); on the wire, the format's name and fields."""
