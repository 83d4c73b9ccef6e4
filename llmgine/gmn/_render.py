"""Writing a model in the node-block text form that ``parse`` reads back unchanged.

Nodes come in a fixed order of kinds (states, observations, actions, transitions,
emissions, preferences, LLM queries), one field a line, keys in the order of the field
table. Matrices of two or more axes put each innermost row on its own line, aligned under
the first, as FreeAgentics' examples do. Numbers are written with ``repr`` so that every
float reads back to the same value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from llmgine.gmn._fields import FIELDS, KIND_OF
from llmgine.gmn._model import GMNModel, Node

_INDENT = "    "
_ALWAYS_WRITTEN = {"type"}
"""Fields written even at their default: FreeAgentics' variables always say their type."""


def render(model: GMNModel) -> str:
    """``model`` as GMN text; ``parse(render(model)) == model``."""
    return "\n".join(_node(node) for _, node in model.nodes())


def _node(node: Node) -> str:
    kind = KIND_OF[type(node)]
    lines = [f"node {kind} {node.name} {{"]
    defaults = type(node).model_fields
    for key, (field, _) in FIELDS[kind].items():
        value = getattr(node, field)
        if field not in _ALWAYS_WRITTEN and value == defaults[field].default:
            continue
        prefix = f"{_INDENT}{key}: "
        lines.append(prefix + _value(field, value, len(prefix)))
    dynamics = getattr(node, "dynamics", None)
    if dynamics is not None:
        lines.append(f"{_INDENT}{dynamics}: true")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _value(field: str, value: object, column: int) -> str:
    if isinstance(value, int):
        return str(value)
    if field == "grid":
        assert isinstance(value, tuple)
        return f"[{value[0]}, {value[1]}]"
    if isinstance(value, str):
        return value if field in ("to", "observation", "state", "type") else _string(value)
    if field in ("from_", "context", "updates"):
        assert isinstance(value, tuple)
        names = [str(name) for name in value]
        return names[0] if len(names) == 1 and field == "from_" else f"[{', '.join(names)}]"
    if field == "labels":
        assert isinstance(value, tuple)
        return "[" + ", ".join(_string(str(label)) for label in value) + "]"
    assert isinstance(value, Sequence)
    return _nested(value, column)


def _nested(value: Sequence[object], column: int) -> str:
    if not any(isinstance(item, list) for item in value):
        return "[" + ", ".join(_number(item) for item in value) + "]"
    gap = ",\n" + " " * (column + 1)
    parts = [
        _nested(item, column + 1) if isinstance(item, list) else _number(item) for item in value
    ]
    return "[" + gap.join(parts) + "]"


def _number(value: object) -> str:
    assert isinstance(value, int | float)
    return repr(float(value))


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)
