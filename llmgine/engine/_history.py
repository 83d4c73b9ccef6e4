"""Rebuilding conversations from a log, without the app that wrote it.

Each finished turn is one ``ResponseCompletedEvent`` carrying every message the turn added
to its session's history (a cancelled or failed turn added nothing, and has none). Folding
those events in log order gives each session's history exactly as the engine held it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from llmgine.engine._messages import ResponseCompletedEvent
from llmgine.llm import ChatMessage
from llmgine.logs import read_log


def history_from_log(
    log: str | os.PathLike[str] | Iterable[object],
) -> dict[str, list[ChatMessage]]:
    """Each session's history, from a JSONL log path or from messages already read."""
    messages: Iterable[object] = read_log(log) if isinstance(log, str | os.PathLike) else log
    histories: dict[str, list[ChatMessage]] = {}
    for message in messages:
        if isinstance(message, ResponseCompletedEvent):
            histories.setdefault(message.session_id, []).extend(message.messages)
    return histories
