"""Errors of the message layer.

    CodecError (ValueError)   a message could not be carried as JSON
    ├── EncodeError           it cannot be written faithfully (the message names the field)
    └── DecodeError           a line or payload cannot be read back into a message
    CommandFailedError        ``CommandResult.unwrap()`` on a failed result

A field type the codec can never carry (``bytes``, a class, a secret) is refused earlier,
with a ``TypeError`` at the class statement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmgine.messages._failure import Failure


class CodecError(ValueError):
    """A message could not be carried as JSON."""


class EncodeError(CodecError):
    """A message holds a value that the codec cannot write so that it reads back the same."""


class DecodeError(CodecError):
    """A line or payload could not be turned back into a message of a known class."""


class CommandFailedError(Exception):
    """Raised by ``CommandResult.unwrap()`` when the command failed; ``failure`` says why."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.describe())
        self.failure = failure
