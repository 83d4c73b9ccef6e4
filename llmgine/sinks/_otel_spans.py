"""Bus messages -> OpenTelemetry spans and GenAI metrics.

A command opens a span and its ``CommandResult`` ends it, both at the messages' own
timestamps. The span's parent is the span of the message named by ``parent_id``: the
command whose handler executed it, or, for a command executed from an event handler, the
command in whose handling that event was published (events are remembered for this, in a
bounded map). A command with no ``parent_id`` starts a trace, under the caller's current
span if it has one; a command whose parent is unknown starts a fresh trace.

Events fill in the span of the command they belong to: the model's reply and usage, a
tool's failure, a handler's exception. Content goes on spans only when captured. Metrics
and spans the app publishes itself (``MetricEvent``, ``TraceEvent``) are recorded by
``_otel_published``.

The SDK span is made late, with every attribute known by then, when the command ends or
when a child needs it as a parent: most commands (model and tool calls) have no children,
so while they run they cost a small record instead of a live SDK span. At most
``max_open`` commands are followed at a time: past that, the oldest is ended as
unfinished, as every open one is at ``close``. One tracer serves one bus, on its event
loop thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.metrics import Meter
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, Status, StatusCode, TraceFlags

from llmgine.messages import Command, CommandResult, Event, Message
from llmgine.sinks import _genai as genai
from llmgine.sinks import _otel_content as content
from llmgine.sinks import _wire as wire
from llmgine.sinks._otel_commands import CHAT, INVOKE, TOOL, SpanPlan, plan
from llmgine.sinks._otel_published import PublishedTelemetry
from llmgine.sinks._recent import Recent

logger = logging.getLogger("llmgine.sinks.otel")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ROOT = Context()
_DESCRIPTION_LIMIT = 500
UNFINISHED = "unfinished"
"""``error.type`` of a span ended because its command never finished."""

Handler = Callable[[Any], None]
_Ids = tuple[int, int, int]
"""An ended span as plain ints (trace id, span id, flags): nothing for the GC to follow."""


def nanoseconds(moment: datetime) -> int:
    """A message timestamp as OpenTelemetry's integer nanoseconds since the epoch, exactly."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


class _Open:
    """A command that has not finished: its span's plan, and the span once it is made."""

    __slots__ = ("context", "error_text", "error_type", "parent", "plan", "span", "start")

    def __init__(self, plan: SpanPlan, start: int, parent: _Open | Context | None) -> None:
        self.plan = plan
        self.start = start
        self.parent = parent  # None: the context current when the command was recorded
        self.span: Span | None = None
        self.context: Context | None = None  # the span as a parent, for children
        self.error_type: str | None = None
        self.error_text: str | None = None

    def set(self, values: dict[str, Any]) -> None:
        if self.span is None:
            self.plan.attributes.update(values)
        else:
            self.span.set_attributes(values)


