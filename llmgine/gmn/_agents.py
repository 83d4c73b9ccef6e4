"""The four offline agents: explorer, trader, coordinator, general.

Each builder takes the customisations already read from the prompt and returns a model
whose matrices match its sizes, with a description on every node, an initial prior for
every state factor and a preference, so that it validates without a warning. Matrices
follow the notation: the axes of ``from`` in order, then ``to``.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmgine.gmn._model import (
    Action,
    Dynamics,
    Emission,
    GMNModel,
    Observation,
    Preference,
    State,
    Tensor,
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


def _state(name: str, labels: tuple[str, ...], text: str, initial: tuple[float, ...]) -> State:
    return State(name=name, size=len(labels), labels=labels, description=text, initial=initial)


def _observation(name: str, labels: tuple[str, ...], text: str) -> Observation:
    return Observation(name=name, size=len(labels), labels=labels, description=text)


def _action(name: str, labels: tuple[str, ...], text: str) -> Action:
    return Action(name=name, size=len(labels), labels=labels, description=text)


def _transition(
    name: str,
    given: tuple[str, ...],
    matrix: Tensor | str,
    dynamics: Dynamics,
    text: str,
    grid: tuple[int, int] | None = None,
) -> Transition:
    """The transition of ``given[0]``, the factor it moves."""
    return Transition(
        name=name,
        from_=given,
        to=given[0],
        matrix=matrix,
        dynamics=dynamics,
        description=text,
        grid=grid,
    )


def _emission(name: str, given: tuple[str, ...], to: str, matrix: Tensor, text: str) -> Emission:
    return Emission(
        name=name, from_=given, to=to, matrix=matrix, dynamics="stochastic", description=text
    )


def _preference(
    name: str, observation: str, values: list[float], custom: Customisation, text: str
) -> Preference:
    weighted = [v * custom.loss_weight if v < 0 else v for v in values]
    scaled = tuple(round(v * custom.goal_weight, 6) for v in weighted)
    return Preference(name=name, observation=observation, values=scaled, description=text)


def _noisy(size: int, accuracy: float) -> Tensor:
    """Rows that give the right value with ``accuracy`` and spread the rest evenly."""
    if size == 1:
        return [[1.0]]
    # Four significant digits keep the text readable; rows stay within the validation
    # tolerance of 1, and compile rescales them exactly.
    miss = float(f"{(1.0 - accuracy) / (size - 1):.4g}")
    return [[accuracy if i == j else miss for j in range(size)] for i in range(size)]


def _one_hot(size: int, index: int) -> tuple[float, ...]:
    return tuple(1.0 if i == index else 0.0 for i in range(size))


def explorer(custom: Customisation) -> GMNModel:
    rows, columns = custom.grid
    cells = [f"r{r}c{c}" for r in range(rows) for c in range(columns)]
    moves = ("up", "down", "left", "right", "stay")[: 5 if custom.stay else 4]
    goal, pit = len(cells) - 1, (rows // 2) * columns + columns // 2
    values = [3.0 if cell == goal else 0.0 for cell in range(len(cells))]
    aim = "Reach the far corner"
    if pit not in (0, goal):
        values[pit] = -3.0
        aim += "; avoid the pit in the middle"
    return GMNModel(
        states=(
            _state(
                "position",
                tuple(cells),
                f"Cell of a {rows}x{columns} grid, row by row",
                _one_hot(len(cells), 0),
            ),
        ),
        observations=(
            Observation(
                name="location", size=len(cells), description="A noisy reading of the cell"
            ),
        ),
        actions=(_action("move", moves, "One step"),),
        transitions=(
            _transition(
                "T_position",
                ("position", "move"),
                "grid",
                "deterministic",
                "One cell a move; walls stop it",
                grid=(rows, columns),
            ),
        ),
        emissions=(
            _emission(
                "E_location",
                ("position",),
                "location",
                _noisy(len(cells), 0.9),
                "The right cell nine times in ten",
            ),
        ),
        preferences=(_preference("C_location", "location", values, custom, aim),),
    )


def trader(custom: Customisation) -> GMNModel:
    keep, drift = custom.persistence, round((1.0 - custom.persistence) / 2, 6)
    market: Tensor = [[keep if i == j else drift for j in range(3)] for i in range(3)]
    # pnl given (market, position): out of the market nothing changes; in it, the trend pays.
    pnl: Tensor = [
        [[0.0, 1.0, 0.0], [0.9, 0.1, 0.0]],
        [[0.0, 1.0, 0.0], [0.1, 0.8, 0.1]],
        [[0.0, 1.0, 0.0], [0.0, 0.1, 0.9]],
    ]
    # position given (position, trade): buy goes in, sell goes out, hold stays.
    position: Tensor = [[[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]]
    return GMNModel(
        states=(
            _state(
                "market", ("falling", "steady", "rising"), "Where prices head", (0.25, 0.5, 0.25)
            ),
            _state("position", ("out", "in"), "Whether we hold the asset", (1.0, 0.0)),
        ),
        observations=(
            _observation("price_signal", ("down", "flat", "up"), "The last price move"),
            _observation("pnl", ("loss", "even", "gain"), "Profit or loss of the last step"),
        ),
        actions=(_action("trade", ("buy", "sell", "hold"), "What to do with the position"),),
        transitions=(
            _transition("T_market", ("market",), market, "stochastic", "Trends last, then turn"),
            _transition(
                "T_position",
                ("position", "trade"),
                position,
                "deterministic",
                "Buying gets in, selling gets out, holding keeps",
            ),
        ),
        emissions=(
            _emission(
                "E_price",
                ("market",),
                "price_signal",
                _noisy(3, 0.7),
                "Prices follow the trend, noisily",
            ),
            _emission("E_pnl", ("market", "position"), "pnl", pnl, "Holding pays when prices rise"),
        ),
        preferences=(_preference("C_pnl", "pnl", [-2.0, 0.0, 2.0], custom, "Gains, not losses"),),
    )


_PROGRESS: Tensor = [[0.4, 0.6, 0.0], [0.0, 0.7, 0.3], [0.0, 0.0, 1.0]]
"""How a task moves on by itself: waiting, working, done."""
_WORKLOAD: Tensor = [[0.8, 0.2, 0.0], [0.1, 0.8, 0.1], [0.0, 0.2, 0.8]]
"""The load each worker reports: worker_a light, worker_b normal, worker_c heavy."""


def coordinator(custom: Customisation) -> GMNModel:
    workers = ("worker_a", "worker_b", "worker_c")
    # owner given (owner, assign): assigning hands the task to that worker.
    owner: Tensor = [[list(_one_hot(3, a)) for a in range(3)] for _ in range(3)]
    stages = ("waiting", "working", "done")
    return GMNModel(
        states=(
            _state("owner", workers, "Who has the task", (0.0, 0.0, 1.0)),
            _state("progress", stages, "How far the task is", (1.0, 0.0, 0.0)),
        ),
        observations=(
            _observation("workload", ("light", "normal", "heavy"), "How loaded the owner is"),
            _observation("status_report", stages, "What the team reports"),
        ),
        actions=(_action("assign", tuple(f"to_{w}" for w in workers), "Who gets the task"),),
        transitions=(
            _transition(
                "T_owner",
                ("owner", "assign"),
                owner,
                "deterministic",
                "The task goes where it is assigned",
            ),
            _transition(
                "T_progress",
                ("progress",),
                _PROGRESS,
                "stochastic",
                "Work moves on at its own pace",
            ),
        ),
        emissions=(
            _emission(
                "E_workload",
                ("owner",),
                "workload",
                _WORKLOAD,
                "worker_a is free, worker_c overloaded",
            ),
            _emission(
                "E_status",
                ("progress",),
                "status_report",
                _noisy(3, 0.8),
                "Reports are mostly right",
            ),
        ),
        preferences=(
            _preference(
                "C_workload",
                "workload",
                [1.0, 0.0, -2.0],
                custom,
                "Balanced workload: keep owners out of overload",
            ),
            _preference("C_status", "status_report", [0.0, 0.5, 2.0], custom, "Tasks done"),
        ),
    )


def general(custom: Customisation) -> GMNModel:
    labels = ("idle", "working", "success", "failure")
    # situation given (situation, act): act k leads to situation k eight times in ten.
    steer: Tensor = [
        [
            [0.8 if j == k else 0.2 if j == i else 0.0 for j in range(4)]
            if k != i
            else list(_one_hot(4, i))
            for k in range(4)
        ]
        for i in range(4)
    ]
    acts = ("rest", "work", "finish", "give_up")
    return GMNModel(
        states=(_state("situation", labels, "Where the agent stands", _one_hot(4, 0)),),
        observations=(_observation("signal", labels, "A noisy view of the situation"),),
        actions=(_action("act", acts, "Steer toward one situation"),),
        transitions=(
            _transition(
                "T_situation",
                ("situation", "act"),
                steer,
                "stochastic",
                "An act reaches its situation eight times in ten",
            ),
        ),
        emissions=(
            _emission(
                "E_signal",
                ("situation",),
                "signal",
                _noisy(4, 0.85),
                "The signal is right 85 times in 100",
            ),
        ),
        preferences=(
            _preference(
                "C_signal", "signal", [0.0, 0.5, 3.0, -3.0], custom, "Success; never failure"
            ),
        ),
    )
