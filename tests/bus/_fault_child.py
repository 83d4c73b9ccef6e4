"""A program whose bus meets a fault, for the fault tests that need a process of their own.

    python -m tests.bus._fault_child SCENARIO TRANSPORT LOG_DIR

``TRANSPORT`` is ``local``, ``memory`` or ``nats`` (the server in ``NATS_TEST_URL``).

Scenarios:
- ``keyboard-interrupt``, ``system-exit``: an event handler raises it on the second of
  five events; the program would otherwise wait forever. It must end promptly, after the
  bus stopped cleanly (its log ends with ``BusStoppedEvent``).
- ``disk-full``: the log's file reaches ``RLIMIT_FSIZE`` part-way through, then the limit
  is lifted; the bus's stop report (printed as JSON) and last line say what was lost.

Each delivery is printed to stderr (``delivered N``), so the test can count them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import resource
import signal
import sys
from pathlib import Path

from llmgine.bus import MessageBus, Transport
from llmgine.messages import Event, new_id
from llmgine.sinks import JsonlSink
from llmgine.testing import InMemoryTransport


class FaultChildPinged(Event):
    n: int
    padding: str = ""


def new_bus(transport: str, log_dir: str | None, **options: object) -> MessageBus:
    chosen: Transport | None = None
    if transport == "memory":
        chosen = InMemoryTransport()
    elif transport == "nats":  # the test session's server, in a namespace of our own
        from llmgine.transports.nats import NatsOptions, NatsTransport

        namespace = "f" + new_id().replace("-", "")[-20:]
        url = os.environ["NATS_TEST_URL"]
        chosen = NatsTransport(url, options=NatsOptions(namespace=namespace))
    return MessageBus(log_dir=log_dir, transport=chosen, **options)  # type: ignore[arg-type]


async def interrupted(transport: str, log_dir: str, escape: BaseException) -> None:
    def handler(event: FaultChildPinged) -> None:
        print(f"delivered {event.n}", file=sys.stderr, flush=True)
        if event.n == 1:
            raise escape

    async with new_bus(transport, log_dir, stop_timeout=30) as bus:
        bus.register_event_handler(FaultChildPinged, handler)
        for n in range(5):
            await bus.publish(FaultChildPinged(n=n, session_id="s1"))
        await asyncio.Event().wait()


async def disk_full(transport: str, log_dir: str) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    path = Path(log_dir) / "full.jsonl"
    sink = JsonlSink(path)
    bus = new_bus(transport, None, sinks=[sink])

    async def publish(numbers: range) -> None:
        for n in numbers:
            await bus.publish(FaultChildPinged(n=n, padding="x" * 200))
        await bus.wait_for_events()
        await sink.flush()

    async with bus:
        bus.register_event_handler(FaultChildPinged, lambda e: None)
        await publish(range(200))
        resource.setrlimit(resource.RLIMIT_FSIZE, (_size(path) + 1000, hard))
        await publish(range(200, 400))  # the disk fills up part-way through
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # space again
        await publish(range(400, 450))
    report = await bus.stop()
    print(json.dumps({"report": dataclasses.asdict(report), "log": str(path)}))


def _size(path: Path) -> int:
    return os.path.getsize(path)


def main() -> None:
    scenario, transport, log_dir = sys.argv[1:4]
    Path(log_dir).mkdir(parents=True, exist_ok=True)
    if scenario == "keyboard-interrupt":
        asyncio.run(interrupted(transport, log_dir, KeyboardInterrupt()))
    elif scenario == "system-exit":
        asyncio.run(interrupted(transport, log_dir, SystemExit(3)))
    elif scenario == "disk-full":
        asyncio.run(disk_full(transport, log_dir))
    else:
        raise SystemExit(f"unknown scenario {scenario!r}")


if __name__ == "__main__":
    main()