class MessageTracer:
    """Turns the messages of one bus into spans and metric points."""

    def __init__(
        self,
        tracer: trace.Tracer,
        meter: Meter,
        *,
        capture_content: bool,
        agent_name: str,
        max_open: int,
    ) -> None:
        self._tracer = tracer
        self._capture = capture_content
        self._agent_name = agent_name
        self._max_open = max_open
        self._open: dict[str, _Open] = {}
        # For children that come later: event id -> id of the command it belongs to, and
        # ended command id -> its span.
        limit = max(4 * max_open, 1_000)
        self._links: Recent[str] = Recent(limit)
        self._ended: Recent[_Ids] = Recent(limit)
        self._token_usage = meter.create_histogram(
            genai.TOKEN_USAGE_METRIC,
            unit=genai.TOKEN_USAGE_UNIT,
            description="Tokens used by model calls, by token type",
            explicit_bucket_boundaries_advisory=list(genai.TOKEN_USAGE_BUCKETS),
        )
        self._duration = meter.create_histogram(
            genai.OPERATION_DURATION_METRIC,
            unit=genai.OPERATION_DURATION_UNIT,
            description="Duration of model calls",
            explicit_bucket_boundaries_advisory=list(genai.OPERATION_DURATION_BUCKETS),
        )
        # Metrics and spans the app publishes itself (``llmgine.sinks.MetricEvent``...).
        self._published = PublishedTelemetry(tracer, meter, self._context_of, max_open=max_open)
        self._events: dict[str, Handler] = {
            "MetricEvent": self._published.metric,
            "TraceEvent": self._published_span,
            wire.LLM_COMPLETED: self._llm_completed,
            wire.LLM_FAILED: self._llm_failed,
            wire.TOOL_FAILED: self._tool_failed,
            wire.HANDLER_FAILED: self._handler_failed,
        }
        if capture_content:
            self._events[wire.TOOL_COMPLETED] = self._tool_completed
            self._events[wire.RESPONSE_COMPLETED] = self._response_completed

    @property
    def open_spans(self) -> int:
        return len(self._open)

    def handler_for(self, cls: type[Message]) -> Handler | None:
        """What to do with messages of ``cls`` (None: nothing). Asked once per class."""
        if issubclass(cls, Command):
            return self._command
        if issubclass(cls, CommandResult):
            return self._result
        if issubclass(cls, Event):
            return self._events.get(cls.__name__, self._link)
        return None

    # -- commands and results --------------------------------------------------------------

    def _command(self, command: Command[Any]) -> None:
        span_plan = plan(command, capture=self._capture, agent_name=self._agent_name)
        parent_id = command.parent_id
        parent = otel_context.get_current() if parent_id is None else self._parent(parent_id)
        self._open[command.command_id] = _Open(span_plan, nanoseconds(command.timestamp), parent)
        if len(self._open) > self._max_open:
            oldest = next(iter(self._open))
            self._end_unfinished(
                oldest, f"more than {self._max_open} commands were open at once; ended early"
            )

    def _result(self, result: CommandResult[Any]) -> None:
        record = self._open.pop(result.command_id, None)
        if record is None:
            return
        error_type = record.error_type
        if not result.success and error_type is None:
            error_type = _failure_type(result)
        if error_type is not None:  # a failed tool call fails its span, not its command
            record.set({genai.ERROR_TYPE: error_type})
        span = self._span_of(record)
        if error_type is not None:
            description = record.error_text or result.error or error_type
            span.set_status(Status(StatusCode.ERROR, description[:_DESCRIPTION_LIMIT]))
        end = max(nanoseconds(result.timestamp), record.start)
        span.end(end_time=end)
        self._ended_now(result.command_id, span)
        metric = record.plan.metric
        if metric is not None:
            if error_type is not None:
                metric = {**metric, genai.ERROR_TYPE: error_type}
            self._duration.record((end - record.start) / 1e9, metric)

    def _span_of(self, record: _Open) -> Span:
        """The record's SDK span, made now (parents first) if it does not exist yet."""
        if record.span is not None:
            return record.span
        waiting = [record]
        parent = record.parent
        while isinstance(parent, _Open) and parent.span is None:
            waiting.append(parent)
            parent = parent.parent
        for node in reversed(waiting):
            above = node.parent
            if isinstance(above, _Open):
                assert above.span is not None
                if above.context is None:
                    above.context = trace.set_span_in_context(above.span, _ROOT)
                above = above.context
            span_plan = node.plan
            node.span = self._tracer.start_span(
                span_plan.name,
                context=above,
                kind=span_plan.span_kind,
                attributes=span_plan.attributes,
                start_time=node.start,
            )
            node.parent = None  # let go of the chain above
        assert record.span is not None
        return record.span

    # -- events ------------------------------------------------------------------------------

    def _link(self, event: Event) -> None:
        """Remember which command ``event`` belongs to, for commands its handlers execute."""
        parent = event.parent_id
        if parent is None:
            return
        if parent in self._open or self._ended.get(parent) is not None:
            owner = parent
        else:  # the parent is an event: it belongs to a command of its own, or to none
            found = self._links.get(parent)
            if found is None:
                return
            owner = found
        self._links.put(event.event_id, owner)

    def _open_of(self, event: Event, kind: int) -> _Open | None:
        self._link(event)
        record = self._open.get(event.parent_id) if event.parent_id else None
        return record if record is not None and record.plan.kind == kind else None

    def _llm_completed(self, event: Any) -> None:
        record = self._open_of(event, CHAT)
        if record is None:
            return
        model = str(event.model)
        model = model.partition(":")[2] or model
        usage = event.usage
        values: dict[str, Any] = {
            genai.RESPONSE_MODEL: model,
            genai.RESPONSE_FINISH_REASONS: (str(event.finish_reason),),
        }
        if usage.reported:  # no usage attributes at all beats a made-up 0
            values[genai.USAGE_INPUT_TOKENS] = usage.input_tokens
            values[genai.USAGE_OUTPUT_TOKENS] = usage.output_tokens
        if event.response_id:
            values[genai.RESPONSE_ID] = event.response_id
        if event.first_delta_ms is not None:
            values[genai.RESPONSE_TIME_TO_FIRST_CHUNK] = event.first_delta_ms / 1000
        if self._capture:
            values[genai.OUTPUT_MESSAGES] = content.output_messages(
                event.content, event.tool_calls, event.finish_reason
            )
        record.set(values)
        span_plan = record.plan
        assert span_plan.metric is not None
        metric = span_plan.metric = {**span_plan.metric, genai.RESPONSE_MODEL: model}
        if not usage.reported:
            return
        record_tokens = self._token_usage.record
        record_tokens(usage.input_tokens, {**metric, genai.TOKEN_TYPE: genai.TOKEN_TYPE_INPUT})
        record_tokens(usage.output_tokens, {**metric, genai.TOKEN_TYPE: genai.TOKEN_TYPE_OUTPUT})

    def _llm_failed(self, event: Any) -> None:
        record = self._open_of(event, CHAT)
        if record is not None:
            record.error_type = str(event.error_type)
            record.error_text = str(event.error)

    def _tool_failed(self, event: Any) -> None:
        record = self._open_of(event, TOOL)
        if record is not None:
            record.error_type = str(event.error_kind)
            # The error may quote the arguments: it is content, shown only when captured.
            record.error_text = str(event.error) if self._capture else None

    def _tool_completed(self, event: Any) -> None:
        record = self._open_of(event, TOOL)
        if record is not None:
            record.set({genai.TOOL_CALL_RESULT: str(event.result)})

    def _response_completed(self, event: Any) -> None:
        record = self._open_of(event, INVOKE)
        if record is not None:
            output = content.output_messages(event.content, (), str(event.finish_reason))
            record.set({genai.OUTPUT_MESSAGES: output})

    def _published_span(self, event: Any) -> None:
        self._link(event)
        self._published.trace(event)

    def _context_of(self, event: Event) -> Context:
        """Where a span published as ``event`` goes when it names no published parent: under
        the command it was published in, else under the publisher's current span."""
        if event.parent_id is None:
            return otel_context.get_current()
        parent = self._parent(event.parent_id)
        if not isinstance(parent, _Open):
            return parent
        span = self._span_of(parent)
        if parent.context is None:
            parent.context = trace.set_span_in_context(span, _ROOT)
        return parent.context

    def _handler_failed(self, event: Any) -> None:
        self._link(event)
        record = self._open.get(event.failed_message_id)
        if record is not None and record.error_type is None:
            record.error_type = str(event.exception_type)

    # -- parents, memory and the end -------------------------------------------------------

    def _parent(self, parent_id: str) -> _Open | Context:
        record = self._open.get(parent_id)
        if record is not None:
            return record
        owner = self._links.get(parent_id)
        if owner is not None:  # the parent is an event: its command is the parent
            record = self._open.get(owner)
            if record is not None:
                return record
            parent_id = owner
        ids = self._ended.get(parent_id)
        if ids is None:
            return _ROOT
        trace_id, span_id, flags = ids
        ended = SpanContext(trace_id, span_id, is_remote=False, trace_flags=TraceFlags(flags))
        return trace.set_span_in_context(NonRecordingSpan(ended), _ROOT)

    def _ended_now(self, command_id: str, span: Span) -> None:
        known = span.get_span_context()
        self._ended.put(command_id, (known.trace_id, known.span_id, known.trace_flags))

    def _end_unfinished(self, command_id: str, why: str) -> None:
        record = self._open.pop(command_id)
        record.set({genai.ERROR_TYPE: UNFINISHED})
        span = self._span_of(record)
        span.set_status(Status(StatusCode.ERROR, why))
        span.end()
        self._ended_now(command_id, span)

    def end_all(self) -> int:
        """End every open span as unfinished (the sink is closing); returns how many."""
        count = len(self._open)
        for command_id in list(self._open):
            self._end_unfinished(command_id, "the sink closed before the command finished")
        return count + self._published.end_all()


def _failure_type(result: CommandResult[Any]) -> str:
    """``error.type`` of a failed result that no event explained: its exception's class,
    or, for failures without an exception (no handler, a rejection), their kind."""
    failure = result.failure
    if failure is None:
        return genai.ERROR_TYPE_OTHER
    return failure.exception_type or failure.kind
