"""Bus messages -> OpenTelemetry spans and GenAI metrics.

A command opens a span and its ``CommandResult`` ends it, both at the messages' own
timestamps. The span's parent is the span of the message named by ``parent_id``: the
command whose handler executed it, or, for a command executed from an event handler, the
command in whose handling that event was published (events are remembered for this, in a
bounded map). A command with no ``parent_id`` starts a trace, under the caller's current
span if it has one; a command whose parent is unknown starts a fresh trace.

Events fill in the span of the command they belong to: the model's reply and usage, a
tool's failure, a handler's exception. Content goes on spans only when captured. At most
``max_open`` spans are open at a time: past that, the oldest is ended as unfinished, as
every open span is at ``close``. One tracer serves one bus, on its event loop thread.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.metrics import Meter
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, SpanKind, Status, StatusCode

from llmgine.messages import Command, CommandResult, Event, Message
from llmgine.observability import _genai as genai
from llmgine.observability import _otel_content as content
from llmgine.observability._otel_rules import (
    AGENT_NAME_KEY,
    WORKFLOW_NAME_KEY,
    SpanRule,
    rule_for,
)

logger = logging.getLogger("llmgine.observability.otel")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ROOT = Context()
_DESCRIPTION_LIMIT = 500
_ERROR_NAME = re.compile(r"([A-Z][A-Za-z0-9_]*(?:Error|Exception)): ")
UNFINISHED = "unfinished"
"""``error.type`` of a span ended because its command never finished."""

_PLAIN, _CHAT, _TOOL, _INVOKE = range(4)
Handler = Callable[[Any], None]


def nanoseconds(moment: datetime) -> int:
    """A message timestamp as OpenTelemetry's integer nanoseconds since the epoch, exactly."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


