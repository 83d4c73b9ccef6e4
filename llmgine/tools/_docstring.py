"""What a tool's docstring tells the model: a description, and one line per parameter.

The docstring is parsed with ``docstring_parser`` in its auto mode, so Google (``Args:``),
NumPy (``Parameters`` + dashes) and reST (``:param x:``) styles all work. The tool's
description is the docstring's summary and body only: the parameter section goes into the
JSON schema, next to each parameter, where models look for it.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

import docstring_parser


@dataclass(frozen=True, slots=True)
class DocstringParts:
    description: str = ""
    parameters: dict[str, str] = field(default_factory=dict)
    """Parameter name to its description, for parameters the docstring describes."""


def read_docstring(func: object) -> DocstringParts:
    """The description and parameter descriptions in ``func``'s docstring (empty if none)."""
    text = inspect.getdoc(func)
    if not text:
        return DocstringParts()
    parsed = docstring_parser.parse(text)
    summary = [part for part in (parsed.short_description, parsed.long_description) if part]
    parameters = {
        param.arg_name: param.description.strip()
        for param in parsed.params
        if param.description and param.description.strip()
    }
    return DocstringParts("\n\n".join(summary).strip(), parameters)
