"""Two runs side by side: their steps aligned, the first divergence found, what each spent.

A run is a log, or one session of a log; a replay and the run it replays are two logs like
any others. Each side is flattened into its tree's nodes in order (a session, then each
step before the steps beneath it) and every node gets a signature: the messages it stands
for (the step, the events folded into it, and, for a node with nothing beneath it, its
result), read back whole with ``read_log`` and stripped of what differs between any two
runs (ids, times, durations, token counts, which are compared as numbers instead).

Nodes with equal signatures are aligned first (``difflib``, after the common start and end
are set aside); in the stretches between, nodes of the same kind at the same depth are
paired as changed, and the rest are steps only one run took. The first row that is not
the same is the first divergence; a changed row names the first field that differs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, Literal

import orjson

from llmgine.logs import LogRecord, TimelineStep, UnknownMessage, read_log, shorten
from llmgine.messages import Message, encode
from llmgine.viewer._figures import Prices, Totals
from llmgine.viewer._run import RunIndex, bulk
from llmgine.viewer._tree import RunTree, SessionNode

Status = Literal["same", "changed", "only_a", "only_b"]

IGNORED = frozenset(
    {
        "timestamp",
        "command_id",
        "event_id",
        "parent_id",
        "session_id",
        "id",
        "call_id",
        "tool_call_id",
        "response_id",
        "latency_ms",
        "duration_ms",
        "first_delta_ms",
        "usage",
    }
)
"""Fields that differ between any two runs: left out of the comparison."""
_NOT_COMPARED = frozenset({"ResponseDeltaEvent"})
"""Folded records that say nothing of their own: pieces of a streamed text, whose whole is
compared (as are not the bus's lifecycle events of a command)."""
MAX_ROWS = 20_000
_BLOCK = 2_000
"""Past this many nodes on a side, a stretch that differs is paired in order instead."""
_NUMBER = re.compile(r"\s*\d+$")


@dataclass(frozen=True)
class DiffSide:
    """One run's node in a row: what it is and what it spent."""

    node: dict[str, Any]

    @property
    def title(self) -> str:
        return str(self.node["title"])


@dataclass(frozen=True)
class DiffRow:
    status: Status
    depth: int
    a: DiffSide | None
    b: DiffSide | None
    field: str | None = None
    """For a changed row: the first field that differs (``CallLLMCommand
    request.messages[0].content``), with its two values in ``before`` and ``after``."""
    before: str | None = None
    after: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "depth": self.depth,
            "a": self.a.node if self.a else None,
            "b": self.b.node if self.b else None,
            "field": self.field,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class RunSide:
    """Which run a side is, and its totals."""

    run: str
    session: str | None
    totals: Totals
    ms: float | None
    steps: int

    def as_json(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "session": self.session,
            "totals": self.totals.as_json(),
            "ms": self.ms,
            "steps": self.steps,
        }


@dataclass(frozen=True)
class RunDiff:
    """Two runs aligned step by step."""

    a: RunSide
    b: RunSide
    rows: tuple[DiffRow, ...]
    first_divergence: int | None
    """The index in ``rows`` of the first row that is not the same; ``None``: none is."""
    truncated: bool = False

    @property
    def identical(self) -> bool:
        return self.first_divergence is None

    def as_json(self) -> dict[str, Any]:
        return {
            "a": self.a.as_json(),
            "b": self.b.as_json(),
            "rows": [row.as_json() for row in self.rows],
            "first_divergence": self.first_divergence,
            "identical": self.identical,
            "truncated": self.truncated,
        }


def diff_runs(
    a: str | Path,
    b: str | Path,
    *,
    session_a: str | None = None,
    session_b: str | None = None,
    prices: Prices | None = None,
) -> RunDiff:
    """Compare two logs (or one session of each): see the module docstring."""
    prices = prices or Prices()
    first, second = RunIndex(Path(a), prices), RunIndex(Path(b), prices)
    return diff_indexes(first, session_a, second, session_b)


def diff_indexes(a: RunIndex, session_a: str | None, b: RunIndex, session_b: str | None) -> RunDiff:
    with bulk():
        side_a = a.derived(("diff side", session_a), lambda: _Side(a, session_a))
        side_b = b.derived(("diff side", session_b), lambda: _Side(b, session_b))
        rows = _align(side_a, side_b)
        truncated = len(rows) > MAX_ROWS
        rows = rows[:MAX_ROWS]
        _explain(rows, side_a, side_b)
    first = next((i for i, row in enumerate(rows) if row.status != "same"), None)
    if first is None and truncated:
        first = len(rows)  # unknown past the cut; not claimed identical
    return RunDiff(side_a.summary(), side_b.summary(), tuple(rows), first, truncated)


# -- one side ---------------------------------------------------------------------------


@dataclass(eq=False)
class _Node:
    depth: int
    kind: str
    """The node's label without its number (``turn``, ``llm``, ``step``...)."""
    json: dict[str, Any]
    lines: tuple[int, ...]
    """The lines compared for it (its own, folded events', its result if a leaf)."""
    signature: bytes = b""


@dataclass(eq=False)
class _Side:
    index: RunIndex
    session: str | None
    tree: RunTree = field(init=False)
    sessions: list[SessionNode] = field(init=False)
    nodes: list[_Node] = field(init=False)

    def __post_init__(self) -> None:
        self.tree = self.index.tree()
        chosen = [s for s in self.tree.sessions if self.session in (None, s.timeline.session_id)]
        if self.session is not None and not chosen:
            raise LookupError(f"no session {self.session!r} in {self.index.name!r}")
        self.sessions = chosen
        self.nodes = list(self._flatten())
        digests = self.index.derived("diff digests", lambda: _digests(self.index))
        for node in self.nodes:
            hashed = hashlib.blake2b(node.kind.encode(), digest_size=16)
            for line in node.lines:
                hashed.update(digests.get(line, b"?"))
            node.signature = hashed.digest()

    def _flatten(self) -> Iterator[_Node]:
        tree = self.tree
        for session in self.sessions:
            yield _Node(0, "session", tree.session_json(session), ())
            stack = [(step, label, 1) for step, label in reversed(session.steps)]
            while stack:
                step, label, depth = stack.pop()
                node = tree.step_json(step, label)
                shown = tree.shown(step)
                kind = _NUMBER.sub("", str(node["label"]))
                yield _Node(depth, kind, node, _compared_lines(step, shown))
                stack.extend((child, "", depth + 1) for child in reversed(shown))

    def summary(self) -> RunSide:
        totals = Totals()
        first = last = None
        for session in self.sessions:
            totals.add(session.totals)
            timeline = session.timeline
            if timeline.first is not None and (first is None or timeline.first < first):
                first = timeline.first
            if timeline.last is not None and (last is None or timeline.last > last):
                last = timeline.last
        ms = (last - first).total_seconds() * 1000 if first and last else None
        return RunSide(self.index.name, self.session, totals, ms, len(self.nodes))


def _compared_lines(step: TimelineStep, shown: Sequence[TimelineStep]) -> tuple[int, ...]:
    """A node with nodes beneath it is compared by its own message (what differs beneath
    shows there, where it happened); a leaf by its message, the events folded into it
    and its result."""
    if shown:
        return (step.record.line,)
    lines = [step.record.line]
    for child in step.children:
        if child.type not in _NOT_COMPARED and not step.owns(child):
            lines.append(child.record.line)
    if step.result is not None:
        lines.append(step.result.line)
    return tuple(lines)


# -- what is compared -------------------------------------------------------------------


def _digests(index: RunIndex) -> dict[int, bytes]:
    """Each line's compared content, hashed, read back whole in one pass."""
    return {
        line: hashlib.blake2b(_canonical(fields), digest_size=16).digest()
        for line, fields in _compared(index)
    }


def _compared(index: RunIndex, wanted: set[int] | None = None) -> Iterator[tuple[int, Any]]:
    """``(line, the fields compared)`` for the records of ``index`` (only the ``wanted``
    lines, when given), in order."""
    records = list(index.records)
    for position, message in enumerate(read_log(index.path, errors="skip")):
        if position >= len(records):
            break
        record = records[position]
        if wanted is not None and record.line not in wanted:
            continue
        yield record.line, [record.type, _normalized(_fields(message, record))]


def _fields(message: Message | UnknownMessage, record: LogRecord) -> Any:
    if isinstance(message, UnknownMessage):
        return message.data
    fields = orjson.loads(encode(message))
    ids = (fields.get("event_id"), fields.get("command_id"))
    if record.message_id is not None and record.message_id not in ids:
        return record.data  # not the same message: the files differ in their skipped lines
    return fields


def _normalized(value: Any) -> Any:
    """``value`` without the fields in ``IGNORED`` (nor ``kind`` and ``type``), at any depth."""
    if isinstance(value, dict):
        return {
            k: _normalized(v) if isinstance(v, dict | list) else v
            for k, v in value.items()
            if k not in _DROPPED
        }
    if isinstance(value, list):
        return [_normalized(v) if isinstance(v, dict | list) else v for v in value]
    return value


_DROPPED = IGNORED | {"kind", "type"}


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str)


