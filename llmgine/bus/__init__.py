"""The message bus: commands to exactly one handler, events to every subscriber."""

from llmgine.bus._bus import MessageBus
from llmgine.bus._errors import BusClosedError, BusError, BusFullError, UsageError
from llmgine.bus._invoke import HandlerTimeoutError
from llmgine.bus._middleware import (
    CommandMiddleware,
    CommandNext,
    EventMiddleware,
    EventNext,
    MessageRejected,
)
from llmgine.bus._registration import Registration
from llmgine.bus._session import BusSession
from llmgine.bus._types import (
    BusState,
    BusStats,
    CommandEventsPolicy,
    OverflowPolicy,
    StopReport,
)

__all__ = [
    "BusClosedError",
    "BusError",
    "BusFullError",
    "BusSession",
    "BusState",
    "BusStats",
    "CommandEventsPolicy",
    "CommandMiddleware",
    "CommandNext",
    "EventMiddleware",
    "EventNext",
    "HandlerTimeoutError",
    "MessageBus",
    "MessageRejected",
    "OverflowPolicy",
    "Registration",
    "StopReport",
    "UsageError",
]
