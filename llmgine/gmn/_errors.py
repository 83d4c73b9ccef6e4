"""The errors of the GMN package, and where in a text a node or a field was written.

    ValueError
    └── GMNError
        ├── GMNSyntaxError       the text is not GMN in any form we read (line, column,
        │                        and what was expected there)
        ├── GMNValidationError   ``compile`` was given a model with errors (the report)
        └── GMNTemplateError     a template cannot meet the constraints it was given

A model that breaks the rules is not an exception on its own: ``validate`` lists every
problem in a report. Only ``compile``, which cannot build arrays from it, raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from llmgine.gmn._report import ValidationReport


class Position(NamedTuple):
    """A place in a text: line and column, both counted from 1."""

    line: int
    column: int


@dataclass(frozen=True)
class SourceMap:
    """Where each node, and each field of a node, was written in the text it came from.

    Keys are ``(node name, None)`` for a node's header and ``(node name, text key)`` for a
    field, with the key as the text writes it (``from``, ``matrix``, ``stochastic``).
    """

    places: dict[tuple[str, str | None], Position] = field(default_factory=dict)
    repeats: dict[str, list[Position]] = field(default_factory=dict)
    """Headers of later nodes that reuse a name already taken, by that name."""

    def locate(self, node: str | None, field: str | None = None) -> Position | None:
        """The field's position if it was written, else the node's, else ``None``."""
        if node is None:
            return None
        return self.places.get((node, field)) or self.places.get((node, None))


class GMNError(ValueError):
    """The root of the package's errors."""


class GMNSyntaxError(GMNError):
    """Text that could not be read; ``str()`` reads ``line L, column C: what went wrong``.

    JSON that parses but does not fit the model has no line: its message gives the path
    of the value instead (``states[0].size``).
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}, column {column}: {message}")
        self.message = message
        self.line = line
        self.column = column


class GMNValidationError(GMNError):
    """A model with errors reached ``compile``; ``report`` lists them."""

    def __init__(self, report: ValidationReport) -> None:
        errors = report.errors
        lines = "\n".join(f"  {issue.code} {issue.message}" for issue in errors)
        super().__init__(
            f"the model has {len(errors)} error(s); fix them before compiling:\n{lines}"
        )
        self.report = report


class GMNTemplateError(GMNError):
    """A template was asked for something it cannot build; the message says what fits."""
