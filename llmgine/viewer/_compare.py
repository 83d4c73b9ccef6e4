"""What a diff compares: a run flattened into its tree's nodes, and each node's signature.

A node stands for messages: a node with nodes beneath it for its own message (what differs
beneath shows there, where it happened); a leaf for its message, the events folded into it
(not the pieces of a streamed reply, whose whole is compared, nor the bus's lifecycle
events) and its result. Messages are read back whole with ``read_log``, so two logs that
write the same message differently (a request written whole, or by reference to earlier
lines) compare equal, and stripped of ``IGNORED``: what differs between any two runs (ids,
times, durations, token counts, which a diff shows as numbers instead). A node's signature
hashes its kind and its messages; ``first_in_messages`` names the first field that differs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from llmgine.logs import LogRecord, TimelineStep, UnknownMessage, read_log, shorten
from llmgine.messages import Message, encode
from llmgine.viewer._run import RunIndex
from llmgine.viewer._tree import RunTree, SessionNode

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
        "request_id",
        "latency_ms",
        "duration_ms",
        "first_delta_ms",
        "usage",
        "replay_of",
    }
)
"""Fields that differ between any two runs: left out of the comparison, as are token
counts under any name (a field ending in ``usage`` or ``_tokens``). ``replay_of`` is the id
of the turn a replayed prompt repeats (``llmgine replay`` puts it in the prompt's metadata),
so a replay compares equal to its original where it took the same steps."""
_NOT_COMPARED = frozenset({"ResponseDeltaEvent"})
"""Folded records that say nothing of their own: pieces of a streamed text, whose whole is
compared (as are not the bus's lifecycle events of a command)."""
_NUMBER = re.compile(r"\s*\d+$")


@dataclass(eq=False)
class Node:
    """One node of a run's tree, flattened: where it is, what it is, what it is compared by."""

    depth: int
    kind: str
    """The node's label without its number (``turn``, ``llm``, ``step``...)."""
    json: dict[str, Any]
    lines: tuple[int, ...]
    """The lines compared for it (its own, folded events', its result if a leaf)."""
    signature: bytes = b""


@dataclass(eq=False)
class Side:
    """One run (or one session of it) as its nodes in order, each with its signature."""

    index: RunIndex
    session: str | None
    tree: RunTree = field(init=False)
    sessions: list[SessionNode] = field(init=False)
    nodes: list[Node] = field(init=False)

    def __post_init__(self) -> None:
        self.tree = self.index.tree()
        chosen = [s for s in self.tree.sessions if self.session in (None, s.timeline.session_id)]
        if self.session is not None and not chosen:
            raise LookupError(f"no session {self.session!r} in {self.index.name!r}")
        self.sessions = chosen
        self.nodes = list(self._flatten())
        digests = self.index.derived("diff digests", lambda: digests_of(self.index))
        for node in self.nodes:
            hashed = hashlib.blake2b(node.kind.encode(), digest_size=16)
            for line in node.lines:
                hashed.update(digests.get(line, b"?"))
            node.signature = hashed.digest()

    def _flatten(self) -> Iterator[Node]:
        tree = self.tree
        for session in self.sessions:
            yield Node(0, "session", tree.session_json(session), ())
            stack = [(step, label, 1) for step, label in reversed(session.steps)]
            while stack:
                step, label, depth = stack.pop()
                node = tree.step_json(step, label)
                shown = tree.shown(step)
                kind = _NUMBER.sub("", str(node["label"]))
                yield Node(depth, kind, node, compared_lines(step, shown))
                stack.extend((child, "", depth + 1) for child in reversed(shown))


def compared_lines(step: TimelineStep, shown: Sequence[TimelineStep]) -> tuple[int, ...]:
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


def digests_of(index: RunIndex) -> dict[int, bytes]:
    """Each line's compared content, hashed, read back whole in one pass."""
    return {
        line: hashlib.blake2b(canonical(fields), digest_size=16).digest()
        for line, fields in compared(index)
    }


def compared(index: RunIndex, wanted: set[int] | None = None) -> Iterator[tuple[int, Any]]:
    """``(line, the fields compared)`` for the records of ``index`` (only the ``wanted``
    lines, when given), in order."""
    records = list(index.records)
    for position, message in enumerate(read_log(index.path, errors="skip")):
        if position >= len(records):
            break
        record = records[position]
        if wanted is not None and record.line not in wanted:
            continue
        yield record.line, [record.type, normalized(fields_of(message, record))]


def fields_of(message: Message | UnknownMessage, record: LogRecord) -> Any:
    if isinstance(message, UnknownMessage):
        return message.data
    fields = orjson.loads(encode(message))
    ids = (fields.get("event_id"), fields.get("command_id"))
    if record.message_id is not None and record.message_id not in ids:
        return record.data  # not the same message: the files differ in their skipped lines
    return fields


def normalized(value: Any) -> Any:
    """``value`` without the fields in ``IGNORED`` (nor ``kind`` and ``type``), at any depth."""
    if isinstance(value, dict):
        return {
            k: normalized(v) if isinstance(v, dict | list) else v
            for k, v in value.items()
            if k not in _DROPPED and not k.endswith(_COUNTS)
        }
    if isinstance(value, list):
        return [normalized(v) if isinstance(v, dict | list) else v for v in value]
    return value


_DROPPED = IGNORED | {"kind", "type"}
_COUNTS = ("usage", "_tokens")
"""Token counts under any name (``session_usage``, ``input_tokens``): numbers, not content."""


def canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str)


# -- saying what changed ----------------------------------------------------------------


def first_in_messages(left: list[Any], right: list[Any]) -> tuple[str, str, str] | None:
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
    text = value if isinstance(value, str) else canonical(value).decode()
    return shorten(text, 200)
