"""What a command's span is called and what it says: name, kind and GenAI attributes.

``CallLLMCommand`` -> ``chat {model}``, ``ExecuteToolCommand`` -> ``execute_tool {tool}``,
a command with a rule (``PromptCommand`` by default) -> ``invoke_agent {name}`` or
``invoke_workflow {name}``, anything else -> its type name. Commands are read by field
name (``_wire.FIELDS_READ``); content goes in only when it is captured.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.trace import SpanKind

from llmgine.messages import Command
from llmgine.sinks import _genai as genai
from llmgine.sinks import _otel_content as content
from llmgine.sinks._otel_rules import AGENT_NAME_KEY, WORKFLOW_NAME_KEY, rule_for
from llmgine.sinks._wire import CALL_LLM, EXECUTE_TOOL

PLAIN, CHAT, TOOL, INVOKE = range(4)
"""What a span is, for the events that fill it in."""


class SpanPlan:
    """A command's span before it is made: made when it ends or gets its first child."""

    __slots__ = ("attributes", "kind", "metric", "name", "span_kind")

    def __init__(
        self,
        name: str,
        kind: int,
        attributes: dict[str, Any],
        span_kind: SpanKind = SpanKind.INTERNAL,
        metric: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.attributes = attributes
        self.span_kind = span_kind
        self.metric = metric  # model calls: the attributes of their metric points


def plan(command: Command[Any], *, capture: bool, agent_name: str) -> SpanPlan:
    type_name = type(command).__name__
    attributes: dict[str, Any] = {
        "llmgine.command.type": type_name,
        "llmgine.command.id": command.command_id,
        genai.CONVERSATION_ID: command.session_id,
    }
    if type_name == CALL_LLM:
        return _chat(command, attributes, capture)
    if type_name == EXECUTE_TOOL:
        return _tool(command, attributes, capture)
    rule = rule_for(type_name)
    if rule is None:
        return SpanPlan(type_name, PLAIN, attributes)
    agent = rule.operation == genai.OP_INVOKE_AGENT
    name = getattr(command, rule.name_field, None) if rule.name_field else None
    if not isinstance(name, str) or not name:
        name = command.metadata.get(AGENT_NAME_KEY if agent else WORKFLOW_NAME_KEY)
    if not isinstance(name, str) or not name:
        name = rule.name or (agent_name if agent else type_name)
    attributes[genai.OPERATION_NAME] = rule.operation
    attributes[genai.AGENT_NAME if agent else genai.WORKFLOW_NAME] = name
    model = getattr(command, "model", None)
    if isinstance(model, str) and model:
        attributes[genai.REQUEST_MODEL] = model.partition(":")[2] or model
    if capture:
        prompt = getattr(command, "prompt", None)
        if isinstance(prompt, str):
            attributes[genai.INPUT_MESSAGES] = content.text_messages("user", prompt)
        system = getattr(command, "system_prompt", None)
        if isinstance(system, str) and system:
            attributes[genai.SYSTEM_INSTRUCTIONS] = content.text_parts(system)
    span_name = genai.INVOKE_AGENT_SPAN if agent else genai.INVOKE_WORKFLOW_SPAN
    return SpanPlan(span_name.format(name=name), INVOKE, attributes)


def _chat(command: Any, attributes: dict[str, Any], capture: bool) -> SpanPlan:
    prefix, _, model = str(command.model).partition(":")
    if not model:  # not ``provider:model``: the call will fail, the span still shows it
        prefix, model = "", prefix
    metric = {genai.OPERATION_NAME: genai.OP_CHAT}
    if prefix:
        metric[genai.PROVIDER_NAME] = genai.PROVIDER_NAMES.get(prefix, prefix)
    metric[genai.REQUEST_MODEL] = model
    attributes.update(metric)
    attributes[genai.REQUEST_STREAM] = bool(command.stream)
    request = command.request
    if request.max_tokens is not None:
        attributes[genai.REQUEST_MAX_TOKENS] = request.max_tokens
    if request.temperature is not None:
        attributes[genai.REQUEST_TEMPERATURE] = request.temperature
    if request.response_format is not None:
        attributes[genai.OUTPUT_TYPE] = genai.OUTPUT_TYPE_JSON
    if capture:
        attributes[genai.INPUT_MESSAGES] = content.input_messages(request.messages)
    kind = SpanKind.INTERNAL if prefix in genai.IN_PROCESS_PROVIDERS else SpanKind.CLIENT
    return SpanPlan(genai.CHAT_SPAN.format(model=model), CHAT, attributes, kind, metric)


def _tool(command: Any, attributes: dict[str, Any], capture: bool) -> SpanPlan:
    call = command.call
    attributes[genai.OPERATION_NAME] = genai.OP_EXECUTE_TOOL
    attributes[genai.TOOL_NAME] = call.name
    attributes[genai.TOOL_CALL_ID] = call.id
    attributes[genai.TOOL_TYPE] = genai.TOOL_TYPE_FUNCTION
    if capture:
        attributes[genai.TOOL_CALL_ARGUMENTS] = call.arguments
    return SpanPlan(genai.EXECUTE_TOOL_SPAN.format(name=call.name), TOOL, attributes)
