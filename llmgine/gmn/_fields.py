"""Which keys each node type of the text form takes, and how each becomes a model field.

The text keys are FreeAgentics' (``from``, ``to``, ``matrix``, ``stochastic``, ...); the
model's field names follow Python (``from_``, ``dynamics``). One table serves the parser,
which converts, and the renderer, which writes the same keys back.
"""

from __future__ import annotations

from collections.abc import Callable

from llmgine.gmn._model import (
    Action,
    Emission,
    LLMQuery,
    Node,
    NodeKind,
    Observation,
    Preference,
    State,
    Transition,
)
from llmgine.gmn._values import (
    Raw,
    as_int,
    as_labels,
    as_name,
    as_names,
    as_numbers,
    as_string,
    as_tensor,
)

Convert = Callable[[Raw, str], object]

NODE_CLASSES: dict[NodeKind, type[Node]] = {
    "state": State,
    "observation": Observation,
    "action": Action,
    "transition": Transition,
    "emission": Emission,
    "preference": Preference,
    "llm_query": LLMQuery,
}
KIND_OF: dict[type[Node], NodeKind] = {cls: kind for kind, cls in NODE_CLASSES.items()}

NODE_TYPE_ALIASES: dict[str, NodeKind] = {"likelihood": "emission"}
"""Other words for a node type that the parser accepts and the renderer never writes."""


def _variable_type(raw: Raw, key: str) -> str:
    value = as_string(raw, key)
    if value not in ("discrete", "continuous"):
        raise raw.fail(f"expected discrete or continuous for {key!r}")
    return value


def _one_target(raw: Raw, key: str) -> str:
    if isinstance(raw.value, list):
        raise raw.fail(f"{key!r} names one node; write one node per target instead of a list")
    return as_name(raw, key)


def _matrix(raw: Raw, key: str) -> object:
    return as_string(raw, key) if raw.kind == "string" else as_tensor(raw, key)


def _values(raw: Raw, key: str) -> object:
    return as_string(raw, key) if raw.kind == "string" else as_numbers(raw, key)


def _grid(raw: Raw, key: str) -> tuple[int, int]:
    if not isinstance(raw.value, list) or len(raw.value) != 2:
        raise raw.fail(f"expected [rows, columns] for {key!r}")
    return (as_int(raw.value[0], key), as_int(raw.value[1], key))


_VARIABLE: dict[str, tuple[str, Convert]] = {
    "type": ("type", _variable_type),
    "size": ("size", as_int),
    "labels": ("labels", as_labels),
    "description": ("description", as_string),
}
_LINK: dict[str, tuple[str, Convert]] = {
    "from": ("from_", as_names),
    "to": ("to", _one_target),
    "matrix": ("matrix", _matrix),
    "description": ("description", as_string),
}

FIELDS: dict[NodeKind, dict[str, tuple[str, Convert]]] = {
    "state": {**_VARIABLE, "initial": ("initial", as_numbers)},
    "observation": _VARIABLE,
    "action": _VARIABLE,
    "transition": {**_LINK, "grid": ("grid", _grid)},
    "emission": _LINK,
    "preference": {
        "observation": ("observation", as_name),
        "state": ("state", as_name),
        "values": ("values", _values),
        "description": ("description", as_string),
    },
    "llm_query": {
        "prompt": ("prompt", as_string),
        "trigger": ("trigger", as_string),
        "context": ("context", as_names),
        "updates": ("updates", as_names),
        "response_format": ("response_format", as_string),
        "description": ("description", as_string),
    },
}
"""Text key -> (model field, converter), per node type, in the order ``render`` writes."""

DYNAMICS_KEYS = ("stochastic", "deterministic")
"""Flags of transitions and emissions that become the one field ``dynamics``."""


def keys_of(kind: NodeKind) -> list[str]:
    """Every key a node of this type accepts, for error messages."""
    extra = list(DYNAMICS_KEYS) if kind in ("transition", "emission") else []
    return [*FIELDS[kind], *extra]
