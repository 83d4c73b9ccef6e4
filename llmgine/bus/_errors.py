"""Errors raised by the bus.

    BusError
    ├── UsageError          the bus was used wrongly: a second handler for a command type,
    │   │                   a command passed to publish(), waiting for idle from a handler
    │   └── BusClosedError  the bus is stopped (or stopping) and takes no new messages
    └── BusFullError        the queue is at its bound and waiting is not an option

Handler failures are not raised: they become failed results and HandlerFailedEvents.
"""

from __future__ import annotations


class BusError(Exception):
    """Root of every error the bus raises."""


class UsageError(BusError):
    """The bus was used in a way it does not support; the message says what to do instead."""


class BusClosedError(UsageError):
    """The bus has stopped (or is stopping) and accepts no new messages."""


class BusFullError(BusError):
    """The event queue is at its bound and the overflow policy (or re-entrancy) forbids waiting."""
