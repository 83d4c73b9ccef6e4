"""The four offline agents: explorer, trader, coordinator, general.

Each builder takes the customisations already read from the prompt and returns a model
whose matrices match its sizes, with a description on every node, an initial prior for
every state factor and a preference, so that it validates without a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmgine.gmn._model import (
    Action,
    Emission,
    GMNModel,
    Observation,
    Preference,
    State,
    Transition,
)


@dataclass(frozen=True)
class Customisation:
    """What the prompt asked for, as numbers the builders use."""

    grid: tuple[int, int] = (5, 5)
    stay: bool = True
    loss_weight: float = 1.0
    """Multiplies every negative preference: 3 when cautious."""
    goal_weight: float = 1.0
    """Multiplies every preference: 0.25 when curious, so information gain weighs more."""
    persistence: float = 0.8
    """How likely the market keeps its trend from one step to the next (0.4 when volatile)."""


def _noisy(size: int, accuracy: float) -> list[list[float]]:
    """Rows that give the right value with ``accuracy`` and spread the rest evenly."""
    if size == 1:
        return [[1.0]]
    # Four significant digits keep the text readable; rows stay within the validation
    # tolerance of 1, and compile rescales them exactly.
    miss = float(f"{(1.0 - accuracy) / (size - 1):.4g}")
    return [[accuracy if i == j else miss for j in range(size)] for i in range(size)]


def _prefer(values: list[float], custom: Customisation) -> tuple[float, ...]:
    weighted = [v * custom.loss_weight if v < 0 else v for v in values]
    return tuple(round(v * custom.goal_weight, 6) for v in weighted)


def _one_hot(size: int, index: int) -> tuple[float, ...]:
    return tuple(1.0 if i == index else 0.0 for i in range(size))


def explorer(custom: Customisation) -> GMNModel:
    rows, columns = custom.grid
    cells = rows * columns
    moves = ("up", "down", "left", "right", "stay")[: 5 if custom.stay else 4]
    goal, hazard = cells - 1, (rows // 2) * columns + columns // 2
    values = [0.0] * cells
    values[goal] = 3.0
    aim = "Reach the far corner"
    if hazard not in (0, goal):
        values[hazard] = -3.0
        aim += "; avoid the pit in the middle"
    return GMNModel(
        states=(
            State(
                name="position",
                size=cells,
                labels=tuple(f"r{r}c{c}" for r in range(rows) for c in range(columns)),
                description=f"Cell of a {rows}x{columns} grid, row by row",
                initial=_one_hot(cells, 0),
            ),
        ),
        observations=(
            Observation(name="location", size=cells, description="A noisy reading of the cell"),
        ),
        actions=(Action(name="move", size=len(moves), labels=moves, description="One step"),),
        transitions=(
            Transition(
                name="T_position",
                from_=("position", "move"),
                to="position",
                matrix="grid",
                grid=(rows, columns),
                dynamics="deterministic",
                description="Moves one cell; a move into the wall stays put",
            ),
        ),
        emissions=(
            Emission(
                name="E_location",
                from_=("position",),
                to="location",
                matrix=list(_noisy(cells, 0.9)),
                dynamics="stochastic",
                description="The right cell nine times in ten",
            ),
        ),
        preferences=(
            Preference(
                name="C_location",
                observation="location",
                values=_prefer(values, custom),
                description=aim,
            ),
        ),
    )


def trader(custom: Customisation) -> GMNModel:
    keep = custom.persistence
    drift = round((1.0 - keep) / 2, 6)
    market = [[keep if i == j else drift for j in range(3)] for i in range(3)]
    # pnl given (market, position): out of the market nothing changes; in it, the trend pays.
    pnl = [
        [[0.0, 1.0, 0.0], [0.9, 0.1, 0.0]],
        [[0.0, 1.0, 0.0], [0.1, 0.8, 0.1]],
        [[0.0, 1.0, 0.0], [0.0, 0.1, 0.9]],
    ]
    # position given (position, trade): buy goes in, sell goes out, hold stays.
    position = [[[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]]
    trend = ("falling", "steady", "rising")
    return GMNModel(
        states=(
            State(
                name="market",
                size=3,
                labels=trend,
                description="Where prices are heading",
                initial=(0.25, 0.5, 0.25),
            ),
            State(
                name="position",
                size=2,
                labels=("out", "in"),
                description="Whether we hold the asset",
                initial=(1.0, 0.0),
            ),
        ),
        observations=(
            Observation(
                name="price_signal",
                size=3,
                labels=("down", "flat", "up"),
                description="The last price move",
            ),
            Observation(
                name="pnl",
                size=3,
                labels=("loss", "even", "gain"),
                description="Profit or loss of the last step",
            ),
        ),
        actions=(
            Action(
                name="trade",
                size=3,
                labels=("buy", "sell", "hold"),
                description="What to do with the position",
            ),
        ),
        transitions=(
            Transition(
                name="T_market",
                from_=("market",),
                to="market",
                matrix=list(market),
                dynamics="stochastic",
                description="Trends persist, then turn",
            ),
            Transition(
                name="T_position",
                from_=("position", "trade"),
                to="position",
                matrix=list(position),
                dynamics="deterministic",
                description="Buying gets in, selling gets out, holding keeps",
            ),
        ),
        emissions=(
            Emission(
                name="E_price",
                from_=("market",),
                to="price_signal",
                matrix=list(_noisy(3, 0.7)),
                dynamics="stochastic",
                description="Prices follow the trend, noisily",
            ),
            Emission(
                name="E_pnl",
                from_=("market", "position"),
                to="pnl",
                matrix=list(pnl),
                dynamics="stochastic",
                description="Holding pays when the market rises",
            ),
        ),
        preferences=(
            Preference(
                name="C_pnl",
                observation="pnl",
                values=_prefer([-2.0, 0.0, 2.0], custom),
                description="Gains over losses",
            ),
        ),
    )


def coordinator(custom: Customisation) -> GMNModel:
    workers = ("worker_a", "worker_b", "worker_c")
    # owner given (owner, assign): assigning hands the task to that worker.
    owner = [[[1.0 if k == a else 0.0 for k in range(3)] for a in range(3)] for _ in range(3)]
    progress = [[0.4, 0.6, 0.0], [0.0, 0.7, 0.3], [0.0, 0.0, 1.0]]
    load = [[0.8, 0.2, 0.0], [0.1, 0.8, 0.1], [0.0, 0.2, 0.8]]
    return GMNModel(
        states=(
            State(
                name="owner",
                size=3,
                labels=workers,
                description="Who has the task",
                initial=(0.0, 0.0, 1.0),
            ),
            State(
                name="progress",
                size=3,
                labels=("waiting", "working", "done"),
                description="How far the task is",
                initial=(1.0, 0.0, 0.0),
            ),
        ),
        observations=(
            Observation(
                name="workload",
                size=3,
                labels=("light", "normal", "heavy"),
                description="How loaded the task's owner is",
            ),
            Observation(
                name="status_report",
                size=3,
                labels=("waiting", "working", "done"),
                description="What the team reports",
            ),
        ),
        actions=(
            Action(
                name="assign",
                size=3,
                labels=tuple(f"to_{w}" for w in workers),
                description="Who gets the task next",
            ),
        ),
        transitions=(
            Transition(
                name="T_owner",
                from_=("owner", "assign"),
                to="owner",
                matrix=list(owner),
                dynamics="deterministic",
                description="The task goes where it is assigned",
            ),
            Transition(
                name="T_progress",
                from_=("progress",),
                to="progress",
                matrix=list(progress),
                dynamics="stochastic",
                description="Work moves on at its own pace",
            ),
        ),
        emissions=(
            Emission(
                name="E_workload",
                from_=("owner",),
                to="workload",
                matrix=list(load),
                dynamics="stochastic",
                description="worker_a is free, worker_c overloaded",
            ),
            Emission(
                name="E_status",
                from_=("progress",),
                to="status_report",
                matrix=list(_noisy(3, 0.8)),
                dynamics="stochastic",
                description="Reports are mostly right",
            ),
        ),
        preferences=(
            Preference(
                name="C_workload",
                observation="workload",
                values=_prefer([1.0, 0.0, -2.0], custom),
                description="Balanced workload: keep owners out of overload",
            ),
            Preference(
                name="C_status",
                observation="status_report",
                values=_prefer([0.0, 0.5, 2.0], custom),
                description="Tasks done",
            ),
        ),
    )


def general(custom: Customisation) -> GMNModel:
    labels = ("idle", "working", "success", "failure")
    # situation given (situation, act): act k leads to situation k eight times in ten.
    steer = [
        [
            [0.8 if j == k else (0.2 if j == i else 0.0) for j in range(4)]
            if k != i
            else [1.0 if j == i else 0.0 for j in range(4)]
            for k in range(4)
        ]
        for i in range(4)
    ]
    return GMNModel(
        states=(
            State(
                name="situation",
                size=4,
                labels=labels,
                description="Where the agent stands",
                initial=(1.0, 0.0, 0.0, 0.0),
            ),
        ),
        observations=(
            Observation(
                name="signal", size=4, labels=labels, description="A noisy view of the situation"
            ),
        ),
        actions=(
            Action(
                name="act",
                size=4,
                labels=("rest", "work", "finish", "give_up"),
                description="Steer toward one situation",
            ),
        ),
        transitions=(
            Transition(
                name="T_situation",
                from_=("situation", "act"),
                to="situation",
                matrix=list(steer),
                dynamics="stochastic",
                description="An act reaches its situation eight times in ten",
            ),
        ),
        emissions=(
            Emission(
                name="E_signal",
                from_=("situation",),
                to="signal",
                matrix=list(_noisy(4, 0.85)),
                dynamics="stochastic",
                description="The signal is right 85 times in 100",
            ),
        ),
        preferences=(
            Preference(
                name="C_signal",
                observation="signal",
                values=_prefer([0.0, 0.5, 3.0, -3.0], custom),
                description="Success; never failure",
            ),
        ),
    )
