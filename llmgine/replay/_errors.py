"""What a replay raises when the code under replay asks for something the log never saw.

    ReplayMissError        a model request with no recorded answer: the model call's handler
                           fails, and so does its turn (closed; nothing is sent anywhere)
    ToolReplayMissError    a tool call with no recorded result

Neither is an ``LLMError``: no provider failed, the code under replay changed. Both say
where the request parts from the nearest recording, so the fix is in sight.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Miss:
    """One request a replay could not answer: a model call or a tool call, and why."""

    kind: Literal["model", "tool"]
    description: str
    path: str | None = None
    """The first field that differs from the nearest recording (``messages[0].content``);
    ``None`` when nothing similar was recorded, or every recorded answer was used."""


class ReplayMissError(LookupError):
    """A model request the recording has no answer for; ``miss.path`` names the field."""

    def __init__(self, miss: Miss, *, provider: str, model: str) -> None:
        super().__init__(miss.description)
        self.miss = miss
        self.model_name = f"{provider}:{model}"


class ToolReplayMissError(LookupError):
    """A tool call the recording has no result for."""

    def __init__(self, miss: Miss) -> None:
        super().__init__(miss.description)
        self.miss = miss
