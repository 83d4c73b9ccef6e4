"""The GMN model: one generative model of active inference, as plain data.

A model is a POMDP written as named nodes. Variables (state factors, observation modalities,
actions) have a size and optional labels; the arrays that link them (transitions, emissions,
preferences, initial priors) name the variables they are about. The model holds what the
author wrote, right or wrong: sizes may be zero, matrices ragged, names undefined. Deciding
whether it makes sense is ``validate``'s job, so that every mistake is reported with a code
instead of the first one stopping a constructor.

Matrices are written the way FreeAgentics' text writes them: one axis per name in ``from``,
in that order, then the axis of ``to`` last, so each innermost row is a distribution over
``to``. ``compile`` turns them into pymdp's orientation.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypeAliasType

Tensor = TypeAliasType("Tensor", "list[float | Tensor]")
"""A matrix of any number of axes as nested lists; the innermost lists hold numbers."""

VariableType = Literal["discrete", "continuous"]
Dynamics = Literal["stochastic", "deterministic"]


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: str
    description: str | None = None


class _Variable(_Node):
    size: int
    type: VariableType = "discrete"
    labels: tuple[str, ...] | None = None


class State(_Variable):
    """A hidden-state factor; ``initial`` is its prior at the first step (pymdp's D)."""

    initial: tuple[float, ...] | None = None


class Observation(_Variable):
    """An observation modality: what the agent senses."""


class Action(_Variable):
    """A control factor: the choices the agent has."""


class Transition(_Node):
    """How state factor ``to`` moves (pymdp's B), given the states and actions in ``from``.

    ``matrix`` is either numbers (axes: each name of ``from``, then ``to``) or the name of a
    rule such as ``"grid"`` that builds them; ``grid`` gives the rows and columns the grid
    rule walks on.
    """

    from_: tuple[str, ...] = Field(default=(), alias="from")
    to: str
    matrix: Tensor | str | None = None
    dynamics: Dynamics | None = None
    grid: tuple[int, int] | None = None


class Emission(_Node):
    """How observation ``to`` arises from the states in ``from`` (pymdp's A)."""

    from_: tuple[str, ...] = Field(default=(), alias="from")
    to: str
    matrix: Tensor | str | None = None
    dynamics: Dynamics | None = None


class Preference(_Node):
    """What the agent prefers (pymdp's C): relative log-preferences over one observation,
    or over one state factor, read through that factor's emission (see ``compile``)."""

    observation: str | None = None
    state: str | None = None
    values: tuple[float, ...] | str | None = None


class LLMQuery(_Node):
    """A point where the agent asks a language model: when (``trigger``), with which
    nodes as context, and which nodes the answer may update. It has no array."""

    prompt: str = ""
    trigger: str = "on_observation"
    context: tuple[str, ...] = ()
    updates: tuple[str, ...] = ()
    response_format: str = "json"


NodeKind = Literal[
    "state", "observation", "action", "transition", "emission", "preference", "llm_query"
]
Node = State | Observation | Action | Transition | Emission | Preference | LLMQuery


class GMNModel(BaseModel):
    """A whole model. Its collections keep the order they were written in within a kind."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    states: tuple[State, ...] = ()
    observations: tuple[Observation, ...] = ()
    actions: tuple[Action, ...] = ()
    transitions: tuple[Transition, ...] = ()
    emissions: tuple[Emission, ...] = ()
    preferences: tuple[Preference, ...] = ()
    llm_queries: tuple[LLMQuery, ...] = ()

    def nodes(self) -> list[tuple[NodeKind, Node]]:
        """Every node with its kind, in the order the text form writes them."""
        kinds: list[tuple[NodeKind, tuple[Node, ...]]] = [
            ("state", self.states),
            ("observation", self.observations),
            ("action", self.actions),
            ("transition", self.transitions),
            ("emission", self.emissions),
            ("preference", self.preferences),
            ("llm_query", self.llm_queries),
        ]
        return [(kind, node) for kind, group in kinds for node in group]

    def variables(self) -> list[State | Observation | Action]:
        """The states, observations and actions, in that order."""
        return [*self.states, *self.observations, *self.actions]

    def links(self) -> list[Transition | Emission]:
        """The transitions, then the emissions."""
        return [*self.transitions, *self.emissions]
