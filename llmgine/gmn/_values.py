"""Reading values from tokens, and turning them into the types a field wants.

A value is a number, a double-quoted string, a bare name (``true`` and ``false`` among
them) or a bracketed list of values; lists may span lines and end with a comma. Each value
keeps its first token so that a conversion error points at it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeAlias

from llmgine.gmn._errors import GMNSyntaxError
from llmgine.gmn._lexer import Token, string_value

Plain: TypeAlias = float | int | str | bool | list["Plain"]
"""A value without positions, as JSON would hold it."""

_NUMBER_NAMES = {"inf": math.inf, "nan": math.nan}


@dataclass(frozen=True, slots=True)
class Raw:
    """A value as written: a number, a string, a bare name, or a list of values."""

    kind: str  # "number", "string", "name" or "list"
    value: float | str | list[Raw]
    token: Token

    def fail(self, message: str) -> GMNSyntaxError:
        return GMNSyntaxError(message, self.token.line, self.token.column)


class Cursor:
    """Walks a token list; ``expect`` raises with what was expected and what was found."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self, ahead: int = 0) -> Token:
        if not ahead:  # the hot path: ``take`` never moves past the end token
            return self.tokens[self.index]
        return self.tokens[max(0, min(self.index + ahead, len(self.tokens) - 1))]

    def take(self) -> Token:
        token = self.peek()
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def at(self, text: str) -> bool:
        token = self.tokens[self.index]
        return token.text == text and token.kind in ("punct", "name")

    def expect(self, text: str, why: str) -> Token:
        if not self.at(text):
            raise self.error(f"expected {text!r} {why}")
        return self.take()

    def error(self, message: str) -> GMNSyntaxError:
        token = self.peek()
        return GMNSyntaxError(f"{message}, found {token.describe()}", token.line, token.column)


def read_value(cursor: Cursor) -> Raw:
    token = cursor.peek()
    if token.kind == "number":
        cursor.take()
        return Raw("number", float(token.text), token)
    if token.kind == "string":
        cursor.take()
        return Raw("string", string_value(token), token)
    if token.kind == "name":
        cursor.take()
        return Raw("name", token.text, token)
    if cursor.at("["):
        return _read_list(cursor)
    raise cursor.error('expected a value (a number, a "string", a name or a [list])')


def _read_list(cursor: Cursor) -> Raw:
    opening = cursor.take()
    items: list[Raw] = []
    while not cursor.at("]"):
        _not_closed(cursor, opening)
        items.append(read_value(cursor))
        if cursor.at(","):
            cursor.take()
        elif not cursor.at("]"):
            _not_closed(cursor, opening)
            raise cursor.error("expected ',' or ']' after a list item")
    cursor.take()
    return Raw("list", items, opening)


def _not_closed(cursor: Cursor, opening: Token) -> None:
    """Raise if the list cannot go on: the text or the node ended inside it."""
    if cursor.peek().kind == "end" or cursor.at("}"):
        raise cursor.error(f"expected ']' to close the list opened at line {opening.line}")


def plain(raw: Raw) -> Plain:
    """The value without positions; numbers that are whole stay ``int``."""
    if isinstance(raw.value, list):
        return [plain(item) for item in raw.value]
    if raw.kind == "name" and raw.value in ("true", "false"):
        return raw.value == "true"
    if isinstance(raw.value, float) and raw.value.is_integer() and "." not in raw.token.text:
        return int(raw.value)
    return raw.value


def as_string(raw: Raw, key: str) -> str:
    if raw.kind not in ("string", "name"):
        raise raw.fail(f'expected a "string" for {key!r}')
    assert isinstance(raw.value, str)
    return raw.value


def as_name(raw: Raw, key: str) -> str:
    if raw.kind != "name":
        raise raw.fail(f"expected a node name for {key!r}")
    assert isinstance(raw.value, str)
    return raw.value


def as_names(raw: Raw, key: str) -> tuple[str, ...]:
    """One name, or a list of names."""
    if isinstance(raw.value, list):
        return tuple(as_name(item, key) for item in raw.value)
    return (as_name(raw, key),)


def as_labels(raw: Raw, key: str) -> tuple[str, ...]:
    if not isinstance(raw.value, list):
        raise raw.fail(f"expected a [list] of labels for {key!r}")
    return tuple(as_string(item, key) for item in raw.value)


def as_number(raw: Raw, key: str) -> float:
    if raw.kind == "name" and raw.value in _NUMBER_NAMES:
        return _NUMBER_NAMES[str(raw.value)]
    if raw.kind != "number":
        raise raw.fail(f"expected a number in {key!r}")
    assert isinstance(raw.value, float)
    return raw.value


def as_int(raw: Raw, key: str) -> int:
    if raw.kind != "number" or "." in raw.token.text or "e" in raw.token.text.lower():
        raise raw.fail(f"expected a whole number for {key!r}")
    return int(raw.token.text)


def as_numbers(raw: Raw, key: str) -> tuple[float, ...]:
    if not isinstance(raw.value, list):
        raise raw.fail(f"expected a [list] of numbers for {key!r}")
    return tuple(as_number(item, key) for item in raw.value)


def as_tensor(raw: Raw, key: str) -> list[object]:
    """Nested lists of numbers, of any depth and not necessarily regular."""
    if not isinstance(raw.value, list):
        raise raw.fail(f'expected a [list] of numbers or a "rule name" for {key!r}')
    return [
        as_tensor(item, key) if isinstance(item.value, list) else as_number(item, key)
        for item in raw.value
    ]


def as_bool(raw: Raw, key: str) -> bool:
    if raw.kind != "name" or raw.value not in ("true", "false"):
        raise raw.fail(f"expected true or false for {key!r}")
    return raw.value == "true"
