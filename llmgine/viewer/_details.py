"""A node's details: the messages it stands for, as a reader clicks on it.

A step's details are its own message, the events folded into its entry (a model call's
started and completed events, a tool call's result, the bus's lifecycle events), and its
command's result, in log order, each read back whole (``_whole``). The pieces of a
streamed reply are given as one entry: how many there were and their text joined. A
session's details are its counts and what it spent.
"""

from __future__ import annotations

from typing import Any

from llmgine.logs import LogRecord, TimelineStep
from llmgine.viewer._run import RunIndex
from llmgine.viewer._tree import RunTree
from llmgine.viewer._whole import whole_fields

_PIECES = "ResponseDeltaEvent"
MAX_RECORDS = 50
"""Folded events listed one by one; past this many they are counted."""


def node_details(index: RunIndex, node_id: str) -> dict[str, Any]:
    tree = index.tree()
    if node_id.startswith("S"):
        session = tree.session(node_id)
        return {"id": node_id, "node": tree.session_json(session), "records": []}
    step = tree.step(node_id)
    return {
        "id": node_id,
        "node": tree.step_json(step),
        "records": _records(index, tree, step),
    }


def _records(index: RunIndex, tree: RunTree, step: TimelineStep) -> list[dict[str, Any]]:
    shown = {id(s) for s in tree.shown(step)}
    folded = [c for c in step.children if id(c) not in shown]
    pieces = [c.record for c in folded if c.type == _PIECES]
    listed = [step.record] + [c.record for c in folded if c.type != _PIECES]
    if step.result is not None:
        listed.append(step.result)
    listed.sort(key=lambda r: r.line)
    views = [_view(index, r) for r in listed[:MAX_RECORDS]]
    if len(listed) > MAX_RECORDS:
        views.append(_count_of(listed[MAX_RECORDS:]))
    if pieces:
        text = "".join(str(p.data.get("text", "")) for p in pieces)
        views.append(
            {
                "line": pieces[0].line,
                "kind": "event",
                "type": _PIECES,
                "summary": f"{len(pieces)} pieces of a streamed reply, joined",
                "fields": {"text": text},
                "note": "",
            }
        )
    return views


def _view(index: RunIndex, record: LogRecord) -> dict[str, Any]:
    fields, note = whole_fields(record, index.position(record.line), index.whole)
    moment = record.timestamp
    return {
        "line": record.line,
        "kind": record.kind,
        "type": record.type,
        "session": record.session_id,
        "time": moment.isoformat() if moment else None,
        "id": record.message_id,
        "parent": record.parent_id,
        "fields": fields,
        "note": note,
    }


def _count_of(records: list[LogRecord]) -> dict[str, Any]:
    types: dict[str, int] = {}
    for record in records:
        types[record.type] = types.get(record.type, 0) + 1
    return {
        "line": records[0].line,
        "kind": "event",
        "type": "…",
        "summary": f"and {len(records)} more: "
        + ", ".join(f"{t} ({n})" for t, n in sorted(types.items())),
        "fields": {},
        "note": "",
    }