# -- aligning ---------------------------------------------------------------------------


def _align(a: _Side, b: _Side) -> list[DiffRow]:
    left, right = a.nodes, b.nodes
    start = 0
    while start < min(len(left), len(right)) and _same(left[start], right[start]):
        start += 1
    end = 0
    while end < min(len(left), len(right)) - start and _same(
        left[len(left) - 1 - end], right[len(right) - 1 - end]
    ):
        end += 1
    rows = [_row("same", x, y) for x, y in zip(left[:start], right[:start], strict=True)]
    middle_a, middle_b = left[start : len(left) - end], right[start : len(right) - end]
    keys_a = [(n.depth, n.kind, n.signature) for n in middle_a]
    keys_b = [(n.depth, n.kind, n.signature) for n in middle_b]
    if len(middle_a) > _BLOCK or len(middle_b) > _BLOCK:
        rows += _pair(middle_a, middle_b)
    else:
        matcher = SequenceMatcher(None, keys_a, keys_b, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                rows += [
                    _row("same", x, y)
                    for x, y in zip(middle_a[i1:i2], middle_b[j1:j2], strict=True)
                ]
            else:
                rows += _pair(middle_a[i1:i2], middle_b[j1:j2])
    tail = zip(left[len(left) - end :], right[len(right) - end :], strict=True)
    rows += [_row("same", x, y) for x, y in tail]
    return rows


def _pair(left: Sequence[_Node], right: Sequence[_Node]) -> list[DiffRow]:
    """A stretch that differs: nodes of the same kind and depth paired as changed."""
    keys_a = [(n.depth, n.kind) for n in left]
    keys_b = [(n.depth, n.kind) for n in right]
    opcodes: Sequence[tuple[str, int, int, int, int]]
    if len(left) > _BLOCK or len(right) > _BLOCK:
        opcodes = _in_order(keys_a, keys_b)
    else:
        opcodes = SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_opcodes()
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            for x, y in zip(left[i1:i2], right[j1:j2], strict=True):
                rows.append(_row("same" if _same(x, y) else "changed", x, y))
            continue
        rows += [_row("only_a", x, None) for x in left[i1:i2]]
        rows += [_row("only_b", None, y) for y in right[j1:j2]]
    return rows


def _in_order(
    keys_a: Sequence[tuple[int, str]], keys_b: Sequence[tuple[int, str]]
) -> Sequence[tuple[str, int, int, int, int]]:
    """Opcodes pairing positions in order while their kinds agree (for long stretches)."""
    opcodes: list[tuple[str, int, int, int, int]] = []
    same = 0
    while same < min(len(keys_a), len(keys_b)) and keys_a[same] == keys_b[same]:
        same += 1
    if same:
        opcodes.append(("equal", 0, same, 0, same))
    if same < len(keys_a) or same < len(keys_b):
        opcodes.append(("replace", same, len(keys_a), same, len(keys_b)))
    return opcodes


def _same(x: _Node, y: _Node) -> bool:
    return x.depth == y.depth and x.kind == y.kind and x.signature == y.signature


def _row(status: Status, x: _Node | None, y: _Node | None) -> DiffRow:
    depth = (x or y).depth if (x or y) is not None else 0  # type: ignore[union-attr]
    return DiffRow(
        status,
        depth,
        DiffSide(x.json) if x else None,
        DiffSide(y.json) if y else None,
    )


# -- saying what changed ----------------------------------------------------------------

_EXPLAINED = 200
"""Changed rows whose differing field is looked for (each needs its messages read)."""


def _explain(rows: list[DiffRow], a: _Side, b: _Side) -> None:
    changed = [i for i, row in enumerate(rows) if row.status == "changed"][:_EXPLAINED]
    if not changed:
        return
    nodes_a = {id(n.json): n for n in a.nodes}
    nodes_b = {id(n.json): n for n in b.nodes}
    pairs = []
    for i in changed:
        row = rows[i]
        assert row.a is not None
        assert row.b is not None
        pairs.append((i, nodes_a[id(row.a.node)], nodes_b[id(row.b.node)]))
    fields_a = dict(_compared(a.index, {line for _, x, _ in pairs for line in x.lines}))
    fields_b = dict(_compared(b.index, {line for _, _, y in pairs for line in y.lines}))
    for i, x, y in pairs:
        left = [fields_a.get(line) for line in x.lines]
        right = [fields_b.get(line) for line in y.lines]
        found = _first_in_messages(left, right)
        if found is not None:
            where, before, after = found
            rows[i] = DiffRow("changed", rows[i].depth, rows[i].a, rows[i].b, where, before, after)


def _first_in_messages(left: list[Any], right: list[Any]) -> tuple[str, str, str] | None:
    """The first difference between two nodes' messages, each ``[type, fields]``:
    ``CallLLMCommand request.messages[0].content``."""
    for x, y in zip(left, right, strict=False):
        if x is None or y is None:
            return None  # not read back: nothing to say
        if x[0] != y[0]:
            return ("type", x[0], y[0])
        found = first_difference(x[1], y[1])
        if found is not None:
            where, before, after = found
            return (f"{x[0]} {where}", before, after)
    if len(left) != len(right):
        extra = left[len(right) :] or right[len(left) :]
        names = ", ".join(str(e[0]) for e in extra if e is not None)
        return ("messages", f"{len(left)}", f"{len(right)} ({names})")
    return None


def first_difference(left: Any, right: Any, path: str = "") -> tuple[str, str, str] | None:
    """The first place where two values differ: ``(path, before, after)``, or ``None``."""
    if isinstance(left, list) and isinstance(right, list):
        for n, (x, y) in enumerate(zip(left, right, strict=False)):
            found = first_difference(x, y, _join(path, n))
            if found is not None:
                return found
        if len(left) != len(right):
            return (f"{path} (length)", str(len(left)), str(len(right)))
        return None
    if isinstance(left, dict) and isinstance(right, dict):
        for key in list(left) + [k for k in right if k not in left]:
            found = first_difference(left.get(key), right.get(key), _join(path, key))
            if found is not None:
                return found
        return None
    if left == right:
        return None
    return (path, _shown(left), _shown(right))


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else _canonical(value).decode()
    return shorten(text, 200)
