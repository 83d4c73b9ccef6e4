"""Splitting GMN text into tokens, each with the line and column it starts at.

Both text forms (node blocks and ``[nodes]``/``[edges]`` sections) share these tokens:
names, numbers, double-quoted strings with JSON escapes, the punctuation ``{ } [ ] : , ->``,
and ``#`` comments to the end of the line, which are dropped. Newlines are not tokens: a
node's fields may share a line or spread over several.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

from llmgine.gmn._errors import GMNSyntaxError

TokenKind = Literal["name", "number", "string", "punct", "end"]

_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r\f\v]+|\#[^\n]*)
    |(?P<newline>\n)
    |(?P<number>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![A-Za-z_])|[-+]inf\b)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<string>"(?:[^"\\\n]|\\.)*")
    |(?P<punct>->|[{}\[\]:,])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str
    line: int
    column: int

    def describe(self) -> str:
        """How an error message names this token."""
        if self.kind == "end":
            return "the end of the text"
        return repr(self.text) if self.kind != "string" else f"the string {self.text}"


def tokenize(text: str, *, first_line: int = 1) -> list[Token]:
    """The tokens of ``text``, ending with an ``end`` token; raises ``GMNSyntaxError`` at
    the first character that starts no token."""
    tokens: list[Token] = []
    line, line_start, pos = first_line, 0, 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        column = pos - line_start + 1
        if match is None:
            raise GMNSyntaxError(_unexpected(text, pos), line, column)
        kind = match.lastgroup
        if kind == "newline":
            line, line_start = line + 1, match.end()
        elif kind in ("number", "name", "string", "punct"):
            tokens.append(Token(kind, match.group(), line, column))  # type: ignore[arg-type]
        pos = match.end()
    tokens.append(Token("end", "", line, pos - line_start + 1))
    return tokens


def string_value(token: Token) -> str:
    """The text a string token stands for, its escapes resolved."""
    try:
        value = json.loads(token.text)
    except json.JSONDecodeError as exc:
        raise GMNSyntaxError(
            f'bad escape in string {token.text}: use \\\\, \\", \\n, \\t or \\uXXXX',
            token.line,
            token.column,
        ) from exc
    assert isinstance(value, str)
    return value


def _unexpected(text: str, pos: int) -> str:
    char = text[pos]
    if char == '"':
        return "a string that does not end on its line: close it with '\"'"
    return f"unexpected character {char!r}; names, numbers, strings and {{ }} [ ] : , are GMN"
