"""Two runs side by side: their steps aligned, the first divergence found, what each spent.

A run is a log, or one session of a log; a replay and the run it replays are two logs like
any others. Each side is flattened into its tree's nodes in order (a session, then each
step before the steps beneath it), each node with a signature of the messages it stands
for, read back whole and without what differs between any two runs (``_compare``).

Nodes with equal signatures are aligned first (``difflib``, after the common start and end
are set aside); in the stretches between, nodes of the same kind at the same depth are
paired as changed, and the rest are steps only one run took. The first row that is not
the same is the first divergence; a changed row names the first field that differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, Literal

from llmgine.viewer._compare import Node, Side, compared, first_in_messages
from llmgine.viewer._figures import Prices, Totals
from llmgine.viewer._run import RunIndex, bulk

Status = Literal["same", "changed", "only_a", "only_b"]

MAX_ROWS = 20_000
"""Rows compared at most; past them a diff says it was cut (``truncated``)."""
_BLOCK = 2_000
"""Past this many nodes on a side, a stretch that differs is paired in order instead."""


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
        side_a = a.derived(("diff side", session_a), lambda: Side(a, session_a))
        side_b = b.derived(("diff side", session_b), lambda: Side(b, session_b))
        rows = _align(side_a, side_b)
        truncated = len(rows) > MAX_ROWS
        rows = rows[:MAX_ROWS]
        _explain(rows, side_a, side_b)
    first = next((i for i, row in enumerate(rows) if row.status != "same"), None)
    if first is None and truncated:
        first = len(rows)  # unknown past the cut; not claimed identical
    return RunDiff(_summary(side_a), _summary(side_b), tuple(rows), first, truncated)


def _summary(side: Side) -> RunSide:
    totals = Totals()
    first = last = None
    for session in side.sessions:
        totals.add(session.totals)
        timeline = session.timeline
        if timeline.first is not None and (first is None or timeline.first < first):
            first = timeline.first
        if timeline.last is not None and (last is None or timeline.last > last):
            last = timeline.last
    ms = (last - first).total_seconds() * 1000 if first and last else None
    return RunSide(side.index.name, side.session, totals, ms, len(side.nodes))


# -- aligning ---------------------------------------------------------------------------


def _align(a: Side, b: Side) -> list[DiffRow]:
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


def _pair(left: Sequence[Node], right: Sequence[Node]) -> list[DiffRow]:
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


def _same(x: Node, y: Node) -> bool:
    return x.depth == y.depth and x.kind == y.kind and x.signature == y.signature


def _row(status: Status, x: Node | None, y: Node | None) -> DiffRow:
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


def _explain(rows: list[DiffRow], a: Side, b: Side) -> None:
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
    fields_a = dict(compared(a.index, {line for _, x, _ in pairs for line in x.lines}))
    fields_b = dict(compared(b.index, {line for _, _, y in pairs for line in y.lines}))
    for i, x, y in pairs:
        left = [fields_a.get(line) for line in x.lines]
        right = [fields_b.get(line) for line in y.lines]
        found = first_in_messages(left, right)
        if found is not None:
            where, before, after = found
            rows[i] = DiffRow("changed", rows[i].depth, rows[i].a, rows[i].b, where, before, after)
