"""Events under the module name of the original LLMgine:
``from llmgine.messages.events import Event, CommandResultEvent``.

The same objects as ``llmgine.messages`` exports, plus two names of the original LLMgine's
README bound to the classes that carry the same facts (subscribing to either name
subscribes to that class, and the log writes the class's own name):

    CommandResultEvent   = CommandFinishedEvent   every command result, success or failure
                           (published as CommandSucceededEvent or CommandFailedEvent)
    CommandErrorEvent    = CommandFailedEvent     a command that failed

The README's ``LLMResponseEvent`` and ``ToolCallEvent`` are above this layer:
``llmgine.engine.LLMResponseEvent`` and ``llmgine.tools.ToolCallEvent``.
"""

from llmgine.messages._base import Event
from llmgine.messages._core import (
    BusStoppedEvent,
    CommandFailedEvent,
    CommandFinishedEvent,
    CommandStartedEvent,
    CommandSucceededEvent,
    HandlerFailedEvent,
    SessionEndedEvent,
    SessionStartedEvent,
)

CommandResultEvent = CommandFinishedEvent
CommandErrorEvent = CommandFailedEvent

__all__ = [
    "BusStoppedEvent",
    "CommandErrorEvent",
    "CommandFailedEvent",
    "CommandFinishedEvent",
    "CommandResultEvent",
    "CommandStartedEvent",
    "CommandSucceededEvent",
    "Event",
    "HandlerFailedEvent",
    "SessionEndedEvent",
    "SessionStartedEvent",
]
