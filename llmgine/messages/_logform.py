"""The log form: each line written against what its log already holds, so repeats go once.

Every model call of a chat sends the whole conversation again; a log that wrote each
request whole would grow with the square of the conversation. A message class names the
fields that repeat content in ``__log_refs__`` (a ``LogRefs``), and a log writes them by
reference:

- a **sequence** (a request's messages, the messages a turn adds to its history) is a list
  of items, each numbered in its session's *transcript* the first time the log holds it.
  The field is written as the parts it is made of, in order: spans ``[start, end]`` of the
  transcript (``end`` excluded), and digests of items that are shared log-wide;
- a **shared** value (a tool set, a system prompt, a response format) is written once per
  log, under its digest, the first time it appears; later lines give the digest only.

What a line adds to its log is under its ``"$log"`` key, which also marks the line as one
written in this form::

    "$log": {"at": 12, "add": [item, ...], "defs": {"<digest>": value, ...}}

``add`` appends to the transcript of the line's session, its first item at position ``at``.
``at`` 0 starts that transcript afresh: a new log, or a writer that lost track (lines it
could not write, a session it stopped remembering) begins again, and so stays readable.
``LogWriter`` writes lines this way; ``LogReader`` folds the lines of one log, in order,
and gives each message back equal to the one recorded. ``decode`` alone refuses such a
line, since it refers to earlier ones. Only logs use the form: transports carry whole
messages (``encode``), so a command still runs in a process that never saw the log.
"""

from __future__ import annotations

import hashlib
import typing
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from pydantic import BaseModel, TypeAdapter

from llmgine.messages._base import Message
from llmgine.messages._codec import (
    LOG_KEY,
    _is_plain,
    _nested,
    decode_object,
    encode_line,
    wire_type,
)
from llmgine.messages._context import BUS_SCOPE
from llmgine.messages._errors import DecodeError
from llmgine.messages._registry import registry

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS
_DIGEST_SIZE = 8  # bytes: 16 hex digits, against the few thousand values one log shares
_REMEMBERED_VALUES = 256  # shared values recognised by identity, without writing them again
_DEFINED_LIMIT = 100_000  # digests a writer remembers defining before it starts over
_LOOK_BACK = 64  # items looked through for one that does not follow the previous


@dataclass(frozen=True)
class LogRefs:
    """The fields of a message class that logs write by reference.

    A path names a field (``"messages"``) or a field of a field whose type is a pydantic
    model (``"request.messages"``). ``sequences`` are lists or tuples of items;
    ``shared_item`` picks the items of a sequence that are shared log-wide instead of
    numbered in the session's transcript (a system prompt, the same in every session).
    """

    sequences: tuple[str, ...] = ()
    shared: tuple[str, ...] = ()
    shared_item: Callable[[Any], bool] | None = None


@dataclass(frozen=True, slots=True, eq=False)  # compared and hashed by identity
class _Ref:
    top: str
    sub: str | None
    sequence: bool
    dump: Callable[..., bytes]  # writes a sequence's item, or the shared value
    key: bytes  # how the field begins in its object: b'"messages":'


@dataclass(frozen=True, slots=True)
class _Group:
    """The references inside one top-level field: the field itself, or fields of the model
    it holds (``nested``), whose other fields are written as they are (all but ``exclude``)."""

    top: str
    refs: tuple[_Ref, ...]
    nested: bool
    exclude: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Plan:
    prefix: bytes  # '{"kind":...,"type":...,'
    groups: tuple[_Group, ...]  # in the order of the paths
    plain: bool  # the other fields are written from ``__dict__`` as they are
    shared_item: Callable[[Any], bool] | None


_plans: dict[type[Message], _Plan | None] = {}


def log_refs(cls: type[Message]) -> LogRefs | None:
    """What ``cls`` writes by reference in logs (``None``: every field whole)."""
    refs = getattr(cls, "__log_refs__", None)
    return refs if isinstance(refs, LogRefs) else None


def _plan_of(cls: type[Message]) -> _Plan | None:
    try:
        return _plans[cls]
    except KeyError:
        pass
    refs = log_refs(cls)
    plan = None
    if refs is not None:
        try:
            plan = _make_plan(cls, refs)
        except TypeError as exc:
            # A message must still be recorded: whole, as without the declaration.
            warnings.warn(f"{exc}; its messages are written whole", stacklevel=3)
    _plans[cls] = plan
    return plan


