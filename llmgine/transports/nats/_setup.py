"""The streams and the results bucket of a namespace: made by the first process, checked
by the rest.

Both streams keep messages by limits (age, bytes, count), on file, replicated ``replicas``
times, with a duplicate window in which a message sent again with the same
``Nats-Msg-Id`` is dropped. With ``discard="new"`` (the default) a full stream refuses
new messages, which the transport turns into backpressure; ``"old"`` drops the oldest
instead (a subscriber that falls that far behind is told of the gap). Whatever process
creates a stream fixes its configuration; later ones use it as it is, except that they
must agree on the number of command partitions, kept in the stream's metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    KeyValueConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamInfo,
)
from nats.js.errors import BucketNotFoundError, NotFoundError
from nats.js.kv import KeyValue

from llmgine.bus import UsageError
from llmgine.transports.nats._names import Names

PARTITIONS_KEY = "llmgine.partitions"
_WEEK = 7 * 24 * 3600.0


@dataclass(frozen=True)
class StreamLimits:
    """How much a stream keeps, and what it does when it is full."""

    max_age: float | None = _WEEK
    """Seconds a message is kept (a week: the command stream doubles as a log)."""
    max_bytes: int | None = None
    max_msgs: int | None = None
    discard: Literal["new", "old"] = "new"
    """``"new"``: a full stream refuses messages (backpressure); ``"old"``: drops the oldest."""


@dataclass(frozen=True)
class Layout:
    """What a namespace holds on the server, and how much."""

    names: Names
    replicas: int
    duplicate_window: float
    commands: StreamLimits
    events: StreamLimits
    result_ttl: float

    def stream_config(self, name: str, subjects: str, limits: StreamLimits) -> StreamConfig:
        return StreamConfig(
            name=name, subjects=[subjects], retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE, num_replicas=self.replicas,
            duplicate_window=self.duplicate_window, max_age=limits.max_age or 0,
            max_bytes=limits.max_bytes or -1, max_msgs=limits.max_msgs or -1,
            discard=DiscardPolicy.NEW if limits.discard == "new" else DiscardPolicy.OLD,
            metadata={PARTITIONS_KEY: str(self.names.partitions)},
        )  # fmt: skip


async def prepare(js: JetStreamContext, layout: Layout) -> tuple[StreamInfo, KeyValue]:
    """Make (or check) both streams and the results bucket; the events stream's info."""
    names = layout.names
    commands = layout.stream_config(names.command_stream, names.command_subjects, layout.commands)
    await _ensure_stream(js, commands, names)
    events = layout.stream_config(names.event_stream, names.event_subjects, layout.events)
    event_info = await _ensure_stream(js, events, names)
    return event_info, await _ensure_bucket(js, layout)


async def _ensure_stream(js: JetStreamContext, config: StreamConfig, names: Names) -> StreamInfo:
    assert config.name is not None
    try:
        info = await js.stream_info(config.name)
    except NotFoundError:
        info = await js.add_stream(config)  # the same config from two processes is fine
    found = (info.config.metadata or {}).get(PARTITIONS_KEY)
    if config.name == names.command_stream and found != str(names.partitions):
        raise UsageError(
            f"the stream {config.name!r} was made for {found or 'an unknown number of'} "
            f"command partitions, and this process uses {names.partitions}: every process "
            f"of the namespace {names.namespace!r} must use the same number"
        )
    return info


async def _ensure_bucket(js: JetStreamContext, layout: Layout) -> KeyValue:
    bucket = layout.names.results_bucket
    try:
        return await js.key_value(bucket)
    except BucketNotFoundError:
        pass
    config = KeyValueConfig(
        bucket=bucket, history=1, ttl=layout.result_ttl, storage=StorageType.FILE,
        replicas=layout.replicas, description="llmgine command results, by command key",
        direct=True,  # reads answered by any replica, not through the JetStream API queue
    )  # fmt: skip
    return await js.create_key_value(config)
