"""The message bus: commands to exactly one handler, events to every subscriber.

MessageBus      the façade: lifecycle, registration, publish, execute
BusSession      handlers and messages scoped to one session
Transport       how accepted messages reach their handlers (LocalTransport in-process)
Component       what puts handlers on a bus: ``attach(bus) -> Registration``
"""

from llmgine.bus._bus import MessageBus
from llmgine.bus._component import BusLike, Component
from llmgine.bus._errors import (
    BusClosedError,
    BusError,
    BusFullError,
    HandlerTimeoutError,
    MessageRejected,
    TransportError,
    UsageError,
)
from llmgine.bus._local import LocalTransport
from llmgine.bus._middleware import CommandMiddleware, CommandNext, EventMiddleware, EventNext
from llmgine.bus._registration import Registration
from llmgine.bus._session import BusSession
from llmgine.bus._transport import ALL_EVENTS, Endpoint, Transport, TransportStats
from llmgine.bus._types import (
    BusState,
    BusStats,
    CommandEventsPolicy,
    OverflowPolicy,
    StopReport,
)

__all__ = [
    "ALL_EVENTS",
    "BusClosedError",
    "BusError",
    "BusFullError",
    "BusLike",
    "BusSession",
    "BusState",
    "BusStats",
    "CommandEventsPolicy",
    "CommandMiddleware",
    "CommandNext",
    "Component",
    "Endpoint",
    "EventMiddleware",
    "EventNext",
    "HandlerTimeoutError",
    "LocalTransport",
    "MessageBus",
    "MessageRejected",
    "OverflowPolicy",
    "Registration",
    "StopReport",
    "Transport",
    "TransportError",
    "TransportStats",
    "UsageError",
]
