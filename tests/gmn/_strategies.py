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
from tests.gmn._random import random_model

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


def _seeded(seed: int, factors: int, observations: int) -> GMNModel:
    return random_model(random.Random(seed), factors, observations)


def valid_models() -> st.SearchStrategy[GMNModel]:
    """Models that validate without an error: one or two state factors, each with an
    action, one or two observations from a subset of the factors, random distributions."""
    return st.builds(_seeded, st.integers(0, 2**32), st.integers(1, 2), st.integers(1, 2))
