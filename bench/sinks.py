"""What the metrics and console sinks cost per recorded message, and on a bus.

    python bench/sinks.py               # 2,000 chat turns replayed, 3 rounds, medians
    python bench/sinks.py --turns 200   # quicker

1. Per message: the messages of real offline chat turns (a prompt, two model calls, a tool
   call, their events and results; fresh ids per turn) are handed to each sink's ``emit``
   in a loop; the console sink also draws every finished turn into an in-memory console.
2. On a bus: N events published and delivered to one handler, with no sink, with the
   metrics sink, and with the metrics and console sinks (the JSONL log off throughout);
   the variants take turns within each round, and each ratio is taken within a round.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console

from llmgine.bus import MessageBus
from llmgine.engine import PromptCommand, ToolChatEngine
from llmgine.messages import Event, Message
from llmgine.messages._ids import new_id
from llmgine.sinks import ConsoleSink, MemorySink, Metrics, MetricsSink, Sink


class Tick(Event):
    n: int = 0


def get_weather(location: str) -> str:
    """The weather.

    Args:
        location: the city.
    """
    return f"{location}: 18 degrees"


async def one_turn() -> list[Message]:
    memory = MemorySink()
    bus = MessageBus(log_dir=None, sinks=[memory])
    async with bus, ToolChatEngine(bus, model="offline:stand-in", tools=[get_weather]):
        await bus.execute(PromptCommand(prompt="What is the weather in Dublin?"))
    return [m for m in memory if type(m).__name__ != "BusStoppedEvent"]


def replayed(turn: list[Message], turns: int) -> list[Message]:
    """``turns`` copies of ``turn`` with fresh ids, parents rewired to match."""
    out: list[Message] = []
    for n in range(turns):
        ids: dict[str, str] = {}
        for message in turn:
            update: dict[str, object] = {"session_id": f"s{n}"}
            for name in ("command_id", "event_id", "parent_id"):
                old = getattr(message, name, None)
                if old is not None:
                    update[name] = ids.setdefault(old, new_id())
            out.append(message.model_copy(update=update))
    return out


def per_message(make: Callable[[], Sink], messages: list[Message], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        sink = make()
        started = time.perf_counter()
        for message in messages:
            sink.emit(message)
        if isinstance(sink, ConsoleSink):
            sink._draw_ready()  # the drawing emit scheduled, counted here
        times.append((time.perf_counter() - started) / len(messages))
    return statistics.median(times) * 1e9


async def bus_rate(sinks: Callable[[], list[Sink]], n: int) -> float:
    async with MessageBus(log_dir=None, sinks=sinks()) as bus:
        bus.register_event_handler(Tick, lambda e: None)
        started = time.perf_counter()
        for i in range(n):
            await bus.publish(Tick(n=i))
        await bus.wait_for_events()
        return n / (time.perf_counter() - started)


def quiet_console(metrics: Metrics | None = None) -> ConsoleSink:
    return ConsoleSink(Console(file=io.StringIO(), width=120), metrics=metrics, summary=False)


def metrics_and_console() -> list[Sink]:
    metrics = MetricsSink()
    return [metrics, quiet_console(metrics.metrics)]  # one aggregator, as an app shares it


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=2_000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    messages = replayed(asyncio.run(one_turn()), args.turns)
    print(f"{len(messages):,} messages ({args.turns:,} turns), median of {args.rounds} rounds")
    for name, make in [("MemorySink", MemorySink), ("MetricsSink", MetricsSink),
                       ("ConsoleSink", quiet_console)]:  # fmt: skip
        ns = per_message(make, messages, args.rounds)
        print(f"  {name:<12} {ns:8.0f} ns per message")
    variants: list[tuple[str, Callable[[], list[Sink]]]] = [
        ("no sink", list),
        ("metrics", lambda: [MetricsSink()]),
        ("metrics+console", metrics_and_console),
    ]
    print(f"bus: {args.events:,} events to one handler, variants taking turns in each round")
    rates: dict[str, list[float]] = {name: [] for name, _ in variants}
    for _ in range(args.rounds):
        for name, sinks in variants:
            rates[name].append(asyncio.run(bus_rate(sinks, args.events)))
    base = rates["no sink"]
    for name, _ in variants:
        ratios = [r / b for r, b in zip(rates[name], base, strict=True)]
        print(
            f"  {name:<16} {statistics.median(rates[name]):10,.0f} events/s  "
            f"(median ratio to no sink in the same round {statistics.median(ratios):4.2f}; "
            f"rounds {', '.join(f'{r:.2f}' for r in ratios)})"
        )


if __name__ == "__main__":
    main()
