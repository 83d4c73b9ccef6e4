"""The JSON form of a model: the same fields as the text form, with the text's keys.

``{"states": [{"name": "pos", "size": 3, "type": "discrete"}], "transitions": [{"name":
"T", "from": ["pos", "move"], "to": "pos", "matrix": [...]}], ...}``. Fields at their
default are left out; ``from_json(to_json(model)) == model``.
"""

from __future__ import annotations

import json

from pydantic import ValidationError

from llmgine.gmn._errors import GMNSyntaxError
from llmgine.gmn._model import GMNModel


def to_json(model: GMNModel, *, indent: int | None = 2) -> str:
    """``model`` as a JSON document."""
    # Python mode keeps infinities as numbers (JSON mode would write null), so that even a
    # model with bad numbers reads back the same and validation can point at them.
    data = model.model_dump(by_alias=True, exclude_defaults=True)
    return json.dumps(data, indent=indent, ensure_ascii=False)


def from_json(text: str) -> GMNModel:
    """The model in a JSON document written by ``to_json`` (or by hand, or by a model)."""
    return from_data(decode(text))


def decode(text: str) -> object:
    """JSON text as data; a ``GMNSyntaxError`` with the line and column where it is not."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise GMNSyntaxError(f"not JSON: {exc.msg}", exc.lineno, exc.colno) from exc


def from_data(data: object) -> GMNModel:
    """The model in already-decoded JSON data."""
    try:
        return GMNModel.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = _path(first["loc"])
        raise GMNSyntaxError(
            f"{path}: {first['msg']} ({exc.error_count()} problem(s) in all); "
            "the JSON form takes the keys of the text form, see docs/gmn.md"
        ) from exc


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + str(part)
    return text or "the document"
