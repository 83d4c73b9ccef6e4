"""Pairing published ``TraceEvent``s into spans: a plain function of the events seen so far.

A span is keyed by its published ``(trace_id, span_id)``. The first event of a key starts
the span, unless it carries an end (``end_time`` or ``duration_ms``): then it is the whole
span. The next event of the key ends it. At most ``max_open`` spans wait for their end; a
new one past that pushes out the oldest, which the caller ends as unfinished, so spans
whose end never comes cannot pile up.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import JsonValue

from llmgine.sinks._published import TraceEvent

Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class OpenSpan:
    """A span whose start was published."""

    key: Key
    name: str
    start: datetime
    parent_span_id: str | None
    first: TraceEvent
    """The event that started it (its ``parent_id`` says which command it was published in)."""


@dataclass(frozen=True, slots=True)
class Started:
    span: OpenSpan
    pushed_out: OpenSpan | None = None
    """The oldest open span, pushed out by this one: end it as unfinished."""


@dataclass(frozen=True, slots=True)
class Ended:
    span: OpenSpan
    end: datetime
    status: str | None
    attributes: dict[str, JsonValue]
    """Of both halves; the end's win."""
    events: tuple[dict[str, JsonValue], ...]
    whole: bool
    """True when one event was the whole span (it was never ``Started``)."""
    last: TraceEvent
    """The event that ended it (the same as ``span.first`` for a whole span)."""

    @property
    def duration_ms(self) -> float:
        return (self.end - self.span.start).total_seconds() * 1000


class SpanBook:
    """The published spans that have started and not ended yet."""

    def __init__(self, max_open: int = 1_000) -> None:
        if max_open < 1:
            raise ValueError(f"max_open must be at least 1, got {max_open!r}")
        self.max_open = max_open
        self._open: OrderedDict[Key, OpenSpan] = OrderedDict()

    @property
    def open(self) -> int:
        return len(self._open)

    def observe(self, event: TraceEvent) -> Started | Ended:
        ids = event.span_context
        key = (ids.trace_id, ids.span_id)
        begun = self._open.pop(key, None)
        if begun is not None:
            return _ended(begun, event, whole=False)
        has_end = event.end_time is not None or event.duration_ms is not None
        span = OpenSpan(
            key=key,
            name=event.name,
            start=_start_of(event) if has_end else event.start_time or event.timestamp,
            parent_span_id=ids.parent_span_id,
            first=event,
        )
        if has_end:
            return _ended(span, event, whole=True)
        self._open[key] = span
        pushed_out = None
        if len(self._open) > self.max_open:
            _, pushed_out = self._open.popitem(last=False)
        return Started(span, pushed_out)

    def drain(self) -> list[OpenSpan]:
        """Every open span, oldest first, forgotten (the sink is closing)."""
        spans = list(self._open.values())
        self._open.clear()
        return spans


def _start_of(event: TraceEvent) -> datetime:
    """The start of a whole span: given, or its end less its duration, or its end."""
    if event.start_time is not None:
        return event.start_time
    end = event.end_time or event.timestamp
    return end - timedelta(milliseconds=event.duration_ms or 0)


def _ended(span: OpenSpan, event: TraceEvent, *, whole: bool) -> Ended:
    if event.end_time is not None:
        end = event.end_time
    elif event.duration_ms is not None:
        end = span.start + timedelta(milliseconds=event.duration_ms)
    else:
        end = event.timestamp
    first = span.first
    attributes = event.attributes if whole else {**first.attributes, **event.attributes}
    events = event.events if whole else first.events + event.events
    return Ended(
        span=span,
        end=max(end, span.start),
        status=event.status,
        attributes=attributes,
        events=events,
        whole=whole,
        last=event,
    )
