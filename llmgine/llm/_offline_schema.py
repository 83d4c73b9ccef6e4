"""Placeholder instances of a JSON schema, for the offline stand-in's structured output.

``placeholder_instance(schema)`` builds the plainest value that fits a pydantic-generated
schema: the field's default when it has one, otherwise ``"offline stand-in"`` for strings,
the smallest allowed number (``0`` when allowed), ``false``, an empty list (or as many items
as ``minItems`` asks), the first enum value, and nested objects built the same way. The
values are placeholders, never an answer. Patterns and custom validators are not satisfied;
a schema that needs them makes structured output fail with ``StructuredOutputError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PLACEHOLDER_TEXT = "offline stand-in"
_FORMATS = {
    "date-time": "2000-01-01T00:00:00Z",
    "date": "2000-01-01",
    "time": "00:00:00",
    "duration": "P0D",
    "email": "offline@example.com",
    "uri": "https://example.com/",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
}
_MAX_DEPTH = 12  # recursive models stop here rather than recursing for ever


def placeholder_instance(schema: Mapping[str, Any]) -> Any:
    """A JSON value that validates against ``schema`` in the common cases (see module doc)."""
    return _value(schema, schema, 0)


def _value(node: Mapping[str, Any], root: Mapping[str, Any], depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return None
    if "$ref" in node:
        return _value(_resolve(node["$ref"], root), root, depth + 1)
    if "default" in node:
        return node["default"]
    if "const" in node:
        return node["const"]
    if node.get("enum"):
        return node["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = node.get(key)
        if options:
            # Prefer a real value to null, so Optional fields show their shape.
            chosen = next((o for o in options if o.get("type") != "null"), options[0])
            return _value(chosen, root, depth + 1)
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    return _typed(kind, node, root, depth)


def _typed(kind: Any, node: Mapping[str, Any], root: Mapping[str, Any], depth: int) -> Any:
    if kind == "object" or "properties" in node:
        properties: Mapping[str, Any] = node.get("properties") or {}
        return {name: _value(spec, root, depth + 1) for name, spec in properties.items()}
    if kind == "array":
        prefix = [_value(item, root, depth + 1) for item in node.get("prefixItems") or ()]
        if prefix:
            return prefix
        count = int(node.get("minItems", 0))
        return [_value(node.get("items") or {}, root, depth + 1) for _ in range(count)]
    if kind in ("integer", "number"):
        return _number(node, integer=kind == "integer")
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return _string(node)


def _number(node: Mapping[str, Any], *, integer: bool) -> int | float:
    step = 1 if integer else 0.5
    low = node.get("minimum")
    if "exclusiveMinimum" in node:
        low = node["exclusiveMinimum"] + step
    high = node.get("maximum")
    if "exclusiveMaximum" in node:
        high = node["exclusiveMaximum"] - step
    value: int | float = 0
    if low is not None and value < low:
        value = low
    elif high is not None and value > high:
        value = high
    return int(value) if integer else float(value)


def _string(node: Mapping[str, Any]) -> str:
    text = _FORMATS.get(str(node.get("format")), PLACEHOLDER_TEXT)
    minimum = int(node.get("minLength", 0))
    if len(text) < minimum:
        text = text.ljust(minimum, ".")
    maximum = node.get("maxLength")
    return text[: int(maximum)] if maximum is not None else text


def _resolve(reference: str, root: Mapping[str, Any]) -> Mapping[str, Any]:
    node: Any = root
    for part in reference.removeprefix("#/").split("/"):
        node = node[part]
    if not isinstance(node, Mapping):
        raise ValueError(f"JSON schema reference {reference!r} does not point at a schema")
    return node
