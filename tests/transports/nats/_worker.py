"""A worker process for the NATS tests: a bus serving ``Work`` (or a chat engine).

    python -m tests.transports.nats._worker URL NAMESPACE SCENARIO [OPTIONS_JSON]

Scenarios:
- ``quick``: ``Work`` returns ``{"pid": ..., "n": ..., "order": k}`` at once (``k``: how
  many this process finished before it).
- ``hold``: ``Work`` never returns (the test kills the process).
- ``crash``: ``Work`` kills its own process with SIGKILL, every time.
- ``listen``: no command handler; prints ``got N`` for every ``Worked`` event, as it
  handles it (the test pauses the whole process with SIGSTOP); with
  ``OPTIONS_JSON["stall_at"]`` it prints ``stalled`` at that event and hangs there. A
  durable subscription with ``OPTIONS_JSON["durable"]``.
- ``engine``: a ``ToolChatEngine`` on the fake LLM server in ``OPTIONS_JSON["llm_url"]``,
  with a tool ``lookup`` that blocks the first time it runs anywhere (a marker file in
  ``OPTIONS_JSON["markers"]`` says whether it ran) and answers afterwards.

The process prints ``ready PID`` once its bus serves, ``started N PID`` when a ``Work``
starts and ``tool PID`` when the tool blocks, so the test knows when to strike. It stops
cleanly on SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from llmgine.bus import MessageBus
from llmgine.transports.nats import NatsOptions, NatsTransport
from tests.transports.nats._messages import Work, Worked


def say(text: str) -> None:
    print(f"{text} {os.getpid()}", flush=True)


async def serve(url: str, namespace: str, scenario: str, extra: dict[str, Any]) -> None:
    options = NatsOptions(
        namespace=namespace, ack_wait=float(extra.get("ack_wait", 1.0)),
        max_deliver=int(extra.get("max_deliver", 5)), ping_interval=1.0,
        durable=extra.get("durable"),
    )  # fmt: skip
    transport = NatsTransport(url, options=options)
    bus = MessageBus(transport=transport, stop_timeout=2)
    finished = 0

    async def work(command: Work) -> dict[str, int]:
        nonlocal finished
        say(f"started {command.n}")
        if scenario == "hold":
            await asyncio.Event().wait()
        if scenario == "crash":
            os.kill(os.getpid(), signal.SIGKILL)
        await asyncio.sleep(command.seconds)
        finished += 1
        return {"pid": os.getpid(), "n": command.n, "order": finished}

    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with bus:
        if scenario == "engine":
            engine = await start_engine(bus, extra)
        elif scenario == "listen":
            bus.register_event_handler(Worked, listen_until(extra.get("stall_at")))
            engine = None
        else:
            bus.register_command_handler(Work, work)
            engine = None
        await transport.ready()
        say("ready")
        await stop.wait()
        if engine is not None:
            await engine.stop()


def listen_until(stall_at: int | None) -> Any:
    async def on_worked(event: Worked) -> None:
        if event.n == stall_at:
            say("stalled")
            await asyncio.Event().wait()  # the test kills this process here
        say(f"got {event.n}")

    return on_worked


async def start_engine(bus: MessageBus, extra: dict[str, Any]) -> Any:
    from llmgine.engine import ToolChatEngine

    marker = Path(extra["markers"]) / "tool-ran"

    async def lookup(city: str) -> str:
        """Look a city up.

        Args:
            city: the city.
        """
        if not marker.exists():
            marker.touch()
            say("tool")
            await asyncio.Event().wait()  # the test kills this process here
        return f"{city}: 21 degrees"

    engine = ToolChatEngine(
        bus, model="openai:gpt-4o-mini", tools=[lookup], stream=False,
        provider_options={"api_key": "sk-test-openai", "base_url": extra["llm_url"]},
    )  # fmt: skip
    # Make the SDK client now: its first use blocks the loop for a while (imports), and a
    # loop blocked past the ack wait cannot report progress, so the command would be
    # handed to the other worker while this one still runs it.
    engine.provider("openai:gpt-4o-mini")
    return await engine.start()


def main() -> None:
    logging.basicConfig(
        level=os.environ.get("NATS_TEST_WORKER_LOG", "WARNING"),
        format="%(process)d %(levelname)s %(name)s: %(message)s",
    )
    url, namespace, scenario = sys.argv[1:4]
    extra = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
    asyncio.run(serve(url, namespace, scenario, extra))


if __name__ == "__main__":
    main()
