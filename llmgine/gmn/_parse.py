"""Reading the node-block text form, the one FreeAgentics' ``llm`` module writes::

    node state s_pos {            # a comment
        size: 3
        labels: [left, middle, right]
    }
    node transition T { from: [s_pos, a_move] to: s_pos matrix: "grid" }

Every error names the line and column and what was expected there.
"""

from __future__ import annotations

from llmgine.gmn._errors import GMNSyntaxError, Position, SourceMap
from llmgine.gmn._fields import DYNAMICS_KEYS, FIELDS, NODE_CLASSES, NODE_TYPE_ALIASES, keys_of
from llmgine.gmn._lexer import Token, tokenize
from llmgine.gmn._model import GMNModel, Node, NodeKind
from llmgine.gmn._values import Cursor, Raw, as_bool, read_value

_GROUPS: dict[NodeKind, str] = {
    "state": "states",
    "observation": "observations",
    "action": "actions",
    "transition": "transitions",
    "emission": "emissions",
    "preference": "preferences",
    "llm_query": "llm_queries",
}


def parse(text: str) -> GMNModel:
    """The model written in ``text`` (node-block form); raises ``GMNSyntaxError``."""
    return parse_located(text)[0]


def parse_located(text: str) -> tuple[GMNModel, SourceMap]:
    """The model and where each of its nodes and fields was written."""
    cursor = Cursor(tokenize(text))
    source = SourceMap()
    groups: dict[str, list[Node]] = {group: [] for group in _GROUPS.values()}
    while cursor.peek().kind != "end":
        kind, node = _node(cursor, source)
        groups[_GROUPS[kind]].append(node)
    return GMNModel.model_validate(groups), source


def _node(cursor: Cursor, source: SourceMap) -> tuple[NodeKind, Node]:
    start = cursor.peek()
    if not cursor.at("node"):
        raise cursor.error("expected 'node' to start a node")
    cursor.take()
    kind = _node_type(cursor)
    name_token = cursor.peek()
    if name_token.kind != "name":
        raise cursor.error(f"expected the name of the {kind} node")
    cursor.take()
    name = name_token.text
    cursor.expect("{", f"to open node {name!r}")
    place = Position(start.line, start.column)
    if (name, None) in source.places:
        source.repeats.setdefault(name, []).append(place)
        fields = _fields(cursor, kind, name, start, SourceMap())
    else:
        source.places[(name, None)] = place
        fields = _fields(cursor, kind, name, start, source)
    return kind, NODE_CLASSES[kind].model_validate({"name": name, **fields})


def _node_type(cursor: Cursor) -> NodeKind:
    token = cursor.peek()
    word = NODE_TYPE_ALIASES.get(token.text, token.text)
    if token.kind != "name" or word not in NODE_CLASSES:
        raise cursor.error(f"expected a node type ({', '.join(NODE_CLASSES)})")
    cursor.take()
    return word


def _fields(
    cursor: Cursor, kind: NodeKind, name: str, start: Token, source: SourceMap
) -> dict[str, object]:
    raw: dict[str, Raw] = {}
    while not cursor.at("}"):
        key = cursor.peek()
        if key.kind == "end" or (cursor.at("node") and cursor.peek(1).kind == "name"):
            raise cursor.error(f"expected '}}' to close node {name!r} opened at line {start.line}")
        if key.kind != "name":
            raise cursor.error(f"expected a key or '}}' in node {name!r}")
        if key.text not in keys_of(kind):
            raise GMNSyntaxError(
                f"unknown key {key.text!r} in {kind} {name!r}; expected one of: "
                + ", ".join(keys_of(kind)),
                key.line,
                key.column,
            )
        if key.text in raw:
            first = raw[key.text].token
            raise GMNSyntaxError(
                f"key {key.text!r} given twice in {name!r} (first at line {first.line})",
                key.line,
                key.column,
            )
        cursor.take()
        cursor.expect(":", f"after key {key.text!r}")
        raw[key.text] = read_value(cursor)
        source.places[(name, key.text)] = Position(key.line, key.column)
    _require(kind, name, raw, closing=cursor.take())
    return _convert(kind, raw)


def _require(kind: NodeKind, name: str, raw: dict[str, Raw], closing: Token) -> None:
    """The keys without which the node has no meaning (a variable's size, a link's ``to``)."""
    model_fields = NODE_CLASSES[kind].model_fields
    for text_key, (field, _) in FIELDS[kind].items():
        if text_key not in raw and model_fields[field].is_required():
            raise GMNSyntaxError(
                f"{kind} {name!r} needs '{text_key}:' before its closing '}}'",
                closing.line,
                closing.column,
            )


def _convert(kind: NodeKind, raw: dict[str, Raw]) -> dict[str, object]:
    fields: dict[str, object] = {}
    for key, value in raw.items():
        if key not in DYNAMICS_KEYS:
            field, convert = FIELDS[kind][key]
            fields[field] = convert(value, key)
    dynamics = {
        key: ("stochastic" if (key == "stochastic") == as_bool(value, key) else "deterministic")
        for key, value in raw.items()
        if key in DYNAMICS_KEYS
    }
    if len(set(dynamics.values())) > 1:
        raise raw["deterministic"].fail(
            "'stochastic' and 'deterministic' contradict each other; keep one of them"
        )
    if dynamics:
        fields["dynamics"] = next(iter(dynamics.values()))
    return fields
