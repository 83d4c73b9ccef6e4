"""The transports the bus contract suite runs on, and how its tests make a bus.

Every test in ``tests/bus`` runs once per transport (see ``conftest.py``) and makes its
buses with ``new_bus``, which gives them the transport of the current run: the same
guarantees must hold whatever carries the messages.
"""

from __future__ import annotations

from typing import Any, Literal

from llmgine.bus import MessageBus
from llmgine.testing import InMemoryTransport

TransportKind = Literal["local", "memory"]
TRANSPORTS: tuple[TransportKind, ...] = ("local", "memory")
current: list[TransportKind] = ["local"]


def new_bus(**options: Any) -> MessageBus:
    """``MessageBus(**options)`` on the transport of the current run."""
    if current[0] == "memory" and "transport" not in options:
        options["transport"] = InMemoryTransport(
            max_queue_size=options.pop("max_queue_size", 10_000),
            handler_overflow=options.pop("handler_overflow", 10_000),
        )
    return MessageBus(**options)
