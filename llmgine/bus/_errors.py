"""Every error the bus raises, in one tree.

    BusError
    ├── UsageError              the bus was used wrongly: a second handler for a command
    │   │                       type, a command passed to publish(), waiting for idle
    │   │                       from inside a handler, sending before start()
    │   └── BusClosedError      the bus is stopped (or stopping) and takes no new messages
    ├── BusFullError            the queue is at its bound and waiting is not an option
    ├── TransportError          the transport could not carry a message (publish raises it;
    │                           execute returns it as a failed result)
    ├── MessageRejected         raised by a middleware to refuse a message; the reason
    │                           reaches the caller in the failed result
    └── HandlerTimeoutError     a handler ran past its timeout and was cancelled (also a
                                TimeoutError); it becomes a failed result or a
                                HandlerFailedEvent, never an exception out of the bus

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


class TransportError(BusError):
    """The bus's transport could not carry a message (a broken connection, a closed stream)."""


class MessageRejected(BusError):
    """Raised by a middleware to refuse a message; the reason reaches the caller."""


class HandlerTimeoutError(BusError, TimeoutError):
    """A handler ran past its timeout and was cancelled."""


def waits_for_itself(call: str, advice: str) -> UsageError:
    """The error for ``call`` made from inside a handler of the bus it would wait for."""
    return UsageError(
        f"{call} was called from inside a handler of this bus; it would wait for that "
        f"very handler. {advice}"
    )


def not_accepting(state: str, name: str) -> UsageError:
    """The error for sending a message of type ``name`` to a bus in ``state``."""
    if state == "new":
        return UsageError(
            f"the bus is not started, so {name} cannot be sent; use `async with bus:` or "
            f"`await bus.start()` first"
        )
    return BusClosedError(f"the bus is {state} and accepts no new messages ({name})")
