"""Saved sessions as text: the list (``llmgine sessions list``, the chat's ``/sessions``)
and one session in full (``llmgine sessions show``), and a session's default name."""

from __future__ import annotations

from datetime import datetime

from llmgine.context._store import SessionRecord, SessionStore, SessionSummary
from llmgine.llm import AssistantMessage, SystemMessage, ToolResultMessage, UserMessage

_HEADER = ("ID", "NAME", "UPDATED (UTC)", "MESSAGES")


def session_lines(store: SessionStore, current: str | None = None) -> list[str]:
    """One line per saved session, newest first, under a header; ``current`` is starred."""
    summaries = store.list()
    if not summaries:
        return [f"no saved sessions in {str(store.directory)!r}"]
    rows = [_HEADER, *(_row(summary) for summary in summaries)]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = []
    for index, row in enumerate(rows):
        mark = "*" if index and summaries[index - 1].id == current else " "
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        lines.append(f"{mark} {'  '.join(cells)}  {row[3]}".rstrip())
    return lines


def _row(summary: SessionSummary) -> tuple[str, str, str, str]:
    if summary.error is not None:
        return (summary.id, "(unreadable)", "-", summary.error)
    return (
        summary.id,
        _cut(summary.name, 30) or "-",
        _when(summary.updated_at),
        str(summary.message_count),
    )


def record_lines(record: SessionRecord) -> list[str]:
    """A session in full: its details, then each message of its history."""
    usage = record.usage
    lines = [
        f"session   {record.id}",
        f"name      {record.name or '-'}",
        f"created   {_when(record.created_at)} UTC",
        f"updated   {_when(record.updated_at)} UTC",
        f"model     {record.model or '-'}",
        f"tokens    {usage.total_tokens} ({usage.input_tokens} in, {usage.output_tokens} out)",
        f"system    {record.system_prompt or '-'}",
        f"messages  {len(record.messages)}",
    ]
    for message in record.messages:
        lines.append("")
        if isinstance(message, UserMessage):
            lines.append(f"user: {message.content}")
        elif isinstance(message, AssistantMessage):
            if message.content:
                lines.append(f"assistant: {message.content}")
            lines.extend(f"assistant calls {c.name}({c.arguments})" for c in message.tool_calls)
        elif isinstance(message, ToolResultMessage):
            failed = " (failed)" if message.is_error else ""
            lines.append(f"tool {message.name}{failed}: {message.content}")
        elif isinstance(message, SystemMessage):
            lines.append(f"system: {message.content}")
    return lines


def first_words(text: str, limit: int = 48) -> str:
    """A session name from its first prompt."""
    return _cut(" ".join(text.split()), limit)


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
