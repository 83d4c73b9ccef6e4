"""A worker process of bench/distributed.py.

    python bench/_nats_worker.py MODE URL NAMESPACE [ARG]

Modes:
  echo       a bus serving Echo (returns its n at once)
  model      a bus serving Echo as a model-bound worker: each call holds one of the
             worker's 4 model slots for 200 ms (ARG: slots)
  raw-echo   plain nats-py: pull from stream NAMESPACE, ack, reply to the Reply header
  sub        a bus subscribed to Tick; prints "done" once it got ARG of them
  raw-sub    plain nats-py: an ordered consumer on stream NAMESPACE; "done" after ARG

Prints "ready" once it serves; runs until SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nats
from _nats_messages import Echo, Tick

from llmgine.bus import MessageBus
from llmgine.transports.nats import NatsOptions, NatsTransport

PARTITIONS = 64
MODEL_SECONDS = 0.2


def say(text: str) -> None:
    print(text, flush=True)


async def until_stopped() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()


def transport(url: str, namespace: str) -> NatsTransport:
    return NatsTransport(url, options=NatsOptions(namespace=namespace, partitions=PARTITIONS))


async def serve_bus(url: str, namespace: str, slots: int | None) -> None:
    capacity = asyncio.Semaphore(slots) if slots else None

    async def echo(command: Echo) -> int:
        if capacity is not None:
            async with capacity:  # the worker's model capacity, as an API key's limit
                await asyncio.sleep(MODEL_SECONDS)
        return command.n

    carrier = transport(url, namespace)
    async with MessageBus(transport=carrier) as bus:
        bus.register_command_handler(Echo, echo)
        await carrier.ready()
        say("ready")
        await until_stopped()


async def subscribe_bus(url: str, namespace: str, expected: int) -> None:
    got = 0
    done = asyncio.Event()

    def on_tick(event: Tick) -> None:
        nonlocal got
        got += 1
        if got == expected:
            done.set()

    bus = MessageBus(transport=transport(url, namespace))
    bus.register_event_handler(Tick, on_tick)
    async with bus:
        say("ready")
        await done.wait()
        say("done")
        await until_stopped()


async def raw_echo(url: str, stream: str) -> None:
    client = await nats.connect(url)
    js = client.jetstream()
    pull = await js.pull_subscribe(f"{stream}.cmd", durable="workers", stream=stream)
    say("ready")
    stopping = asyncio.ensure_future(until_stopped())
    while not stopping.done():
        try:
            msgs = await pull.fetch(batch=64, timeout=1)
        except (nats.errors.TimeoutError, TimeoutError):
            continue
        for msg in msgs:
            await client.publish(msg.headers["Reply"], msg.data, headers=msg.headers)
            await msg.ack()
    await client.close()


async def raw_subscribe(url: str, stream: str, expected: int) -> None:
    client = await nats.connect(url)
    js = client.jetstream()
    got = 0
    done = asyncio.Event()

    async def on_msg(msg: nats.aio.msg.Msg) -> None:
        nonlocal got
        got += 1
        if got == expected:
            done.set()

    await js.subscribe(f"{stream}.evt", cb=on_msg, ordered_consumer=True)
    say("ready")
    await done.wait()
    say("done")
    await until_stopped()
    await client.close()


def main() -> None:
    mode, url, namespace = sys.argv[1:4]
    arg = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    runs = {
        "echo": lambda: serve_bus(url, namespace, None),
        "model": lambda: serve_bus(url, namespace, arg or 4),
        "raw-echo": lambda: raw_echo(url, namespace),
        "sub": lambda: subscribe_bus(url, namespace, arg),
        "raw-sub": lambda: raw_subscribe(url, namespace, arg),
    }
    asyncio.run(runs[mode]())


if __name__ == "__main__":
    main()