class _Open:
    """A command span waiting for its result."""

    __slots__ = ("error_text", "error_type", "kind", "metric", "parent", "span", "start")

    def __init__(self, span: Span, kind: int, start: int, metric: dict[str, Any] | None) -> None:
        self.span = span
        self.kind = kind
        self.start = start
        self.metric = metric  # chat spans: the attributes of their metric points
        self.parent = trace.set_span_in_context(span, _ROOT)
        self.error_type: str | None = None
        self.error_text: str | None = None


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
        # Span contexts of ended commands and of events published while a command was
        # handled, for children that come later: two generations, so memory stays bounded.
        self._recent: dict[str, SpanContext] = {}
        self._older: dict[str, SpanContext] = {}
        self._recent_limit = max(4 * max_open, 1_000)
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
        self._events: dict[str, Handler] = {
            "LLMCallCompletedEvent": self._llm_completed,
            "LLMCallFailedEvent": self._llm_failed,
            "ToolCallFailedEvent": self._tool_failed,
            "HandlerFailedEvent": self._handler_failed,
        }
        if capture_content:
            self._events["ToolCallCompletedEvent"] = self._tool_completed
            self._events["ResponseCompletedEvent"] = self._response_completed

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

    def _command(self, command: Command) -> None:
        type_name = type(command).__name__
        session = command.session_id
        attributes: dict[str, Any] = {
            "llmgine.command.type": type_name,
            "llmgine.command.id": command.command_id,
            genai.CONVERSATION_ID: session,
        }
        metric = None
        kind = SpanKind.INTERNAL
        if type_name == "CallLLMCommand":
            name, kind, metric = self._chat(command, attributes)
            what = _CHAT
        elif type_name == "ExecuteToolCommand":
            name = self._tool(command, attributes)
            what = _TOOL
        else:
            rule = rule_for(type_name)
            if rule is None:
                name, what = type_name, _PLAIN
            else:
                name, what = self._invoke(command, rule, attributes), _INVOKE
        start = nanoseconds(command.timestamp)
        span = self._tracer.start_span(
            name,
            context=self._parent(command.parent_id),
            kind=kind,
            attributes=attributes,
            start_time=start,
        )
        self._open[command.command_id] = _Open(span, what, start, metric)
        if len(self._open) > self._max_open:
            oldest = next(iter(self._open))
            self._end_unfinished(
                oldest, f"more than {self._max_open} commands were open at once; ended early"
            )

    def _chat(
        self, command: Any, attributes: dict[str, Any]
    ) -> tuple[str, SpanKind, dict[str, str]]:
        prefix, _, model = str(command.model).partition(":")
        if not model:  # not ``provider:model``: the call will fail, the span still shows it
            prefix, model = "", prefix
        metric = {genai.OPERATION_NAME: genai.OP_CHAT}
        if prefix:
            metric[genai.PROVIDER_NAME] = genai.PROVIDER_NAMES.get(prefix, prefix)
        metric[genai.REQUEST_MODEL] = model
        attributes.update(metric)
        request = command.request
        attributes[genai.REQUEST_STREAM] = bool(command.stream)
        if request.max_tokens is not None:
            attributes[genai.REQUEST_MAX_TOKENS] = request.max_tokens
        if request.temperature is not None:
            attributes[genai.REQUEST_TEMPERATURE] = request.temperature
        if request.response_format is not None:
            attributes[genai.OUTPUT_TYPE] = genai.OUTPUT_TYPE_JSON
        if self._capture:
            attributes[genai.INPUT_MESSAGES] = content.input_messages(request.messages)
        kind = SpanKind.INTERNAL if prefix in genai.IN_PROCESS_PROVIDERS else SpanKind.CLIENT
        return genai.CHAT_SPAN.format(model=model), kind, metric

    def _tool(self, command: Any, attributes: dict[str, Any]) -> str:
        call = command.call
        attributes[genai.OPERATION_NAME] = genai.OP_EXECUTE_TOOL
        attributes[genai.TOOL_NAME] = call.name
        attributes[genai.TOOL_CALL_ID] = call.id
        attributes[genai.TOOL_TYPE] = genai.TOOL_TYPE_FUNCTION
        if self._capture:
            attributes[genai.TOOL_CALL_ARGUMENTS] = call.arguments
        return genai.EXECUTE_TOOL_SPAN.format(name=call.name)

    def _invoke(self, command: Command, rule: SpanRule, attributes: dict[str, Any]) -> str:
        agent = rule.operation == genai.OP_INVOKE_AGENT
        name = getattr(command, rule.name_field, None) if rule.name_field else None
        if not isinstance(name, str) or not name:
            name = command.metadata.get(AGENT_NAME_KEY if agent else WORKFLOW_NAME_KEY)
        if not isinstance(name, str) or not name:
            name = rule.name or (self._agent_name if agent else type(command).__name__)
        attributes[genai.OPERATION_NAME] = rule.operation
        attributes[genai.AGENT_NAME if agent else genai.WORKFLOW_NAME] = name
        model = getattr(command, "model", None)
        if isinstance(model, str) and model:
            attributes[genai.REQUEST_MODEL] = model.partition(":")[2] or model
        if self._capture:
            prompt = getattr(command, "prompt", None)
            if isinstance(prompt, str):
                attributes[genai.INPUT_MESSAGES] = content.text_messages("user", prompt)
            system = getattr(command, "system_prompt", None)
            if isinstance(system, str) and system:
                attributes[genai.SYSTEM_INSTRUCTIONS] = content.text_parts(system)
        span_name = genai.INVOKE_AGENT_SPAN if agent else genai.INVOKE_WORKFLOW_SPAN
        return span_name.format(name=name)

    def _result(self, result: CommandResult) -> None:
        record = self._open.pop(result.command_id, None)
        if record is None:
            return
        span = record.span
        error_type = record.error_type
        if not result.success and error_type is None:
            error_type = _failure_type(result)
        if error_type is not None:
            # A failed tool call fails its span, though the command itself succeeded.
            description = record.error_text or result.error or error_type
            span.set_attribute(genai.ERROR_TYPE, error_type)
            span.set_status(Status(StatusCode.ERROR, description[:_DESCRIPTION_LIMIT]))
        end = max(nanoseconds(result.timestamp), record.start)
        span.end(end_time=end)
        self._remember(result.command_id, span.get_span_context())
        if record.metric is not None:
            attributes = record.metric
            if error_type is not None:
                attributes = {**attributes, genai.ERROR_TYPE: error_type}
            self._duration.record((end - record.start) / 1e9, attributes)

    # -- events ------------------------------------------------------------------------------

    def _link(self, event: Event) -> None:
        """Remember which span ``event`` belongs to, for commands its handlers execute."""
        parent = event.parent_id
        if parent is None:
            return
        record = self._open.get(parent)
        if record is not None:
            self._remember(event.event_id, record.span.get_span_context())
            return
        known = self._recalled(parent)
        if known is not None:
            self._remember(event.event_id, known)

    def _open_of(self, event: Event, kind: int) -> _Open | None:
        self._link(event)
        record = self._open.get(event.parent_id) if event.parent_id else None
        return record if record is not None and record.kind == kind else None

    def _llm_completed(self, event: Any) -> None:
        record = self._open_of(event, _CHAT)
        if record is None:
            return
        model = str(event.model)
        model = model.partition(":")[2] or model
        usage = event.usage
        span = record.span
        span.set_attribute(genai.RESPONSE_MODEL, model)
        span.set_attribute(genai.USAGE_INPUT_TOKENS, usage.input_tokens)
        span.set_attribute(genai.USAGE_OUTPUT_TOKENS, usage.output_tokens)
        span.set_attribute(genai.RESPONSE_FINISH_REASONS, (str(event.finish_reason),))
        if event.response_id:
            span.set_attribute(genai.RESPONSE_ID, event.response_id)
        if event.first_delta_ms is not None:
            span.set_attribute(genai.RESPONSE_TIME_TO_FIRST_CHUNK, event.first_delta_ms / 1000)
        if self._capture:
            span.set_attribute(
                genai.OUTPUT_MESSAGES,
                content.output_messages(event.content, event.tool_calls, event.finish_reason),
            )
        assert record.metric is not None
        metric = record.metric = {**record.metric, genai.RESPONSE_MODEL: model}
        record_tokens = self._token_usage.record
        record_tokens(usage.input_tokens, {**metric, genai.TOKEN_TYPE: genai.TOKEN_TYPE_INPUT})
        record_tokens(usage.output_tokens, {**metric, genai.TOKEN_TYPE: genai.TOKEN_TYPE_OUTPUT})

    def _llm_failed(self, event: Any) -> None:
        record = self._open_of(event, _CHAT)
        if record is not None:
            record.error_type = str(event.error_type)
            record.error_text = str(event.error)

    def _tool_failed(self, event: Any) -> None:
        record = self._open_of(event, _TOOL)
        if record is not None:
            record.error_type = str(event.error_kind)
            # The error may quote the arguments: it is content, shown only when captured.
            record.error_text = str(event.error) if self._capture else None

    def _tool_completed(self, event: Any) -> None:
        record = self._open_of(event, _TOOL)
        if record is not None:
            record.span.set_attribute(genai.TOOL_CALL_RESULT, str(event.result))

    def _response_completed(self, event: Any) -> None:
        record = self._open_of(event, _INVOKE)
        if record is not None:
            record.span.set_attribute(
                genai.OUTPUT_MESSAGES,
                content.output_messages(event.content, (), str(event.finish_reason)),
            )

    def _handler_failed(self, event: Any) -> None:
        self._link(event)
        record = self._open.get(event.failed_message_id)
        if record is not None and record.error_type is None:
            record.error_type = str(event.exception_type)

    # -- parents, memory and the end -------------------------------------------------------

    def _parent(self, parent_id: str | None) -> Context | None:
        if parent_id is None:
            return None  # the caller's current context: under its span, if it has one
        record = self._open.get(parent_id)
        if record is not None:
            return record.parent
        known = self._recalled(parent_id)
        if known is None:
            return _ROOT
        return trace.set_span_in_context(NonRecordingSpan(known), _ROOT)

    def _remember(self, message_id: str, span_context: SpanContext) -> None:
        recent = self._recent
        recent[message_id] = span_context
        if len(recent) >= self._recent_limit:
            self._older, self._recent = recent, {}

    def _recalled(self, message_id: str) -> SpanContext | None:
        found = self._recent.get(message_id)
        return found if found is not None else self._older.get(message_id)

    def _end_unfinished(self, command_id: str, why: str) -> None:
        record = self._open.pop(command_id)
        record.span.set_attribute(genai.ERROR_TYPE, UNFINISHED)
        record.span.set_status(Status(StatusCode.ERROR, why))
        record.span.end()

    def end_all(self) -> int:
        """End every open span as unfinished (the sink is closing); returns how many."""
        count = len(self._open)
        for command_id in list(self._open):
            self._end_unfinished(command_id, "the sink closed before the command finished")
        return count


def _failure_type(result: CommandResult) -> str:
    """``error.type`` of a failed result that no event explained."""
    value = getattr(result.result, "error_type", None)
    if isinstance(value, str) and value:
        return value
    match = _ERROR_NAME.match(result.error or "")
    return match.group(1) if match else genai.ERROR_TYPE_OTHER
