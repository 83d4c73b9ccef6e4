"""The commands of the GMN generator, and what generating or refining returns.

    GenerateGMNCommand   a description in words -> a ``GMNResult``
    RefineGMNCommand     a spec and feedback    -> a ``GMNResult``
    ValidateGMNCommand   a spec                 -> a ``ValidationReport``

``GMNResult.valid`` says whether the last spec passed validation; a spec that is still
invalid after the last repair round is a successful command with ``valid=False`` and the
errors, not a failure: the model answered, and the caller decides what to do with it. A
command fails only when no spec could be had at all (a model call that failed, no handler
for model calls). These names are part of the log format: keep them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from llmgine.gmn._load import Document, load
from llmgine.gmn._report import Issue, ValidationReport
from llmgine.gmn._templates import AgentType
from llmgine.gmn._validate import DEFAULT_TOLERANCE
from llmgine.messages import Command

Text = Annotated[str, Field(min_length=1)]
"""Text with something in it, kept as given (a spec's line numbers must not move)."""

Source = Literal["model", "template", "unchanged"]
"""Where a result's spec came from: a language model; an offline template (no model was
available); or the caller, unchanged (refinement with no model to apply the feedback)."""


class GMNResult(BaseModel):
    """A generated or refined spec, and what validation says of it.

    ``spec`` is the text as the model wrote it (the lines of ``errors`` and ``warnings``
    refer to it), or the rendered template. ``rounds`` counts the repair rounds used: 0
    when the first answer was valid. ``model`` names the model that wrote the last
    answer (``provider:model``); for a template, the offline model that was asked.
    """

    model_config = ConfigDict(frozen=True)

    spec: str
    valid: bool
    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()
    rounds: int = 0
    source: Source = "model"
    model: str
    agent_type: AgentType
    note: str = ""
    """Why the result is not a model's answer, when it is not (offline, unchanged)."""

    def document(self) -> Document:
        """The spec read as a model; raises ``GMNSyntaxError`` when it cannot be read."""
        return load(self.spec)


class _ModelOptions(BaseModel):
    """What generating and refining share: the model, limits and hints to use. (A plain
    model, not a command: a command class would join the registry of wire names.)"""

    agent_type: AgentType | None = None
    """``explorer``, ``trader``, ``coordinator`` or ``general``; ``None``: chosen from the
    words of the prompt (generation) or ``general`` (refinement)."""
    constraints: dict[str, JsonValue] = Field(default_factory=dict)
    """``max_states``, ``max_actions``, ``max_observations`` are checked; every key is also
    shown to the model as a hint."""
    model: str | None = None
    """``provider:model``; ``None``: the generator's."""
    max_repair_rounds: int | None = Field(default=None, ge=0)
    """``None``: the generator's."""


class GenerateGMNCommand(Command[GMNResult], _ModelOptions):
    """Write a GMN spec for the agent ``prompt`` describes."""

    prompt: Text
    examples: tuple[str, ...] = ()
    """Specs to show the model as examples of the notation."""


class RefineGMNCommand(Command[GMNResult], _ModelOptions):
    """Change ``spec`` as ``feedback`` asks, keeping what it does not mention."""

    spec: Text
    feedback: Text


class ValidateGMNCommand(Command[ValidationReport]):
    """Check ``spec`` (any form ``load`` reads) in code; see ``validate``."""

    spec: str
    constraints: dict[str, JsonValue] = Field(default_factory=dict)
    tolerance: float = Field(default=DEFAULT_TOLERANCE, gt=0)
