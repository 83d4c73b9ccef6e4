"""``NatsOptions``: how a ``NatsTransport`` uses the server, all in one value.

Every process of a namespace must agree on ``partitions`` (checked at start); the
stream limits, ``replicas`` and ``result_ttl`` are fixed by the process that creates the
namespace's streams; the rest is each process's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from llmgine.config import Settings
from llmgine.transports.nats._names import NAMESPACE
from llmgine.transports.nats._setup import StreamLimits
from llmgine.transports.nats._sync import SyncPolicy

_DURABLE = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class NatsOptions:
    """See the field notes; the defaults suit a chat app on a single server."""

    namespace: str = "llmgine"
    """Prefix of every subject, stream and bucket (several apps can share a server)."""
    partitions: int = 16
    """Command partitions per type: commands of a session run in order, one at a time,
    and at most this many commands of one type run at once across all workers."""
    replicas: int = 1
    """Copies of each stream on a cluster (3 for a 3-node cluster)."""
    ack_wait: float = 30.0
    """Seconds without progress after which a command is given to another worker (a
    worker reports progress every third of it while the handler runs)."""
    max_deliver: int = 5
    """Deliveries of a command before the server gives up on it (a failed result)."""
    duplicate_window: float = 600.0
    """Seconds in which a message sent again with the same id is dropped."""
    result_ttl: float = 24 * 3600.0
    """Seconds a command's result is kept (and a command sent again is not run again)."""
    commands: StreamLimits = field(default_factory=StreamLimits)
    events: StreamLimits = field(default_factory=StreamLimits)
    max_queue_size: int = 10_000
    """Events this bus may have on their way (sent, not yet stored and delivered here),
    and events received and not yet delivered here."""
    handler_overflow: int = 10_000
    """How far past ``max_queue_size`` handlers may publish (they never wait for room)."""
    durable: str | None = None
    """Name a durable subscription: events published while this process is away are
    delivered when it comes back (each process needs a name of its own)."""
    monitor_url: str | None = None
    """The server's monitoring endpoint, to check at start that it syncs every write."""
    sync_check: SyncPolicy = "refuse"
    """What to do when it does not: refuse to start, or warn loudly and go on."""
    connect_timeout: float = 5.0
    send_timeout: float = 2.0
    """Seconds to wait for the server to acknowledge one message before sending it again."""
    patience: float = 30.0
    """Seconds to keep retrying while the server is away before a call fails."""
    ping_interval: float = 5.0
    """Seconds between pings; two unanswered ones mark the server as gone (reconnect)."""

    def __post_init__(self) -> None:
        if not NAMESPACE.fullmatch(self.namespace):
            raise ValueError(f"namespace {self.namespace!r}: 1-32 letters, digits, '_' or '-'")
        if self.durable is not None and not _DURABLE.fullmatch(self.durable):
            raise ValueError(f"durable {self.durable!r}: 1-64 letters, digits, '_' or '-'")
        for name in ("ack_wait", "duplicate_window", "result_ttl", "send_timeout", "patience"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be more than 0")
        if self.max_deliver < 1 or self.replicas < 1:
            raise ValueError("max_deliver and replicas must be at least 1")
        if self.max_queue_size < 1 or self.handler_overflow < 0:
            raise ValueError("max_queue_size must be at least 1 and handler_overflow at least 0")

    @property
    def hard_limit(self) -> int:
        return self.max_queue_size + self.handler_overflow

    @classmethod
    def from_settings(cls, settings: Settings | None, **options: object) -> NatsOptions:
        """Options with the namespace, monitoring URL and replicas of ``settings``, then
        ``options``."""
        values: dict[str, object] = {}
        if settings is not None:
            values = {
                "namespace": settings.bus_namespace,
                "monitor_url": settings.bus_monitor_url,
                "replicas": settings.bus_replicas,
            }
        values.update(options)
        return cls(**values)  # type: ignore[arg-type]
