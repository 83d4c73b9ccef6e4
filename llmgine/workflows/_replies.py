"""Structured replies: one JSON object, asked for in the prompt and read strictly.

Patterns that need a decision from an agent (a vote, a plan, a route, a score, a next
speaker) ask for one JSON object of a stated form and read it with a pydantic model that
forbids other keys and converts nothing (``"3"`` is not a number, ``"yes"`` not a boolean).
The reply must be that object and nothing else; a single Markdown code fence around it is
allowed. A number somewhere in the prose is not a vote: a reply that does not fit is
``Malformed``, and the pattern records it as such and never counts it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

_FENCE = re.compile(r"```[a-zA-Z]*\s*\n(.*?)\n?\s*```", re.DOTALL)


class StrictReply(BaseModel):
    """The base of every structured reply: no other keys, no conversions."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


R = TypeVar("R", bound=StrictReply)


@dataclass(frozen=True, slots=True)
class Malformed:
    """A reply that is not the object asked for; ``reason`` says what is wrong with it."""

    reason: str


def read_reply(text: str, form: type[R]) -> R | Malformed:
    """``text`` as an instance of ``form``, or why it is not one."""
    body = text.strip()
    fenced = _FENCE.fullmatch(body)
    if fenced is not None:
        body = fenced[1].strip()
    if not body.startswith("{"):
        return Malformed(f"the reply is not a JSON object: {_head(text)!r}")
    try:
        return form.model_validate_json(body)
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in error["loc"])
        return Malformed(f"{where + ': ' if where else ''}{error['msg']}")


def ask_for(form: str) -> str:
    """The closing instruction of a prompt that wants a structured reply of ``form``."""
    return f"Reply with only this JSON object and nothing else:\n{form}"


def roster(descriptions: Mapping[str, str]) -> str:
    """Named choices, one per line with its description, for a prompt that asks to choose."""
    lines = (f"- {name}: {about or '(no description)'}" for name, about in descriptions.items())
    return "\n".join(lines)


def _head(text: str, size: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 3] + "..."
