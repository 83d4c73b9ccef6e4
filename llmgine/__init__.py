"""llmgine: an event-driven framework for LLM applications.

One async `MessageBus` carries Commands (one handler, a result) and Events (any number
of subscribers); every message that crosses it is recorded by sinks (a JSONL file by
default). The names below are imported lazily so that ``import llmgine`` stays cheap:
heavy dependencies load only when the piece that needs them is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from llmgine.version import __version__

_LAZY: dict[str, str] = {
    "ChatClient": "llmgine.api",
    "complete": "llmgine.api",
    "stream_complete": "llmgine.api",
    "structured_complete": "llmgine.api",
    "MessageBus": "llmgine.bus",
    "BusSession": "llmgine.bus",
    "Command": "llmgine.messages",
    "CommandResult": "llmgine.messages",
    "Event": "llmgine.messages",
}

__all__ = [
    "BusSession",
    "ChatClient",
    "Command",
    "CommandResult",
    "Event",
    "MessageBus",
    "__version__",
    "complete",
    "stream_complete",
    "structured_complete",
]

if TYPE_CHECKING:
    from llmgine.api import ChatClient, complete, stream_complete, structured_complete
    from llmgine.bus import BusSession, MessageBus
    from llmgine.messages import Command, CommandResult, Event


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'llmgine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
