"""Random valid models from a seeded generator: for the property tests that run pymdp and
for ``bench/gmn.py``."""

from __future__ import annotations

import random

from llmgine.gmn import (
    Action,
    Emission,
    GMNModel,
    LLMQuery,
    Observation,
    Preference,
    State,
    Tensor,
    Transition,
)


def distribution(rng: random.Random, size: int) -> list[float]:
    weights = [rng.random() + 0.05 for _ in range(size)]
    total = sum(weights)
    return [w / total for w in weights]


def stochastic(rng: random.Random, shape: list[int]) -> Tensor:
    """Random numbers of ``shape`` whose innermost rows sum to 1."""
    if len(shape) == 1:
        return list(distribution(rng, shape[0]))
    return [stochastic(rng, shape[1:]) for _ in range(shape[0])]


def random_model(
    rng: random.Random, factors: int, observations: int, queries: int = 0, size: int | None = None
) -> GMNModel:
    """``factors`` state factors (of ``size`` values, else 2 to 4), each moved by an action
    of its own; ``observations`` observations, each from one or two factors, each with a
    preference; ``queries`` LLM queries. It validates without an error."""
    sizes = [size or rng.randint(2, 4) for _ in range(factors)]
    controls = [rng.randint(1, 3) for _ in range(factors)]
    states = [
        State(name=f"s{i}", size=n, initial=tuple(distribution(rng, n)))
        for i, n in enumerate(sizes)
    ]
    transitions = [
        Transition(
            name=f"T{i}",
            from_=(f"s{i}", f"a{i}"),
            to=f"s{i}",
            dynamics="stochastic",
            matrix=stochastic(rng, [n, controls[i], n]),
        )
        for i, n in enumerate(sizes)
    ]
    outputs, emissions, preferences = [], [], []
    for m in range(observations):
        sources = sorted(rng.sample(range(factors), min(factors, rng.randint(1, 2))))
        seen = size or rng.randint(1, 4)
        outputs.append(Observation(name=f"o{m}", size=seen))
        shape = [*(sizes[i] for i in sources), seen]
        emissions.append(
            Emission(
                name=f"E{m}",
                from_=tuple(f"s{i}" for i in sources),
                to=f"o{m}",
                matrix=stochastic(rng, shape),
            )
        )
        values = tuple(round(rng.uniform(-3, 3), 2) for _ in range(seen))
        preferences.append(Preference(name=f"C{m}", observation=f"o{m}", values=values))
    return GMNModel(
        states=tuple(states),
        observations=tuple(outputs),
        actions=tuple(Action(name=f"a{i}", size=n) for i, n in enumerate(controls)),
        transitions=tuple(transitions),
        emissions=tuple(emissions),
        preferences=tuple(preferences),
        llm_queries=tuple(
            LLMQuery(name=f"Q{q}", prompt="What changed?", context=(f"o{q}",), updates=(f"s{q}",))
            for q in range(queries)
        ),
    )
