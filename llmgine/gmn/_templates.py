"""Offline templates: a runnable model per agent type, customised by words in the prompt.

``template(agent_type, prompt, constraints)`` is a pure function. The words it reads are
FreeAgentics' keyword customisations, each made to change the model for real:

- ``RxC`` (``"a 3x4 grid"``): the explorer's grid;
- ``cautious``: every negative preference weighs three times as much;
- ``curious``: every preference weighs a quarter, so information gain leads;
- ``volatile``: the trader's market keeps its trend 40 % of the time instead of 80 %.

Without an agent type, the prompt's words choose one as FreeAgentics' mock does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Literal

from llmgine.gmn._agents import Customisation, coordinator, explorer, general, trader
from llmgine.gmn._context import Constraints
from llmgine.gmn._errors import GMNTemplateError
from llmgine.gmn._model import GMNModel

AgentType = Literal["explorer", "trader", "coordinator", "general"]
AGENT_TYPES: tuple[AgentType, ...] = ("explorer", "trader", "coordinator", "general")

_BUILDERS: dict[AgentType, Callable[[Customisation], GMNModel]] = {
    "explorer": explorer,
    "trader": trader,
    "coordinator": coordinator,
    "general": general,
}
_TYPE_WORDS: list[tuple[AgentType, tuple[str, ...]]] = [
    ("explorer", ("explore", "discover", "search", "grid")),
    ("trader", ("trade", "market", "buy", "sell")),
    ("coordinator", ("coordinat", "team", "manage")),
]
MAX_GRID_CELLS = 400
"""The explorer writes its observation matrix out in full: cells squared numbers."""
_GRID = re.compile(r"(\d+)\s*[x\u00d7]\s*(\d+)")


def agent_type_for(prompt: str) -> AgentType:
    """The agent type a prompt's words point to; ``general`` when none does."""
    words = prompt.lower()
    for agent_type, stems in _TYPE_WORDS:
        if any(stem in words for stem in stems):
            return agent_type
    return "general"


def template(
    agent_type: AgentType | None = None,
    prompt: str = "",
    constraints: Constraints | Mapping[str, int] | None = None,
) -> GMNModel:
    """The offline model for ``agent_type`` (chosen from ``prompt`` if ``None``), with the
    prompt's customisations; raises ``GMNTemplateError`` if the constraints cannot be met."""
    chosen = agent_type or agent_type_for(prompt)
    if chosen not in _BUILDERS:
        raise GMNTemplateError(
            f"unknown agent type {chosen!r}; choose one of {', '.join(AGENT_TYPES)}"
        )
    limits = (
        constraints if isinstance(constraints, Constraints) else Constraints(**(constraints or {}))
    )
    model = _BUILDERS[chosen](_customise(prompt, limits))
    _check_fits(chosen, model, limits)
    return model


def customisations(agent_type: AgentType, prompt: str) -> tuple[str, ...]:
    """The customisation words of ``prompt`` that ``agent_type``'s template reads, as
    written in the table of docs/gmn.md (``3x4 grid``, ``cautious``)."""
    words = prompt.lower()
    found: list[str] = []
    grid = _GRID.search(words)
    if grid is not None and agent_type == "explorer":
        found.append(f"{grid.group(1)}x{grid.group(2)} grid")
    found.extend(word for word in ("cautious", "curious") if word in words)
    if "volatile" in words and agent_type == "trader":
        found.append("volatile")
    return tuple(found)


def _customise(prompt: str, limits: Constraints) -> Customisation:
    words = prompt.lower()
    grid = _GRID.search(words)
    if grid is not None:
        shape = (int(grid.group(1)), int(grid.group(2)))
        if not 1 <= shape[0] * shape[1] <= MAX_GRID_CELLS:
            raise GMNTemplateError(
                f"a {shape[0]}x{shape[1]} grid is out of range: the explorer takes 1 to "
                f"{MAX_GRID_CELLS} cells, e.g. '10x10 grid'"
            )
    else:
        side = min(5, math.isqrt(limits.max_states or 25))
        shape = (side, side)
    return Customisation(
        grid=shape,
        stay=limits.max_actions is None or limits.max_actions >= 5,
        loss_weight=3.0 if "cautious" in words else 1.0,
        goal_weight=0.25 if "curious" in words else 1.0,
        persistence=0.4 if "volatile" in words else 0.8,
    )


def _check_fits(agent_type: AgentType, model: GMNModel, limits: Constraints) -> None:
    bounds = [
        (model.states, limits.max_states, "max_states"),
        (model.actions, limits.max_actions, "max_actions"),
        (model.observations, limits.max_observations, "max_observations"),
    ]
    for group, limit, key in bounds:
        for variable in group:
            if limit is not None and variable.size > limit:
                raise GMNTemplateError(
                    f"the {agent_type} template needs {variable.size} values for "
                    f"{variable.name!r}, above {key}={limit}; raise {key} to {variable.size}"
                    + (
                        " or ask for a smaller grid (e.g. '2x2 grid')"
                        if agent_type == "explorer"
                        else ""
                    )
                )
