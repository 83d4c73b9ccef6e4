"""Adapters that give each bus under test the same small interface for bench/bus.py.

Every adapter builds its message inside ``publish``/``request`` (so message construction is part
of the timed region), counts deliveries in ``delivered``, and after ``close`` reports how many log
lines of a given message type it wrote (``None`` when it has no log).  Each library is imported
only inside its own adapter, so a worker process loads nothing but the bus it measures.
"""

import asyncio
import functools
import logging
import shutil
import tempfile
from collections import deque
from pathlib import Path
from typing import Any

import orjson

# bubus refuses a dispatch once 100 events are pending (its queue holds 50), so callers keep at
# most this many in flight (see shared/reference/peer-bench.md).
BUBUS_IN_FLIGHT = 40


def count_jsonl_type(path: Path, type_name: str) -> int:
    """Lines of a JSONL file whose ``"type"`` is ``type_name`` (skips a truncated last line)."""
    n = 0
    with path.open("rb") as f:
        for line in f:
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(obj, dict) and obj.get("type") == type_name:
                n += 1
    return n


class Peer:
    """Common shape: open(n_subs) -> publish/request ... drain -> close."""

    def __init__(self) -> None:
        self.delivered = 0
        self.tmp = Path(tempfile.mkdtemp(prefix="llmgine-bench-"))

    async def open(self, n_subs: int) -> None:
        raise NotImplementedError

    async def publish(self, i: int) -> None:
        raise NotImplementedError

    async def drain(self) -> None:
        """Return once every event published so far has been handled."""
        raise NotImplementedError

    async def request(self, a: int) -> Any:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    def logged(self, type_name: str) -> int | None:
        return None

    def cleanup(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


# --- llmgine -------------------------------------------------------------------------------------


@functools.cache
def _llmgine_types() -> tuple[Any, type, type]:
    from llmgine.bus import MessageBus
    from llmgine.messages import Command, Event

    class Ev(Event):
        a: int
        b: str
        c: float

    class Double(Command):
        a: int

    return MessageBus, Ev, Double


class LlmginePeer(Peer):
    def __init__(self, jsonl: bool) -> None:
        super().__init__()
        self.jsonl = jsonl
        self.log_path: Path | None = None

    async def open(self, n_subs: int) -> None:
        bus_cls, self.Ev, double = _llmgine_types()
        self.bus = bus_cls(log_dir=str(self.tmp) if self.jsonl else None)
        await self.bus.start()
        for _ in range(n_subs):
            self.bus.register_event_handler(self.Ev, self._on_ev)

        async def on_double(cmd: Any) -> int:
            return cmd.a * 2

        self.bus.register_command_handler(double, on_double)
        self.Double = double

    async def _on_ev(self, ev: Any) -> None:
        self.delivered += 1

    async def publish(self, i: int) -> None:
        await self.bus.publish(self.Ev(a=i, b="x", c=1.0))

    async def drain(self) -> None:
        await self.bus.wait_for_events()

    async def request(self, a: int) -> Any:
        r = await self.bus.execute(self.Double(a=a))
        if not r.success:
            raise RuntimeError(f"command failed: {r.error}")
        return r.result

    async def close(self) -> None:
        await self.bus.stop()
        self.log_path = self.bus.log_path

    def logged(self, type_name: str) -> int | None:
        if not self.jsonl:
            return None
        assert self.log_path is not None, "log_dir was set but bus.log_path is None"
        return count_jsonl_type(self.log_path, type_name)


# --- autogen-core --------------------------------------------------------------------------------


@functools.cache
def _autogen_types() -> tuple[type, type, type, type]:
    from autogen_core import MessageContext, RoutedAgent, message_handler
    from pydantic import BaseModel

    class Ev(BaseModel):
        a: int
        b: str
        c: float

    class Double(BaseModel):
        a: int

    class Counter(RoutedAgent):
        def __init__(self, peer: Peer) -> None:
            super().__init__("counts Ev")
            self._peer = peer

        @message_handler
        async def on_ev(self, message: Ev, ctx: MessageContext) -> None:
            self._peer.delivered += 1

    class Doubler(RoutedAgent):
        def __init__(self) -> None:
            super().__init__("doubles a")

        @message_handler
        async def on_double(self, message: Double, ctx: MessageContext) -> int:
            return message.a * 2

    return Ev, Double, Counter, Doubler


class AutogenPeer(Peer):
    """SingleThreadedAgentRuntime; ``event_log`` sends its event logger to a FileHandler."""

    def __init__(self, event_log: bool) -> None:
        super().__init__()
        self.event_log = event_log
        self.handler: logging.FileHandler | None = None

    async def open(self, n_subs: int) -> None:
        from autogen_core import (
            EVENT_LOGGER_NAME,
            AgentId,
            SingleThreadedAgentRuntime,
            TopicId,
            TypeSubscription,
        )

        self.Ev, self.Double, counter, doubler = _autogen_types()
        if self.event_log:
            self.log_file = self.tmp / "autogen-events.log"
            self.handler = logging.FileHandler(self.log_file)
            lg = logging.getLogger(EVENT_LOGGER_NAME)
            lg.setLevel(logging.INFO)
            lg.propagate = False
            lg.addHandler(self.handler)
        self.rt = SingleThreadedAgentRuntime()
        for k in range(n_subs):
            await counter.register(self.rt, f"counter{k}", lambda: counter(self))
            await self.rt.add_subscription(TypeSubscription("bench", f"counter{k}"))
        await doubler.register(self.rt, "doubler", doubler)
        self.topic = TopicId("bench", "default")
        self.doubler = AgentId("doubler", "default")
        self.rt.start()

    async def publish(self, i: int) -> None:
        await self.rt.publish_message(self.Ev(a=i, b="x", c=1.0), self.topic)

    async def drain(self) -> None:
        # autogen's own idiom for "everything handled"; restart so the next phase can publish.
        await self.rt.stop_when_idle()
        self.rt.start()

    async def request(self, a: int) -> Any:
        return await self.rt.send_message(self.Double(a=a), self.doubler)

    async def close(self) -> None:
        await self.rt.stop_when_idle()
        await self.rt.close()
        if self.handler is not None:
            from autogen_core import EVENT_LOGGER_NAME

            logging.getLogger(EVENT_LOGGER_NAME).removeHandler(self.handler)
            self.handler.close()

    def logged(self, type_name: str) -> int | None:
        if not self.event_log:
            return None
        # autogen logs SEND and DELIVER lines per message with "type": "Message" and the payload as
        # a JSON string, so count DELIVER lines of the message kind used for this type.
        kind = {"Ev": b'"MessageKind.PUBLISH"', "Double": b'"MessageKind.DIRECT"'}[type_name]
        with self.log_file.open("rb") as f:
            return sum(1 for line in f if kind in line and b'"DeliveryStage.DELIVER"' in line)


# --- bubus ---------------------------------------------------------------------------------------


@functools.cache
def _bubus_types() -> tuple[type, type]:
    from bubus import BaseEvent

    class Ev(BaseEvent[None]):
        a: int
        b: str
        c: float

    class Double(BaseEvent[int]):
        a: int

    return Ev, Double


class BubusPeer(Peer):
    """Default ``EventBus()``; callers keep <= BUBUS_IN_FLIGHT events pending (its capacity)."""

    async def open(self, n_subs: int) -> None:
        from bubus import EventBus

        self.Ev, self.Double = _bubus_types()
        self.bus = EventBus()
        self.pending: deque[Any] = deque()
        self.slots = asyncio.Semaphore(BUBUS_IN_FLIGHT)
        for k in range(n_subs):
            self.bus.on(self.Ev, self._counter(k))

        async def on_double(event: Any) -> int:
            return event.a * 2

        self.bus.on(self.Double, on_double)

    def _counter(self, k: int) -> Any:
        async def on_ev(event: Any) -> None:
            self.delivered += 1

        on_ev.__name__ = on_ev.__qualname__ = f"on_ev_{k}"  # bubus warns on duplicate names
        return on_ev

    async def publish(self, i: int) -> None:
        if len(self.pending) >= BUBUS_IN_FLIGHT:
            await self.pending.popleft()
        self.pending.append(self.bus.dispatch(self.Ev(a=i, b="x", c=1.0)))

    async def drain(self) -> None:
        while self.pending:
            await self.pending.popleft()
        await self.bus.wait_until_idle()

    async def request(self, a: int) -> Any:
        async with self.slots:
            return await self.bus.dispatch(self.Double(a=a)).event_result()

    async def close(self) -> None:
        await self.bus.stop(timeout=10, clear=True)


def make_peer(worker: str) -> Peer:
    return {
        "llmgine-jsonl": lambda: LlmginePeer(jsonl=True),
        "llmgine-nolog": lambda: LlmginePeer(jsonl=False),
        "base-jsonl": lambda: LlmginePeer(jsonl=True),
        "base-nolog": lambda: LlmginePeer(jsonl=False),
        "autogen-core": lambda: AutogenPeer(event_log=False),
        "autogen-core-log": lambda: AutogenPeer(event_log=True),
        "bubus": BubusPeer,
    }[worker]()
