"""The events of the GMN generator: one per step, one per repair round.

For ``GenerateGMNCommand`` asking a model, in order (each one's ``parent_id`` is the
command's id; the model calls and validations are commands of their own under it, with
their own events beneath them):

    GMNGenerationStartedEvent     what is asked, of which model, with how many repairs allowed
    CallLLMCommand ...            the engine's model call (and its events)
    GMNDraftReceivedEvent         round 0: the spec taken out of the answer
    ValidateGMNCommand
      GMNValidatedEvent           the codes of its errors and warnings
    GMNRepairRequestedEvent       round 1: the errors sent back to the model
    CallLLMCommand ...            ... and so on, until a draft is valid or the rounds run out
    GMNGeneratedEvent             valid or not, rounds used

Offline, ``GMNTemplateUsedEvent`` takes the place of the model calls and drafts.
``RefineGMNCommand`` publishes ``GMNRefinementStartedEvent`` and ``GMNRefinedEvent``
around the same rounds. These names are part of the log format: keep them.
"""

from __future__ import annotations

from pydantic import BaseModel

from llmgine.gmn._commands import Source
from llmgine.gmn._templates import AgentType
from llmgine.messages import Event


class GMNGenerationStartedEvent(Event):
    prompt: str
    agent_type: AgentType
    model: str
    offline: bool
    """No language model is available: the result is a template."""
    max_repair_rounds: int


class GMNRefinementStartedEvent(Event):
    feedback: str
    model: str
    offline: bool
    max_repair_rounds: int


class GMNTemplateUsedEvent(Event):
    agent_type: AgentType
    customisations: tuple[str, ...]
    """The words of the prompt that changed the template (``cautious``, ``3x4 grid``)."""


class GMNDraftReceivedEvent(Event):
    round: int
    """0 for the first answer, then the number of the repair round it answers."""
    spec: str
    fenced: bool
    """Whether the answer held the spec in a fenced block (else the whole answer was used)."""


class GMNValidatedEvent(Event):
    valid: bool
    errors: tuple[str, ...]
    """The codes of the errors found, in order (``E203``)."""
    warnings: tuple[str, ...]


class GMNRepairRequestedEvent(Event):
    round: int
    """The repair round this starts, from 1."""
    errors: tuple[str, ...]
    """The errors as the model was shown them, one line each."""


class _Outcome(BaseModel):
    # A plain model, not an event: an event class would join the registry of wire names.
    valid: bool
    rounds: int
    source: Source
    model: str
    """The model that wrote the spec (``provider:model``), or the offline one asked."""
    errors: int
    warnings: int


class GMNGeneratedEvent(Event, _Outcome):
    """A generation ended: whether its spec is valid, after how many repair rounds."""


class GMNRefinedEvent(Event, _Outcome):
    """A refinement ended: whether its spec is valid, after how many repair rounds."""
