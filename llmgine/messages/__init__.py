"""Messages: the data that crosses the bus, and the registry that names them on the wire."""

from llmgine.messages._base import Command, CommandResult, Event, Message, MessageKind
from llmgine.messages._context import BUS_SCOPE
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
from llmgine.messages._registry import MessageRegistry, registry

__all__ = [
    "BUS_SCOPE",
    "BusStoppedEvent",
    "Command",
    "CommandFailedEvent",
    "CommandFinishedEvent",
    "CommandResult",
    "CommandStartedEvent",
    "CommandSucceededEvent",
    "Event",
    "HandlerFailedEvent",
    "Message",
    "MessageKind",
    "MessageRegistry",
    "SessionEndedEvent",
    "SessionStartedEvent",
    "registry",
]
