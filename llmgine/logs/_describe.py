"""Short, readable text for the records of a log: what a reader of ``llmgine logs`` sees.

Observability sits below the engine and the tools, so it knows their messages only by type
name and field names, as they are written in the log. Every read is defensive: a log from
another version may lack a field or hold another kind of value, and then the text says less
rather than fail. Texts are one line: newlines and runs of spaces become single spaces.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from llmgine.logs._reader import LogRecord

ENVELOPE_FIELDS = frozenset(
    {"kind", "type", "session_id", "timestamp", "metadata", "command_id", "event_id", "parent_id"}
)
"""Fields every message has; what is left are the message's own."""

_SPACES = re.compile(r"\s+")


def shorten(text: str, limit: int | None = 80) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis (``None``: uncut)."""
    if limit is not None and len(text) > 8 * limit + 8:
        text = text[: 8 * limit + 8]  # a long tool result need not be flattened whole
    flat = _SPACES.sub(" ", text).strip()
    if limit is None or len(flat) <= limit:
        return flat
    return flat[: max(limit - 1, 0)] + "…"


def quoted(text: str, limit: int | None = 80) -> str:
    return '"' + shorten(text, None if limit is None else limit - 2) + '"'


def format_ms(ms: float) -> str:
    """A duration for people: ``0.42 ms``, ``849 ms``, ``1.8 s``, ``2 min 5 s``."""
    if ms < 10:
        return f"{ms:.2f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    minutes, seconds = divmod(round(ms / 1000), 60)
    return f"{minutes} min {seconds} s"


def format_tokens(input_tokens: int, output_tokens: int) -> str:
    return f"{input_tokens:,} in / {output_tokens:,} out tokens"


def format_arguments(arguments: object, limit: int | None = 80) -> str:
    """Tool-call arguments (JSON text, as the model wrote them) as ``name="value", n=1``."""
    value: object = arguments
    if isinstance(arguments, str):
        try:
            value = orjson.loads(arguments or "{}")
        except orjson.JSONDecodeError:
            return shorten(arguments, limit)
    if not isinstance(value, dict):
        return shorten(str(arguments), limit)
    part_limit = None if limit is None else 40
    parts = [f"{key}={shorten(_json(item), part_limit)}" for key, item in value.items()]
    return shorten(", ".join(parts), limit)


def _json(value: object) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return repr(value)


class Fields:
    """Typed, forgiving access to the fields of one record."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            return default
        return value if isinstance(value, str) else _json(value)

    def number(self, key: str) -> float | None:
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value)

    def mapping(self, key: str) -> Mapping[str, Any]:
        value = self.data.get(key)
        return value if isinstance(value, dict) else {}

    def tokens(self, key: str = "usage") -> tuple[int, int] | None:
        """``(input, output)`` tokens of a usage field, if it has them."""
        usage = Fields(self.mapping(key))
        found = usage.number("input_tokens"), usage.number("output_tokens")
        if found == (None, None):
            return None
        return int(found[0] or 0), int(found[1] or 0)


def describe_record(record: LogRecord, limit: int | None = 80) -> str:
    """One line saying what ``record`` holds, for a listing of records."""
    describe = _DESCRIBERS.get(record.type, _generic)
    return shorten(describe(Fields(record.data), limit), limit)


def _generic(f: Fields, limit: int | None) -> str:
    part_limit = None if limit is None else 40
    parts = [
        f"{key}={shorten(_json(value), part_limit)}"
        for key, value in f.data.items()
        if key not in ENVELOPE_FIELDS
    ]
    return ", ".join(parts)


def _llm_call(f: Fields) -> str:
    return f"{f.text('model', '?')} round {f.text('round', '?')}"


def _result(f: Fields, limit: int | None) -> str:
    if f.data.get("success") is True:
        value = f.data.get("result")
        if isinstance(value, dict) and isinstance(value.get("content"), str):
            calls = value.get("tool_calls")
            if not value["content"] and calls and isinstance(calls, list):
                names = (Fields(c).text("name", "?") for c in calls if isinstance(c, dict))
                return "ok: tool calls " + ", ".join(names)  # a model's reply asking for tools
            return "ok: " + quoted(value["content"], limit)
        return "ok" if value is None else "ok: " + shorten(_json(value), limit)
    return "failed: " + f.text("error", "?")


def _finished(f: Fields, limit: int | None) -> str:
    took = f.number("duration_ms")
    when = "" if took is None else f" in {format_ms(took)}"
    if f.data.get("success") is False:
        return f"{f.text('command_type')} failed{when}: {f.text('error', '?')}"
    return f"{f.text('command_type')} ok{when}"


def _llm_completed(f: Fields, limit: int | None) -> str:
    parts = [_llm_call(f)]
    tokens = f.tokens()
    if tokens:
        parts.append(format_tokens(*tokens))
    latency = f.number("latency_ms")
    if latency is not None:
        parts.append(format_ms(latency))
    parts.append(f.text("finish_reason", "?"))
    return ", ".join(parts)


def _answer(f: Fields, limit: int | None) -> str:
    tokens = f.tokens()
    suffix = f" ({format_tokens(*tokens)})" if tokens else ""
    return quoted(f.text("content"), limit) + suffix


_DESCRIBERS: dict[str, Callable[[Fields, int | None], str]] = {
    "PromptCommand": lambda f, n: quoted(f.text("prompt"), n),
    "CallLLMCommand": lambda f, n: _llm_call(f),
    "ExecuteToolCommand": lambda f, n: (
        f"{Fields(f.mapping('call')).text('name', '?')}"
        f"({format_arguments(f.mapping('call').get('arguments', ''), n)})"
    ),
    "CancelTurnCommand": lambda f, n: f.text("reason"),
    "CommandResult": _result,
    "CommandStartedEvent": lambda f, n: f.text("command_type"),
    "CommandSucceededEvent": _finished,
    "CommandFailedEvent": _finished,
    "CommandFinishedEvent": _finished,
    "HandlerFailedEvent": lambda f, n: (
        f"{f.text('handler')} raised {f.text('exception_type')}: {f.text('exception_message')}"
    ),
    "SessionStartedEvent": lambda f, n: "",
    "SessionEndedEvent": lambda f, n: f.text("error"),
    "LLMCallStartedEvent": lambda f, n: (
        f"{_llm_call(f)}, {f.text('message_count', '?')} messages, "
        f"{f.text('tool_count', '?')} tools"
    ),
    "LLMCallCompletedEvent": _llm_completed,
    "LLMCallFailedEvent": lambda f, n: f"{_llm_call(f)}: {f.text('error_type')}: {f.text('error')}",
    "ToolCallRequestedEvent": lambda f, n: (
        f"{f.text('tool_name', '?')}({format_arguments(f.data.get('arguments', ''), n)})"
    ),
    "ToolCallCompletedEvent": lambda f, n: f"{f.text('tool_name', '?')} → {f.text('result')}",
    "ToolCallFailedEvent": lambda f, n: (
        f"{f.text('tool_name', '?')} {f.text('error_kind')}: {f.text('error')}"
    ),
    "ResponseDeltaEvent": lambda f, n: quoted(f.text("text"), n),
    "ResponseCompletedEvent": _answer,
    "TurnCancelledEvent": lambda f, n: f"{f.text('reason')} after {f.text('rounds', '?')} rounds",
    "HookFailedEvent": lambda f, n: (
        f"{f.text('hook')} at {f.text('stage')} on {f.text('command_type')}: "
        f"{f.text('error_type')}: {f.text('error')} ({f.text('policy')})"
    ),
}
