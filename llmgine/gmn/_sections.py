"""Reading FreeAgentics' graph forms: ``[nodes]``/``[edges]`` sections and JSON graphs.

Both describe the model as typed nodes with properties and typed edges between them::

    [nodes]
    pos: state {num_states: 3}
    cue_model: likelihood
    [edges]
    pos -> cue_model: depends_on

The JSON graph is ``{"nodes": [...], "edges": [...]}`` with nodes as ``{"id", "type",
"properties"}`` or ``{"name", "type", <flat properties>}`` and edges as ``{"source",
"target", "type"}`` or ``{"from", "to", "type"}``: FreeAgentics writes both. Here they
become a ``Graph``; ``_graph`` turns that into a model. Unlike FreeAgentics' reader, a
property block may span lines.
"""

from __future__ import annotations

from typing import cast

from llmgine.gmn._errors import GMNSyntaxError, Position
from llmgine.gmn._graph import Graph, GraphEdge, GraphNode
from llmgine.gmn._lexer import tokenize
from llmgine.gmn._values import Cursor, Plain, plain, read_value


def read_sections(text: str) -> Graph:
    """The graph written in ``[nodes]``/``[edges]`` sections."""
    cursor = Cursor(tokenize(text))
    graph = Graph()
    section = ""
    while cursor.peek().kind != "end":
        if cursor.at("["):
            cursor.take()
            section = cursor.take().text
            if section not in ("nodes", "edges"):
                raise GMNSyntaxError(
                    f"unknown section [{section}]; the sections are [nodes] and [edges]",
                    cursor.peek(-1).line,
                    cursor.peek(-1).column,
                )
            cursor.expect("]", f"to close the section header [{section}")
        elif section == "nodes":
            graph.nodes.append(_graph_node(cursor))
        elif section == "edges":
            graph.edges.append(_graph_edge(cursor))
        else:
            raise cursor.error("expected [nodes] before the first node")
    return graph


def _graph_node(cursor: Cursor) -> GraphNode:
    name = cursor.peek()
    if name.kind != "name":
        raise cursor.error("expected a node as 'name: type {properties}'")
    cursor.take()
    cursor.expect(":", f"after node name {name.text!r}")
    kind = cursor.peek()
    if kind.kind != "name":
        raise cursor.error(f"expected the type of node {name.text!r}")
    cursor.take()
    return GraphNode(name.text, kind.text, _properties(cursor), Position(name.line, name.column))


def _graph_edge(cursor: Cursor) -> GraphEdge:
    start = cursor.peek()
    names = []
    for why in ("to start an edge as 'source -> target: type'", "after '->'"):
        token = cursor.peek()
        if token.kind != "name":
            raise cursor.error(f"expected a node name {why}")
        names.append(cursor.take().text)
        if len(names) == 1:
            cursor.expect("->", f"after {token.text!r} in an edge")
    cursor.expect(":", "before the edge type")
    kind = cursor.peek()
    if kind.kind != "name":
        raise cursor.error("expected the edge type (depends_on, generates, updates, queries)")
    cursor.take()
    _properties(cursor)  # edge properties carry nothing the notation keeps
    return GraphEdge(names[0], names[1], kind.text, Position(start.line, start.column))


def _properties(cursor: Cursor) -> dict[str, Plain]:
    if not cursor.at("{"):
        return {}
    opening = cursor.take()
    props: dict[str, Plain] = {}
    while not cursor.at("}"):
        key = cursor.peek()
        if key.kind not in ("name", "string"):
            raise cursor.error(
                f"expected a property name or '}}' (block opened at line {opening.line})"
            )
        cursor.take()
        cursor.expect(":", f"after property {key.text!r}")
        props[key.text.strip('"')] = plain(read_value(cursor))
        if not cursor.at("}"):
            cursor.expect(",", "or '}' after a property")
    cursor.take()
    return props


def read_json_graph(data: dict[str, object]) -> Graph:
    """The graph in a decoded JSON graph document (either of FreeAgentics' spellings)."""
    graph = Graph()
    for index, item in enumerate(_list(data, "nodes")):
        name = item.get("id", item.get("name"))
        if not isinstance(name, str):
            raise GMNSyntaxError(f'nodes[{index}] has no "id" (or "name") string')
        props = item.get("properties")
        if not isinstance(props, dict):
            props = {k: v for k, v in item.items() if k not in ("id", "name", "type", "metadata")}
        graph.nodes.append(
            GraphNode(name, str(item.get("type", "state")), cast(dict[str, Plain], props))
        )
    for index, item in enumerate(_list(data, "edges")):
        source, target = item.get("source", item.get("from")), item.get("target", item.get("to"))
        if not isinstance(source, str) or not isinstance(target, str):
            raise GMNSyntaxError(f'edges[{index}] needs "source" and "target" node names')
        graph.edges.append(GraphEdge(source, target, str(item.get("type", "depends_on"))))
    return graph


def _list(data: dict[str, object], key: str) -> list[dict[str, object]]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise GMNSyntaxError(f"{key!r} must be a list of objects")
    return cast(list[dict[str, object]], items)