def _make_plan(cls: type[Message], refs: LogRefs) -> _Plan:
    groups: dict[str, list[_Ref]] = {}
    paths = [(path, True) for path in refs.sequences] + [(path, False) for path in refs.shared]
    for path, sequence in paths:
        top, _, sub = path.partition(".")
        annotation = _annotation(cls, top, path)
        if sub:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                raise TypeError(f"{cls.__name__}.__log_refs__: {top!r} is not a pydantic model")
            annotation = _annotation(annotation, sub, path)
        if sequence:
            origin, args = typing.get_origin(annotation), typing.get_args(annotation)
            if origin not in (tuple, list) or not args or (origin is tuple and len(args) != 2):
                raise TypeError(
                    f"{cls.__name__}.__log_refs__: the sequence {path!r} must be a "
                    f"tuple[X, ...] or a list[X], not {annotation!r}"
                )
            annotation = args[0]
        dump = TypeAdapter(annotation).serializer.to_json
        key = orjson.dumps(sub or top) + b":"
        groups.setdefault(top, []).append(_Ref(top, sub or None, sequence, dump, key))
    built = []
    for top, members in groups.items():
        if any(ref.sub is None for ref in members) and len(members) > 1:
            raise TypeError(f"{cls.__name__}.__log_refs__: {top!r} is named twice")
        subs = frozenset(ref.sub for ref in members if ref.sub is not None)
        built.append(_Group(top, tuple(members), bool(subs), subs))
    prefix = orjson.dumps({"kind": cls.kind, "type": wire_type(cls)})[:-1] + b","
    return _Plan(
        prefix=prefix, groups=tuple(built), plain=_is_plain(cls), shared_item=refs.shared_item
    )


def _annotation(model: type[BaseModel], name: str, path: str) -> Any:
    info = model.model_fields.get(name)
    if info is None:
        raise TypeError(f"{model.__name__} has no field {name!r} (in the log path {path!r})")
    return info.annotation


@dataclass(slots=True)
class _Transcript:
    """One session's items, as this log numbered them (an item's position is its index).

    Items are found by identity: an item is the same message object the history holds and
    every request of the session passes on, so looking for it costs no serialising. The
    items are kept (not only their ids) so that no other object can take an id meanwhile.
    """

    items: list[Any] = field(default_factory=list)
    last: dict[_Ref, tuple[tuple[Any, ...], list[Any]]] = field(default_factory=dict)
    """The last sequence written through each reference, and its parts."""

    def find(self, item: Any, expected: int | None) -> int | None:
        """The position of ``item``: ``expected`` (right after the previous item, the
        usual case), else one of the latest ``_LOOK_BACK`` items. ``None`` if it is not
        there: it is new, or recorded long ago (writing it again costs bytes, never
        correctness)."""
        items = self.items
        if expected is not None and expected < len(items) and items[expected] is item:
            return expected
        for position in range(len(items) - 1, max(-1, len(items) - 1 - _LOOK_BACK), -1):
            if items[position] is item:
                return position
        return None


@dataclass(slots=True)
class _Line:
    """What one line adds to its log while it is being written."""

    transcript: _Transcript
    added: list[bytes] = field(default_factory=list)
    defs: dict[str, orjson.Fragment] = field(default_factory=dict)


