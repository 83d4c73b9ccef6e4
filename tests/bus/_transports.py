"""The transports the bus contract suite runs on, and how its tests make a bus.

Every test in ``tests/bus`` runs once per transport (see ``conftest.py``) and makes its
buses with ``new_bus``, which gives them the transport of the current run: the same
guarantees must hold whatever carries the messages. On ``nats`` each bus gets a namespace
of its own on the test session's server (a real ``nats-server``, started once).
"""

from __future__ import annotations

from typing import Any, Literal

from llmgine.bus import MessageBus
from llmgine.messages import new_id
from llmgine.testing import InMemoryTransport

TransportKind = Literal["local", "memory", "nats"]
TRANSPORTS: tuple[TransportKind, ...] = ("local", "memory", "nats")
current: list[TransportKind] = ["local"]
nats_url: list[str] = []
"""The URL of the test session's NATS server, once a ``nats`` run started it."""


def new_bus(**options: Any) -> MessageBus:
    """``MessageBus(**options)`` on the transport of the current run."""
    if "transport" not in options:
        bound = options.pop("max_queue_size", 10_000)
        overflow = options.pop("handler_overflow", 10_000)
        if current[0] == "memory":
            options["transport"] = InMemoryTransport(
                max_queue_size=bound, handler_overflow=overflow
            )
        elif current[0] == "nats":
            options["transport"] = nats_transport(max_queue_size=bound, handler_overflow=overflow)
        else:
            options.update(max_queue_size=bound, handler_overflow=overflow)
    return MessageBus(**options)


def nats_transport(**options: Any) -> Any:
    """A transport to the session's server, in a namespace of its own."""
    from llmgine.transports.nats import NatsOptions, NatsTransport

    namespace = "t" + new_id().replace("-", "")[-20:]
    if options.get("max_queue_size", 1) < 1:
        raise ValueError("max_queue_size must be at least 1 and handler_overflow at least 0")
    settings = NatsOptions(namespace=namespace, ack_wait=5.0, **options)
    return NatsTransport(nats_url[0], options=settings)
