"""Turning FreeAgentics' node-and-edge graphs into a model.

Their arrays are in pymdp's orientation (A: observation first; B: next state, state,
action), and their links are edges: a likelihood's states ``depends_on`` it and it
``generates`` its observation; a transition's state and action ``depends_on`` it; a
preference and a belief ``depends_on`` the observation or state they are about; an LLM
query ``updates`` and ``queries`` nodes. Edges of other types carry nothing the notation
keeps and are dropped. The meaning of each property follows FreeAgentics' own reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from llmgine.gmn._errors import GMNSyntaxError, Position, SourceMap
from llmgine.gmn._model import (
    Action,
    Emission,
    GMNModel,
    LLMQuery,
    Observation,
    Preference,
    State,
    Transition,
)
from llmgine.gmn._tensor import shape_of, transpose
from llmgine.gmn._values import Plain

_SIZE_KEYS = {"state": "num_states", "observation": "num_observations", "action": "num_actions"}
_KNOWN_TYPES = {*_SIZE_KEYS, "belief", "likelihood", "transition", "preference", "llm_query"}


@dataclass
class GraphNode:
    name: str
    type: str
    props: dict[str, Plain]
    position: Position | None = None


@dataclass
class GraphEdge:
    source: str
    target: str
    type: str
    position: Position | None = None


@dataclass
class Graph:
    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[GraphEdge] = field(default_factory=list)


def graph_to_model(graph: Graph) -> tuple[GMNModel, SourceMap]:
    nodes = {node.name: node for node in graph.nodes}
    for edge in graph.edges:
        for end in (edge.source, edge.target):
            if end not in nodes:
                raise _fail(
                    f"edge {edge.source} -> {edge.target} names no node {end!r}", edge.position
                )
    for node in graph.nodes:
        if node.type not in _KNOWN_TYPES:
            raise _fail(_unknown_type(node), node.position)
    builder = _Builder(graph, nodes)
    model = GMNModel(
        states=tuple(builder.state(n) for n in graph.nodes if n.type == "state"),
        observations=tuple(
            builder.variable(n, Observation) for n in graph.nodes if n.type == "observation"
        ),
        actions=tuple(builder.variable(n, Action) for n in graph.nodes if n.type == "action"),
        transitions=tuple(builder.transition(n) for n in graph.nodes if n.type == "transition"),
        emissions=tuple(builder.emission(n) for n in graph.nodes if n.type == "likelihood"),
        preferences=tuple(builder.preference(n) for n in graph.nodes if n.type == "preference"),
        llm_queries=tuple(builder.query(n) for n in graph.nodes if n.type == "llm_query"),
    )
    places: dict[tuple[str, str | None], Position] = {
        (n.name, None): n.position for n in graph.nodes if n.position is not None
    }
    return model, SourceMap(places)


class _Builder:
    def __init__(self, graph: Graph, nodes: dict[str, GraphNode]) -> None:
        self.graph = graph
        self.nodes = nodes

    def linked(self, node: GraphNode, edge_type: str, *, incoming: bool, kind: str) -> list[str]:
        """Names of the nodes of ``kind`` joined to ``node`` by edges of ``edge_type``."""
        found = []
        for edge in self.graph.edges:
            ours, other = (edge.target, edge.source) if incoming else (edge.source, edge.target)
            if edge.type == edge_type and ours == node.name and self.nodes[other].type == kind:
                found.append(other)
        return found

    def variable(
        self, node: GraphNode, cls: type[Observation] | type[Action]
    ) -> Observation | Action:
        return cls(name=node.name, size=_size(node), description=_text(node, "description"))

    def state(self, node: GraphNode) -> State:
        initial = node.props.get("initial_distribution")
        for belief in self.graph.nodes:
            about = belief.props.get("about")
            if belief.type == "belief" and (
                about == node.name
                or node.name in self.linked(belief, "depends_on", incoming=False, kind="state")
            ):
                initial = belief.props.get(
                    "vector", belief.props.get("initial_distribution", initial)
                )
        return State(
            name=node.name,
            size=_size(node),
            description=_text(node, "description"),
            initial=tuple(_numbers(node, initial)) if initial is not None else None,
        )

    def emission(self, node: GraphNode) -> Emission:
        states = self.linked(node, "depends_on", incoming=True, kind="state")
        observations = self.linked(node, "generates", incoming=False, kind="observation")
        matrix: object = node.props.get("matrix")
        if isinstance(matrix, list):
            # pymdp's A puts the observation first; the notation puts it last.
            rank = len(states) + 1
            matrix = _moved(node, matrix, [*range(1, rank), 0])
        return Emission.model_validate(
            {
                "name": node.name,
                "from": states,
                "to": _one(node, observations, "an observation it generates"),
                "matrix": matrix if matrix is not None else "uniform",
            }
        )

    def transition(self, node: GraphNode) -> Transition:
        states = self.linked(node, "depends_on", incoming=True, kind="state")
        actions = self.linked(node, "depends_on", incoming=True, kind="action")
        matrix: object = node.props.get("matrix")
        if isinstance(matrix, list):
            # pymdp's B is (next, previous, action); the notation is (previous, action, next).
            # A matrix without the action axis is the same for every action, as in the text.
            rank = shape_of(matrix)
            axes = [1, 2, 0] if isinstance(rank, tuple) and len(rank) == 3 else [1, 0]
            matrix = _moved(node, matrix, axes)
        return Transition.model_validate(
            {
                "name": node.name,
                "from": (*states[:1], *actions),
                "to": _one(node, states, "a state that depends on it"),
                "matrix": matrix if matrix is not None else "identity",
            }
        )

    def preference(self, node: GraphNode) -> Preference:
        observations = self.linked(node, "depends_on", incoming=False, kind="observation")
        target = _one(node, observations, "an observation it depends on")
        values = node.props.get("vector")
        if values is None and "preferred_observation" in node.props:
            size = _size(self.nodes[target])
            chosen, strength = (
                node.props["preferred_observation"],
                node.props.get("preference_strength", 1.0),
            )
            values = [float(strength) if i == chosen else 0.0 for i in range(size)]  # type: ignore[arg-type]
        return Preference(
            name=node.name,
            observation=target,
            values=tuple(_numbers(node, values)) if values is not None else None,
        )

    def query(self, node: GraphNode) -> LLMQuery:
        return LLMQuery(
            name=node.name,
            prompt=_text(node, "prompt_template") or "",
            trigger=_text(node, "trigger_condition") or "on_observation",
            response_format=_text(node, "response_parser") or "json",
            updates=tuple(
                e.target for e in self.graph.edges if e.source == node.name and e.type == "updates"
            ),
            context=tuple(
                e.target for e in self.graph.edges if e.source == node.name and e.type == "queries"
            ),
        )


def _size(node: GraphNode) -> int:
    value = node.props.get(_SIZE_KEYS[node.type], node.props.get("size"))
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(
            f"{node.type} {node.name!r} needs a whole number {_SIZE_KEYS[node.type]}", node.position
        )
    return value


def _text(node: GraphNode, key: str) -> str | None:
    value = node.props.get(key)
    return None if value is None else str(value)


def _numbers(node: GraphNode, value: Plain | None) -> list[float]:
    if not isinstance(value, list) or not all(isinstance(v, int | float) for v in value):
        raise _fail(f"{node.type} {node.name!r}: expected a list of numbers", node.position)
    return [float(v) for v in value]  # type: ignore[arg-type]


def _moved(node: GraphNode, matrix: list[Plain], axes: list[int]) -> list[object]:
    shape = shape_of(matrix)
    if not isinstance(shape, tuple) or len(shape) != len(axes):
        raise _fail(
            f"{node.type} {node.name!r}: its matrix must have {len(axes)} axes and be "
            "rectangular to be read in pymdp's orientation",
            node.position,
        )
    return transpose(matrix, axes)


def _one(node: GraphNode, names: list[str], what: str) -> str:
    if len(names) != 1:
        found = ", ".join(map(repr, names)) or "none"
        raise _fail(
            f"{node.type} {node.name!r} needs exactly one edge to {what} (found {found})",
            node.position,
        )
    return names[0]


def _unknown_type(node: GraphNode) -> str:
    if node.type == "policy":
        return (
            f"policy node {node.name!r} has no counterpart: pymdp enumerates policies from the "
            "actions, so remove it"
        )
    return (
        f"node {node.name!r} has unknown type {node.type!r}; expected state, observation, "
        "action, belief, likelihood, transition, preference or llm_query"
    )


def _fail(message: str, position: Position | None) -> GMNSyntaxError:
    if position is None:
        return GMNSyntaxError(message)
    return GMNSyntaxError(message, position.line, position.column)