class LogWriter:
    """Writes the lines of one log, each repeated value by reference (see the module).

    Args:
        items: how many items (messages) of its sessions' transcripts it keeps, for the
            sessions written most recently; a session it no longer remembers starts a new
            transcript at its next line, its items written again as in a new log. The
            items kept are the objects the histories hold anyway, unless the app forgets
            its sessions.
    """

    def __init__(self, *, items: int = 100_000) -> None:
        if items < 1:
            raise ValueError(f"items must be 1 or more, not {items!r}")
        self._limit = items
        self._held = 0  # items in all transcripts, as of the last line begun
        self._transcripts: OrderedDict[str, _Transcript] = OrderedDict()
        self._defined: set[str] = set()
        self._seen: dict[int, tuple[object, str, bytes]] = {}

    def line(self, message: Message) -> bytes:
        """``message`` as one line of this log. Raises ``EncodeError`` as ``encode_line``."""
        plan = _plan_of(type(message))
        if plan is None:
            return encode_line(message)
        try:
            return self._line(message, plan)
        except Exception:
            # Half recorded here, not written: start again, and write this one whole.
            self.forget()
            return encode_line(message)

    def forget(self) -> None:
        """Forget what the log holds: later lines carry their content again. Call it when
        lines were lost, so that no later line refers to one of them."""
        self._transcripts.clear()
        self._held = 0
        self._defined.clear()
        self._seen.clear()

    def _line(self, message: Message, plan: _Plan) -> bytes:
        transcript = self._transcript(message.session_id)
        at = len(transcript.items)
        line = _Line(transcript)
        fields = message.__dict__
        written: dict[str, bytes] = {}
        for group in plan.groups:
            value = fields[group.top]
            if value is None:
                continue
            if not group.nested:
                written[group.top] = self._value(group.refs[0], value, line, plan)
                continue
            inner = value.__dict__
            parts = [ref.key + self._value(ref, inner[ref.sub], line, plan) for ref in group.refs]
            rest = value.__pydantic_serializer__.to_json(
                value, exclude=group.exclude, by_alias=False
            )
            if len(rest) > 2:  # not "{}"
                parts.append(rest[1:-1])
            written[group.top] = b"{" + b",".join(parts) + b"}"
        log: dict[str, Any] = {}
        if line.added:
            log["at"] = at
            log["add"] = [orjson.Fragment(item) for item in line.added]
        if line.defs:
            log["defs"] = line.defs
        return self._assemble(message, plan, written, log)

    def _assemble(
        self, message: Message, plan: _Plan, written: dict[str, bytes], log: dict[str, Any]
    ) -> bytes:
        if plan.plain:
            fields = message.__dict__
            values = {
                name: orjson.Fragment(written[name]) if name in written else fields[name]
                for name in type(message).model_fields
            }
            values[LOG_KEY] = log
            body = orjson.dumps(values, default=_nested, option=_OPTIONS)
            return plan.prefix + body[1:] + b"\n"
        rest = type(message).__pydantic_serializer__.to_json(
            message, exclude=set(written), by_alias=False
        )
        fields = {name: orjson.Fragment(data) for name, data in written.items()}
        fields[LOG_KEY] = log
        tail = orjson.dumps(fields, option=_OPTIONS)
        return plan.prefix + rest[1:-1] + b"," + tail[1:] + b"\n"

    def _transcript(self, session: str) -> _Transcript:
        transcripts = self._transcripts
        transcript = transcripts.pop(session, None) or _Transcript()
        transcripts[session] = transcript  # the most recent, last
        while self._held > self._limit and len(transcripts) > 1:
            _, oldest = transcripts.popitem(last=False)
            self._held -= len(oldest.items)
        return transcript

    def _value(self, ref: _Ref, value: Any, line: _Line, plan: _Plan) -> bytes:
        if value is None:
            return b"null"
        if ref.sequence:
            return orjson.dumps(self._sequence(ref, value, line, plan))
        return b'"%s"' % self._share(ref.dump, value, line).encode()

    def _sequence(self, ref: _Ref, values: Sequence[Any], line: _Line, plan: _Plan) -> list[Any]:
        values = tuple(values)
        transcript = line.transcript
        last, last_parts = transcript.last.get(ref) or ((), [])
        if last and len(values) >= len(last) and values[: len(last)] == last:
            # The usual case: the last sequence and more (the next call of a turn, the
            # next turn of a conversation). Only what follows it is looked at.
            parts = [list(p) if isinstance(p, list) else p for p in last_parts]
            tail = values[len(last) :]
        else:
            parts, tail = [], values
        shared_item = plan.shared_item
        items = transcript.items
        for item in tail:
            if shared_item is not None and shared_item(item):
                parts.append(self._share(ref.dump, item, line))
                continue
            span = parts[-1] if parts and isinstance(parts[-1], list) else None
            position = transcript.find(item, None if span is None else span[1])
            if position is None:
                position = len(items)
                items.append(item)
                self._held += 1
                line.added.append(ref.dump(item, by_alias=False))
            if span is not None and span[1] == position:
                span[1] += 1
            else:
                parts.append([position, position + 1])
        transcript.last[ref] = values, [list(p) if isinstance(p, list) else p for p in parts]
        return parts

    def _share(self, dump: Callable[..., bytes], value: Any, line: _Line) -> str:
        seen = self._seen.get(id(value))
        if seen is not None and seen[0] is value:
            digest, data = seen[1], seen[2]
        else:
            data = dump(value, by_alias=False)
            digest = hashlib.blake2b(data, digest_size=_DIGEST_SIZE).hexdigest()
            if len(self._seen) >= _REMEMBERED_VALUES:
                self._seen.clear()
            self._seen[id(value)] = (value, digest, data)
        if digest not in self._defined:
            if len(self._defined) >= _DEFINED_LIMIT:
                self._defined.clear()
            self._defined.add(digest)
            line.defs[digest] = orjson.Fragment(data)
        return digest


