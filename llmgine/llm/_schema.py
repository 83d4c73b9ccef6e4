"""JSON schemas in the strict form that structured-output APIs accept.

OpenAI's strict mode (and Anthropic's JSON-schema output) want every object closed
(``additionalProperties: false``) with every property listed as required; optional fields
stay optional by allowing ``null``. Mappings (``dict[str, X]``) keep their value schema.
``strict_json_schema`` rewrites a pydantic schema that way.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema, closed and fully required, ready for a strict API."""
    schema = copy.deepcopy(model.model_json_schema())
    _close(schema)
    return schema


_SCHEMA_MAPS = ("properties", "$defs", "definitions")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_VALUES = ("items", "additionalProperties", "not")


def _close(node: Any) -> None:
    if not isinstance(node, dict):
        return
    allof = node.get("allOf")
    if isinstance(allof, list) and len(allof) == 1 and len(node) > 1:
        node.update(node.pop("allOf")[0])
    is_object = node.get("type") == "object" or "properties" in node
    if is_object and not isinstance(node.get("additionalProperties"), dict):
        node.setdefault("properties", {})
        node["additionalProperties"] = False
        node["required"] = list(node["properties"])
    if "default" in node and node["default"] is None:
        del node["default"]
    for key in _SCHEMA_MAPS:
        for child in (node.get(key) or {}).values():
            _close(child)
    for key in _SCHEMA_LISTS:
        for child in node.get(key) or ():
            _close(child)
    for key in _SCHEMA_VALUES:
        _close(node.get(key))
