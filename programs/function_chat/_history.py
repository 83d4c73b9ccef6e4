"""The conversation as the chat's commands see it: exchanges, the last answer, markdown.

An exchange is one turn in the history: the user's message and everything the turn added
after it (tool calls, their results, the answer), up to the next user message. The engine
commits a turn whole, so the history is a run of whole exchanges.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from llmgine.llm import AssistantMessage, ChatMessage, ToolResultMessage, UserMessage

_FENCE = re.compile(r"`{3,}")


def last_exchange(messages: Sequence[ChatMessage]) -> int | None:
    """Where the last exchange starts (its user message), or None when there is none."""
    for index in range(len(messages) - 1, -1, -1):
        if isinstance(messages[index], UserMessage):
            return index
    return None


def last_answer(messages: Sequence[ChatMessage]) -> str | None:
    """The text of the model's last answer, or None when it has given none."""
    for message in reversed(messages):
        if isinstance(message, AssistantMessage) and message.content.strip():
            return message.content
    return None


def as_markdown(messages: Sequence[ChatMessage], *, title: str, model: str, session_id: str) -> str:
    """The conversation as a markdown document: each message under a heading of who wrote
    it, each tool call with its arguments and result in a code block."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"# {title}", f"Session `{session_id}` with {model}, exported {now}."]
    results = {m.tool_call_id: m for m in messages if isinstance(m, ToolResultMessage)}
    for message in messages:
        if isinstance(message, UserMessage):
            parts += ["## You", message.content]
        elif isinstance(message, AssistantMessage):
            if message.content.strip():
                parts += ["## Assistant", message.content]
            for call in message.tool_calls:
                result = results.get(call.id)
                outcome = "no result" if result is None else result.content
                failed = result is not None and result.is_error
                parts += [
                    f"**Tool call** `{call.name}`" + (" (failed)" if failed else ""),
                    _block(call.arguments or "{}", "json"),
                    _block(outcome, "text"),
                ]
    return "\n\n".join(parts) + "\n"


def _block(text: str, language: str) -> str:
    """``text`` in a fenced block whose fence no run of backticks in it can close."""
    longest = max((len(run) for run in _FENCE.findall(text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"
