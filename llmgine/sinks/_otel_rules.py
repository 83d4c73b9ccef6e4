"""Which bus messages the OpenTelemetry sink reads, and which commands become agent spans.

Observability sits below the engine and the tools, so the sink cannot import their
classes: it recognises messages by their registered type names (the wire names, which
never change) and reads their fields by name. ``_wire.FIELDS_READ`` lists every name and
field it relies on; a test checks each against the registered classes, so renaming one
breaks that test rather than silently emptying the traces.

Every command becomes a span. ``PromptCommand`` (a chat turn) is an agent invocation;
``trace_command_as`` makes other command types agent or workflow spans too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from llmgine.sinks import _genai as genai
from llmgine.sinks._wire import PROMPT

CHAT_MESSAGE_FIELDS: Final = ("role", "content", "tool_calls", "tool_call_id")
"""Fields read from the chat messages of a request, when content is captured."""

AGENT_NAME_KEY: Final = "agent_name"
"""Metadata key that names the agent of an agent span (``PromptCommand(..., metadata=
{"agent_name": "support"})``)."""
WORKFLOW_NAME_KEY: Final = "workflow_name"
"""Metadata key that names the workflow of a workflow span."""

SpanOperation = Literal["invoke_agent", "invoke_workflow"]


@dataclass(frozen=True, slots=True)
class SpanRule:
    """How a command type is traced when it is not a plain command span."""

    operation: SpanOperation
    name_field: str | None = None
    name: str | None = None


_rules: dict[str, SpanRule] = {PROMPT: SpanRule(genai.OP_INVOKE_AGENT)}


def trace_command_as(
    command_type: str,
    operation: SpanOperation | None,
    *,
    name_field: str | None = None,
    name: str | None = None,
) -> None:
    """Trace commands of ``command_type`` (a wire name) as agent or workflow invocations.

    Their spans are named ``invoke_agent {name}`` or ``invoke_workflow {name}`` and carry
    ``gen_ai.operation.name`` accordingly. The name is the command's ``name_field`` when it
    holds a non-empty string, else its metadata ``"agent_name"`` / ``"workflow_name"``, else
    ``name``, else (agents) the sink's ``agent_name`` or (workflows) the command type.
    ``operation=None`` returns the type to a plain span named after it.
    """
    if operation is None:
        _rules.pop(command_type, None)
        return
    if operation not in (genai.OP_INVOKE_AGENT, genai.OP_INVOKE_WORKFLOW):
        raise ValueError(
            f"operation must be 'invoke_agent', 'invoke_workflow' or None, not {operation!r}"
        )
    _rules[command_type] = SpanRule(operation, name_field, name)


def rule_for(command_type: str) -> SpanRule | None:
    return _rules.get(command_type)
