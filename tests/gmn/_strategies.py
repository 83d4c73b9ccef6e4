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
optional_text = st.none() | texts


def _nodes(
    refs: st.SearchStrategy[str], sizes: st.SearchStrategy[int], values: st.SearchStrategy[float]
) -> st.SearchStrategy[tuple[type, dict[str, object]]]:
    """Any node, with references drawn from ``refs``, sizes from ``sizes`` and numbers
    from ``values``."""
    tensors = st.recursive(
        st.lists(values, max_size=3),
        lambda inner: st.lists(st.one_of(values, inner), max_size=3),
        max_leaves=12,
    )
    vectors = st.lists(values, max_size=3).map(tuple)
    variable = {
        "type": st.sampled_from(["discrete", "continuous"]),
        "labels": st.none() | st.lists(texts, max_size=3).map(tuple),
        "description": optional_text,
    }
    link = {
        "from_": st.lists(refs, max_size=3).map(tuple),
        "matrix": st.none() | st.sampled_from(["identity", "uniform", "grid"]) | texts | tensors,
        "dynamics": st.sampled_from([None, "stochastic", "deterministic"]),
        "description": optional_text,
    }
    grids = st.none() | st.tuples(st.integers(-2, 9), st.integers(-2, 9))
    fields: dict[type, dict[str, st.SearchStrategy[object]]] = {
        State: {**variable, "initial": st.none() | vectors},
        Observation: variable,
        Action: variable,
        Transition: {**link, "grid": grids},
        Emission: link,
        Preference: {
            "observation": st.none() | refs,
            "state": st.none() | refs,
            "values": st.none() | texts | vectors,
            "description": optional_text,
        },
        LLMQuery: {
            "prompt": texts,
            "trigger": texts,
            "context": st.lists(refs, max_size=2).map(tuple),
            "updates": st.lists(refs, max_size=2).map(tuple),
            "response_format": texts,
            "description": optional_text,
        },
    }

    def node(cls: type) -> st.SearchStrategy[tuple[type, dict[str, object]]]:
        required: dict[str, st.SearchStrategy[object]] = {}
        if cls in (State, Observation, Action):
            required["size"] = sizes
        if cls in (Transition, Emission):
            required["to"] = refs
        return st.fixed_dictionaries(required, optional=fields[cls]).map(lambda kw: (cls, kw))

    return st.one_of([node(cls) for cls in fields])


_GROUPS = {
    State: "states",
    Observation: "observations",
    Action: "actions",
    Transition: "transitions",
    Emission: "emissions",
    Preference: "preferences",
    LLMQuery: "llm_queries",
}


def _assemble(nodes: list[tuple[type, dict[str, object]]], node_names: list[str]) -> GMNModel:
    groups: dict[str, list[object]] = {group: [] for group in _GROUPS.values()}
    for (cls, fields), name in zip(nodes, node_names, strict=True):
        groups[_GROUPS[cls]].append(cls(name=name, **fields))
    return GMNModel.model_validate(groups)


@st.composite
def any_models(draw: st.DrawFn) -> GMNModel:
    """Models as an author (or a language model) might write them: unique identifiers for
    names, anything at all in the fields, sense not required."""
    nodes = draw(st.lists(_nodes(names, st.integers(-3, 10**6), numbers), max_size=8))
    node_names = draw(st.lists(names, min_size=len(nodes), max_size=len(nodes), unique=True))
    return _assemble(nodes, node_names)


_POOL = st.sampled_from(["a", "b", "c", "d", "e", "f"])


@st.composite
def tangled_models(draw: st.DrawFn) -> GMNModel:
    """Small models whose names come from a pool of six, so that references often resolve
    (to the right kind of node or not) and names sometimes repeat."""
    values = st.sampled_from([0.0, 0.25, 0.5, 1.0, -1.0, 2.0, float("inf")])
    nodes = draw(st.lists(_nodes(_POOL, st.integers(-1, 4), values), max_size=10))
    return _assemble(nodes, draw(st.lists(_POOL, min_size=len(nodes), max_size=len(nodes))))


def _seeded(seed: int, factors: int, observations: int) -> GMNModel:
    return random_model(random.Random(seed), factors, observations)


def valid_models() -> st.SearchStrategy[GMNModel]:
    """Models that validate without an error: one or two state factors, each with an
    action, one or two observations from a subset of the factors, random distributions."""
    return st.builds(_seeded, st.integers(0, 2**32), st.integers(1, 2), st.integers(1, 2))


def _replace(model: GMNModel, group: str, index: int, **fields: object) -> GMNModel:
    nodes = list(getattr(model, group))
    nodes[index] = nodes[index].model_copy(update=fields)
    return model.model_copy(update={group: tuple(nodes)})


def _drop(model: GMNModel, group: str, index: int) -> GMNModel:
    nodes = list(getattr(model, group))
    del nodes[index]
    return model.model_copy(update={group: tuple(nodes)})


def _mutate(draw: st.DrawFn, model: GMNModel) -> GMNModel:
    """One change of the kind an author makes: some keep the model valid, some break it."""
    kind = draw(st.sampled_from(["rule", "flat", "drop", "size", "prior", "state", "ref", "det"]))
    group = draw(st.sampled_from(["transitions", "emissions"]))
    index = draw(st.integers(0, len(getattr(model, group)) - 1))
    link = getattr(model, group)[index]
    if kind == "rule":
        return _replace(model, group, index, matrix=draw(st.sampled_from(["identity", "uniform"])))
    target = next((s for s in model.states if s.name == link.to), None)
    if kind == "flat" and group == "transitions" and target is not None:
        # A square matrix with no action axis: every action moves the factor alike (W108).
        return _replace(
            model, group, index, matrix=[[1.0 / target.size] * target.size] * target.size
        )
    if kind == "drop":
        return _drop(model, group, index)
    if kind == "size":
        variables = draw(st.sampled_from(["states", "observations", "actions"]))
        position = draw(st.integers(0, len(getattr(model, variables)) - 1))
        size = getattr(model, variables)[position].size
        return _replace(model, variables, position, size=size + draw(st.sampled_from([-1, 1])))
    if kind == "prior":
        return _replace(model, "states", 0, initial=None)
    if kind == "state":
        factor = link.from_[0] if link.from_ else "s0"
        return _replace(model, "preferences", 0, observation=None, state=factor, values=(0.0,) * 4)
    if kind == "ref":
        return _replace(model, group, index, to=draw(st.sampled_from(["s0", "o0", "a0", "zz"])))
    return _replace(model, group, index, dynamics="deterministic")


@st.composite
def mutated_models(draw: st.DrawFn) -> GMNModel:
    """A valid random model after one to three changes an author might make."""
    model = draw(valid_models())
    for _ in range(draw(st.integers(1, 3))):
        if not model.transitions or not model.emissions or not model.preferences:
            break
        model = _mutate(draw, model)
    return model
