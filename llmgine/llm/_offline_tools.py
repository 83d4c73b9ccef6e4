"""Matching plain requests to the tools offered, and filling in their arguments.

The offline stand-in calls a tool when a request it recognised (``_offline_intents``) fits a
tool: found by keywords in its name, then its description; arguments filled by parameter
names (``location``/``city``, ``expression``, ``to``/``subject``/``body``), only parameters
that exist in the tool's JSON schema. A required parameter the request does not give takes
the schema's default or first enum value; failing that, the tool is not called at all, since
a call the tool must refuse helps nobody.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from llmgine.llm._offline_intents import Intent, IntentKind, find_intents
from llmgine.llm._types import ToolDefinition


@dataclass(frozen=True)
class PlannedCall:
    """A tool call the stand-in will make; ``arguments`` fit the tool's JSON schema."""

    name: str
    arguments: dict[str, Any]


def plan_tool_calls(text: str, tools: Sequence[ToolDefinition]) -> list[PlannedCall]:
    """A call for each request in ``text`` that one of ``tools`` can serve, in text order."""
    calls = (call_for(intent, tools) for intent in find_intents(text))
    return [call for call in calls if call is not None]


_TOOL_WORDS: dict[IntentKind, tuple[str, ...]] = {
    "weather": ("weather", "forecast", "temperature"),
    "arithmetic": ("calc", "math", "arith", "evaluat", "compute"),
    "email": ("email", "mail"),
}
_SLOT_PARAMETERS: dict[str, tuple[str, ...]] = {
    "location": ("location", "city", "place", "where", "loc"),
    "unit": ("unit", "units"),
    "expression": ("expression", "expr", "query", "formula", "equation", "input"),
    "to": ("to", "recipient", "recipients", "address", "email", "to_address"),
    "subject": ("subject", "title"),
    "body": ("body", "message", "content", "text"),
}


def call_for(intent: Intent, tools: Sequence[ToolDefinition]) -> PlannedCall | None:
    """The call of the first tool that fits ``intent``, or None when none can be filled."""
    words = _TOOL_WORDS[intent.kind]
    by_name = [t for t in tools if any(w in t.name.lower() for w in words)]
    by_description = [t for t in tools if any(w in t.description.lower() for w in words)]
    for tool in by_name + by_description:
        arguments = _fill(intent, tool.parameters)
        if arguments is not None:
            return PlannedCall(tool.name, arguments)
    return None


def _fill(intent: Intent, schema: Mapping[str, Any]) -> dict[str, Any] | None:
    properties: Mapping[str, Any] = schema.get("properties") or {}
    main = next(iter(intent.slots))
    arguments: dict[str, Any] = {}
    for slot, value in intent.slots.items():
        # A weather or arithmetic tool with one string parameter takes the value whatever its name.
        lone = slot == main and intent.kind != "email"
        name = _parameter_for(slot, properties, lone=lone)
        if name is None or name in arguments:
            if slot == main:
                return None  # nowhere to put the place / expression / recipient
            continue
        coerced = _coerce(value, properties[name] or {})
        if coerced is not None:
            arguments[name] = coerced
    for name in schema.get("required") or ():
        if name in arguments:
            continue
        spec = properties.get(name) or {}
        if "default" in spec:
            arguments[name] = spec["default"]
        elif spec.get("enum"):
            arguments[name] = spec["enum"][0]
        else:
            return None  # a required argument the request does not give
    return arguments


def _parameter_for(slot: str, properties: Mapping[str, Any], *, lone: bool) -> str | None:
    names = _SLOT_PARAMETERS[slot]
    lowered = {p.lower(): p for p in properties}
    for name in names:
        if name in lowered:
            return lowered[name]
    for name in names:
        # Substrings only for longer words: "to" would match "total" or "tomorrow".
        if len(name) >= 4:
            for candidate, original in lowered.items():
                if name in candidate:
                    return original
    strings = [p for p, s in properties.items() if (s or {}).get("type", "string") == "string"]
    if lone and len(strings) == 1:
        return strings[0]
    return None


def _coerce(value: str, spec: Mapping[str, Any]) -> Any:
    """``value`` in the parameter's shape; None when its enum does not allow it."""
    if spec.get("type") == "array":
        return [value]
    enum = spec.get("enum")
    if enum:
        return next((e for e in enum if str(e).lower() == value.lower()), None)
    return value
