"""Hypothesis strategies: any model the notation can hold, and valid models that run."""

from __future__ import annotations

import random

from hypothesis import strategies as st

from llmgine.gmn import (
    Action,
    Emission,
    GMNModel,
    LLMQuery,
    Observation,
    Preference,
    State,
    Transition,
)

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
numbers = st.floats(allow_nan=False)
texts = st.text(max_size=12)
tensors = st.recursive(
    st.lists(numbers, max_size=3),
    lambda inner: st.lists(st.one_of(numbers, inner), max_size=3),
    max_leaves=12,
)
optional_text = st.none() | texts


def _variable_fields() -> dict[str, st.SearchStrategy[object]]:
    return {
        "type": st.sampled_from(["discrete", "continuous"]),
        "labels": st.none() | st.tuples() | st.lists(texts, max_size=3).map(tuple),
        "description": optional_text,
    }


def _link_fields() -> dict[str, st.SearchStrategy[object]]:
    return {
        "from_": st.lists(names, max_size=3).map(tuple),
        "matrix": st.none() | texts | tensors,
        "dynamics": st.sampled_from([None, "stochastic", "deterministic"]),
        "description": optional_text,
    }


def _node(cls: type, fields: dict[str, st.SearchStrategy[object]]) -> st.SearchStrategy[object]:
    required: dict[str, st.SearchStrategy[object]] = {}
    if cls in (State, Observation, Action):
        required["size"] = st.integers(-3, 10**6)
    if cls in (Transition, Emission):
        required["to"] = names
    return st.fixed_dictionaries(required, optional=fields).map(lambda kw: (cls, kw))


_NODES = st.one_of(
    _node(
        State,
        {**_variable_fields(), "initial": st.none() | st.lists(numbers, max_size=3).map(tuple)},
    ),
    _node(Observation, _variable_fields()),
    _node(Action, _variable_fields()),
    _node(
        Transition,
        {**_link_fields(), "grid": st.none() | st.tuples(st.integers(-2, 9), st.integers(-2, 9))},
    ),
    _node(Emission, _link_fields()),
    _node(
        Preference,
        {
            "observation": st.none() | names,
            "state": st.none() | names,
            "values": st.none() | texts | st.lists(numbers, max_size=3).map(tuple),
            "description": optional_text,
        },
    ),
    _node(
        LLMQuery,
        {
            "prompt": texts,
            "trigger": texts,
            "context": st.lists(names, max_size=2).map(tuple),
            "updates": st.lists(names, max_size=2).map(tuple),
            "response_format": texts,
            "description": optional_text,
        },
    ),
)
_GROUPS = {
    State: "states",
    Observation: "observations",
    Action: "actions",
    Transition: "transitions",
    Emission: "emissions",
    Preference: "preferences",
    LLMQuery: "llm_queries",
}


@st.composite
def any_models(draw: st.DrawFn) -> GMNModel:
    """Models as an author (or a language model) might write them: unique identifiers for
    names, anything at all in the fields, sense not required."""
    specs = draw(st.lists(_NODES, max_size=8))
    node_names = draw(st.lists(names, min_size=len(specs), max_size=len(specs), unique=True))
    groups: dict[str, list[object]] = {group: [] for group in _GROUPS.values()}
    for (cls, fields), name in zip(specs, node_names, strict=True):
        groups[_GROUPS[cls]].append(cls(name=name, **fields))
    return GMNModel.model_validate(groups)


def _distribution(rng: random.Random, size: int) -> list[float]:
    weights = [rng.random() + 0.05 for _ in range(size)]
    total = sum(weights)
    return [w / total for w in weights]


def _stochastic(rng: random.Random, shape: list[int]) -> list[object]:
    if len(shape) == 1:
        return list(_distribution(rng, shape[0]))
    return [_stochastic(rng, shape[1:]) for _ in range(shape[0])]


@st.composite
def valid_models(draw: st.DrawFn) -> GMNModel:
    """Models that validate without an error: one or two state factors, most with an
    action, one or two observations from a subset of the factors, random distributions."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    factors = draw(st.lists(st.integers(2, 4), min_size=1, max_size=2))
    states = [
        State(name=f"s{i}", size=n, initial=tuple(_distribution(rng, n)))
        for i, n in enumerate(factors)
    ]
    actions, transitions = [], []
    for i, state in enumerate(states):
        controls = draw(st.integers(1, 3))
        actions.append(Action(name=f"a{i}", size=controls))
        shape = [state.size, controls, state.size]
        transitions.append(
            Transition(
                name=f"T{i}",
                from_=(state.name, f"a{i}"),
                to=state.name,
                matrix=_stochastic(rng, shape),
            )
        )
    observations, emissions, preferences = [], [], []
    for m in range(draw(st.integers(1, 2))):
        size = draw(st.integers(1, 4))
        sources = draw(
            st.lists(
                st.sampled_from(states),
                min_size=1,
                max_size=len(states),
                unique_by=lambda s: s.name,
            )
        )
        observations.append(Observation(name=f"o{m}", size=size))
        shape = [*(s.size for s in sources), size]
        emissions.append(
            Emission(
                name=f"E{m}",
                from_=tuple(s.name for s in sources),
                to=f"o{m}",
                matrix=_stochastic(rng, shape),
            )
        )
        values = tuple(draw(st.floats(-4, 4)) for _ in range(size))
        preferences.append(Preference(name=f"C{m}", observation=f"o{m}", values=values))
    return GMNModel(
        states=tuple(states),
        observations=tuple(observations),
        actions=tuple(actions),
        transitions=tuple(transitions),
        emissions=tuple(emissions),
        preferences=tuple(preferences),
    )
