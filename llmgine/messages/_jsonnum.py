"""Parsing JSON with integers of any size kept exact.

orjson reads an integer past 64 bits as a float, and the interpreter refuses to convert a
string of more than 4,300 digits to an int (a guard against slow conversions). A line with
a long integer literal is therefore parsed by the standard library, with integers of more
than 4,000 digits built from chunks below that limit.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_LONG_INT = re.compile(rb"[-:\[,]\s*-?\d{19,}")
"""An integer literal that may not fit in 64 bits."""
_CHUNK = 4000


def loads_exact(data: bytes | bytearray | memoryview | str) -> Any:
    """Parse JSON; raises ``ValueError`` (``orjson.JSONDecodeError`` included) when invalid."""
    raw = data.encode() if isinstance(data, str) else bytes(data)
    if _LONG_INT.search(raw):
        return json.loads(raw, parse_int=_exact_int)
    return orjson.loads(raw)


def _exact_int(text: str) -> int:
    if len(text) <= _CHUNK:
        return int(text)
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    value = 0
    for start in range(0, len(digits), _CHUNK):
        chunk = digits[start : start + _CHUNK]
        value = value * 10 ** len(chunk) + int(chunk)
    return -value if negative else value
