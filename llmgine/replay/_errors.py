"""What a replay raises when the code under replay asks for something the log never saw.

    ReplayMissError        a model request with no recorded answer (an ``InvalidRequestError``:
                           the recording refuses the request as it stands, and a model call
                           that fails this way fails its turn, closed)
    ToolReplayMissError    a tool call with no recorded result

Both say where the request parts from the nearest recording, so the fix is in sight.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from llmgine.llm import InvalidRequestError


@dataclass(frozen=True)
class Miss:
    """One request a replay could not answer: a model call or a tool call, and why."""

    kind: Literal["model", "tool"]
    description: str
    path: str | None = None
    """The first field that differs from the nearest recording (``messages[0].content``);
    ``None`` when nothing similar was recorded, or every recorded answer was used."""


class ReplayMissError(InvalidRequestError):
    """A model request the recording has no answer for; ``miss.path`` names the field."""

    def __init__(self, miss: Miss, *, provider: str, model: str) -> None:
        super().__init__(miss.description, provider=provider, model=model)
        self.miss = miss


class ToolReplayMissError(LookupError):
    """A tool call the recording has no result for."""

    def __init__(self, miss: Miss) -> None:
        super().__init__(miss.description)
        self.miss = miss
