"""Named rules that stand for a matrix: ``matrix: "grid"`` instead of numbers.

Each rule says whether it fits a node's variables (a sentence saying why not, else
``None``) and builds the numbers in the notation's orientation (the axes of ``from``, then
``to``), so that ``compile`` treats a rule and a written matrix alike.

Transitions: ``identity`` (the factor stays as it is), ``uniform`` (any next state), and
``grid`` (deterministic moves on a grid of rows x columns; FreeAgentics'
``deterministic_grid_transitions``). Emissions: ``identity`` (the observation is the
state) and ``uniform``. Preference values: ``flat`` (no preference; FreeAgentics'
``information_gain`` and ``exploration_bonus``, since information gain is already part
of the expected free energy).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from itertools import product

from llmgine.gmn._model import Action, State, Transition

TRANSITION_RULES = {"identity", "uniform", "grid"}
EMISSION_RULES = {"identity", "uniform"}
PREFERENCE_RULES = {"flat"}
RULE_ALIASES = {
    "deterministic_grid_transitions": "grid",
    "information_gain": "flat",
    "exploration_bonus": "flat",
}
GRID_MOVES: dict[str, tuple[int, int]] = {
    "up": (-1, 0),
    "down": (1, 0),
    "left": (0, -1),
    "right": (0, 1),
    "stay": (0, 0),
}

Distribution = Callable[[int | None, int | None], list[float]]
"""A rule as a function of (previous state, action) to a distribution over the next."""


def rule_name(name: str) -> str:
    return RULE_ALIASES.get(name, name)


def grid_shape(transition: Transition, state: State) -> tuple[int, int] | None:
    if transition.grid is not None:
        return transition.grid
    side = math.isqrt(max(state.size, 0))
    return (side, side) if side * side == state.size else None


def grid_moves(action: Action) -> list[tuple[int, int]] | None:
    """The move of each action, from its labels or, without labels, by position."""
    labels = action.labels or ("up", "down", "left", "right", "stay")[: action.size]
    if action.size not in (4, 5) or any(label not in GRID_MOVES for label in labels):
        return None
    return [GRID_MOVES[label] for label in labels]


def grid_problem(transition: Transition, state: State, actions: list[Action]) -> str | None:
    shape = grid_shape(transition, state)
    if shape is None:
        return f"grid needs 'grid: [rows, columns]': {state.size} states make no square"
    if shape[0] <= 0 or shape[1] <= 0 or shape[0] * shape[1] != state.size:
        return f"a {shape[0]}x{shape[1]} grid has {shape[0] * shape[1]} cells, not {state.size}"
    if len(actions) != 1 or grid_moves(actions[0]) is None:
        return "grid needs one action of 4 or 5 moves labelled up, down, left, right (, stay)"
    return None


def transition_distribution(
    rule: str, transition: Transition, state: State, actions: list[Action]
) -> Distribution:
    size = state.size
    if rule == "uniform":
        return lambda _s, _a: [1.0 / size] * size
    if rule == "identity":
        return lambda s, _a: _one_hot(size, s or 0)
    rows, columns = grid_shape(transition, state) or (0, 0)
    moves = grid_moves(actions[0]) or []

    def step(s: int | None, a: int | None) -> list[float]:
        row, column = divmod(s or 0, columns)
        d_row, d_column = moves[a or 0]
        row = min(max(row + d_row, 0), rows - 1)
        column = min(max(column + d_column, 0), columns - 1)
        return _one_hot(size, row * columns + column)

    return step


def tabulate(distribution: Distribution, axes: Sequence[tuple[str, int]], own: str) -> list[object]:
    """The tensor over ``axes`` (name, size) plus the next-state axis: the previous state
    is the axis named ``own``, the action any other axis."""
    tensor: list[object] = []
    for index in product(*(range(size) for _, size in axes)):
        previous = next((i for (name, _), i in zip(axes, index, strict=True) if name == own), None)
        action = next((i for (name, _), i in zip(axes, index, strict=True) if name != own), None)
        _place(tensor, index, distribution(previous, action))
    return tensor


def _place(tensor: list[object], index: tuple[int, ...], row: list[float]) -> None:
    for i in index:
        if len(tensor) <= i:
            tensor.append([])
        inner = tensor[i]
        assert isinstance(inner, list)
        tensor = inner
    tensor.extend(row)


def _one_hot(size: int, index: int) -> list[float]:
    return [1.0 if i == index else 0.0 for i in range(size)]


def emission_distribution(rule: str, size: int) -> Distribution:
    if rule == "identity":
        return lambda s, _a: _one_hot(size, s or 0)
    return lambda _s, _a: [1.0 / size] * size


def rule_problem(
    rule: str, transition: Transition | None, axes: Sequence[tuple[str, int]], target_size: int
) -> str | None:
    """Why a known rule does not fit a link's variables, or ``None`` when it does.
    ``transition`` is ``None`` for an emission; ``axes`` are the names and sizes of its
    ``from``."""
    if rule == "uniform":
        return None
    if transition is None:
        if len(axes) != 1 or axes[0][1] != target_size:
            return "identity needs one state in 'from' of the observation's size"
        return None
    if transition.to not in [name for name, _ in axes]:
        return f"{rule} moves from the previous state, so 'from' must list {transition.to!r}"
    return None