_Broken = Literal["broken"]


class LogReader:
    """Reads the lines of one log back, in order, into the messages that were recorded.

    Lines in log form are resolved against the lines before them; other lines are read as
    ``decode_object`` reads them. A line that refers to something the log does not hold
    (a line before it was lost) is a ``DecodeError`` that says so.
    """

    def __init__(self) -> None:
        self._defs: dict[str, Any] = {}
        self._transcripts: dict[str, list[Any] | _Broken] = {}

    def decode(self, data: dict[str, Any]) -> Message:
        """The message of one parsed line (``data`` may be taken apart)."""
        log = data.pop(LOG_KEY, None)
        if log is None:
            return decode_object(data)
        session = data.get("session_id")
        session = session if isinstance(session, str) else BUS_SCOPE
        self._absorb(session, log)
        wire = data.get("type")
        cls = registry.get(wire.partition("@")[0]) if isinstance(wire, str) else None
        plan = None if cls is None else _plan_of(cls)
        if plan is not None:
            for group in plan.groups:
                for ref in group.refs:
                    self._restore(session, data, ref)
        return decode_object(data)

    def _absorb(self, session: str, log: object) -> None:
        if not isinstance(log, dict):
            raise DecodeError(f"{LOG_KEY!r} is not an object")
        defs = log.get("defs", {})
        if not isinstance(defs, dict):
            raise DecodeError(f"{LOG_KEY}.defs is not an object")
        self._defs.update(defs)
        added = log.get("add")
        if added is None:
            return
        at = log.get("at")
        if not isinstance(added, list) or not isinstance(at, int) or at < 0:
            raise DecodeError(f"{LOG_KEY}.add must be a list and {LOG_KEY}.at a position")
        transcript = [] if at == 0 else self._transcripts.get(session, [])
        if not isinstance(transcript, list) or len(transcript) != at:
            self._transcripts[session] = "broken"
            held = len(transcript) if isinstance(transcript, list) else "none readable"
            raise DecodeError(
                f"this line adds messages of session {session!r} from position {at}, but the "
                f"log holds {held} before it (lines were lost); later lines of that session "
                f"that refer to them cannot be read until one starts its transcript afresh"
            )
        transcript.extend(added)
        self._transcripts[session] = transcript

    def _restore(self, session: str, data: dict[str, Any], ref: _Ref) -> None:
        container = data if ref.sub is None else data.get(ref.top)
        key = ref.top if ref.sub is None else ref.sub
        if not isinstance(container, dict) or container.get(key) is None:
            return
        value = container[key]
        if not ref.sequence:
            container[key] = self._shared(value)
            return
        if not isinstance(value, list):
            raise DecodeError(f"{key!r} is not a list of references")
        transcript = self._transcripts.get(session)
        restored: list[Any] = []
        for part in value:
            if isinstance(part, str):
                restored.append(self._shared(part))
                continue
            if not (
                isinstance(part, list) and len(part) == 2 and all(type(n) is int for n in part)
            ):
                raise DecodeError(f"{key!r}: {part!r} is neither a digest nor a span")
            start, end = part
            if not isinstance(transcript, list) or not 0 <= start <= end <= len(transcript):
                raise DecodeError(
                    f"{key!r} refers to messages {start} to {end} of session {session!r}, "
                    f"which this log does not hold (were lines lost?)"
                )
            restored.extend(transcript[start:end])
        container[key] = restored

    def _shared(self, digest: object) -> Any:
        if not isinstance(digest, str) or digest not in self._defs:
            raise DecodeError(f"refers to a shared value {digest!r} that this log does not hold")
        return self._defs[digest]
