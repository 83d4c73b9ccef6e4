"""Benchmark full llmgine chat turns against raw ``openai`` SDK calls making the same requests.

    python bench/chat.py                       # 1,000 sessions x 3 turns, 3 rounds, streamed
    python bench/chat.py --sessions 100        # a quick check
    python bench/chat.py --no-stream           # whole replies instead of streams
    python bench/chat.py --otel                # llmgine with the OpenTelemetry sink against without
    python bench/chat.py --baseline /tmp/old   # also an earlier checkout's sides, same rounds
    python bench/chat.py --sides raw,client    # only some sides

Every turn calls one tool: the model asks for ``get_weather``, the tool answers, the model
answers in text. The fake server runs in a process of its own and answers both sides alike.

- **llmgine**: a ``MessageBus`` with its JSONL log on, a ``ToolChatEngine`` with a
  ``ToolManager`` and an in-memory ``ContextManager``; each turn is one ``PromptCommand``.
  The tool is declared cheap (``inline=True``: called on the loop, as the raw side calls
  it); a ``--baseline`` checkout from before that option runs it in a worker thread.
  Every message of every turn is recorded and every step is a command or an event.
- **client**: the one-call API as an app (or a GlueLLM user) writes it: one ``ChatClient``
  per conversation, made when it begins, all on one shared bus (JSONL log on) and one
  shared SDK client; each turn is one ``complete()``, the tool declared cheap as above.
- **raw**: the same requests with ``openai.AsyncOpenAI`` directly: the same system prompt,
  tool schema, history, and tool function; the history kept in a plain list per session.

All sessions start at once and run their turns one after another, so 1,000 turns are in
flight at a time. Sides alternate (raw, llmgine, llmgine, raw, ...) so noise lands on both.
Reported: turns/s, p50/p99 turn latency, client CPU per turn, the cyclic collector's time
per turn (``gc.callbacks``), peak RSS, the llmgine/raw ratios; then, in processes of their
own, memory per idle session (tracemalloc, after all turns, history included) and per
in-flight turn (every session's second turn held at its tool call while tracemalloc and the
collector count what is alive). Every run checks that nothing was lost: every turn
answered, every history complete, every turn in the log.

``--baseline PATH`` adds the ``base`` and ``base-client`` sides: the llmgine and client
workloads with the llmgine of an earlier checkout (its path first on ``sys.path``), run in
the same rounds, so a change is measured against what came before it under the same noise.
``bench/chat_instructions.py`` counts the instructions per turn of each side (callgrind).

``--otel`` compares llmgine with itself instead: the same app with an ``OtelSink`` added,
exporting through a ``BatchSpanProcessor`` and a periodic metric reader into an in-process
collector that encodes every batch to OTLP protobuf and counts it (``bench/_collector.py``),
against the app without it. Each run also checks that every turn left its four spans.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

# llmgine is imported from this checkout, or, for the ``base`` side, from the earlier
# checkout the parent process names (see BASELINE_ENV).
sys.path.insert(
    0, os.environ.get("LLMGINE_BENCH_BASELINE") or str(Path(__file__).resolve().parent.parent)
)

import httpx2
import openai
import orjson

from llmgine.api import ChatClient
from llmgine.bus import MessageBus
from llmgine.context import ContextManager
from llmgine.engine import PromptCommand, ResponseCompletedEvent, ToolChatEngine, TurnResult
from llmgine.prompts import PromptTemplates
from llmgine.testing import FakeLLMServer, RecordedRequest, Step, text, tool_call
from llmgine.tools import ToolManager, tool_from_function

try:
    from llmgine.logs import read_log
    from llmgine.sinks import OtelSink
except ImportError:  # a --baseline checkout from before the logs and sinks packages
    from llmgine.observability import OtelSink, read_log  # type: ignore[no-redef,attr-defined]

BASELINE_ENV = "LLMGINE_BENCH_BASELINE"
SIDES = ("raw", "llmgine", "client", "base", "base-client")
MEMORY_TIME_LIMITS = 3_600.0
time_limit: float | None = None
"""Seconds a model call and a tool call may take on the llmgine sides (``--time-limits``;
None: the library's defaults). Callgrind runs ~50x slower, past those defaults."""
MODEL = "gpt-4o-mini"
ANSWER = "It is 21 degrees and sunny in Paris."
TOOL_REPLY = tool_call("get_weather", {"location": "Paris"}, usage=(60, 12))
TEXT_REPLY = text(ANSWER, usage=(80, 10))


def get_weather(location: str, unit: str = "celsius") -> str:
    """The current weather in a place.

    Args:
        location: the city.
        unit: celsius or fahrenheit.
    """
    return f"{location}: 21 degrees {unit}, sunny"


def gated_weather(gate: Gate) -> Callable[..., Awaitable[str]]:
    """``get_weather`` as an async function that waits at ``gate`` (same name and schema)."""

    async def get_weather(location: str, unit: str = "celsius") -> str:
        await gate.wait()
        return _weather(location, unit)

    get_weather.__doc__ = _weather.__doc__
    return get_weather


_weather = get_weather


class Gate:
    """Holds every tool call, once armed, until ``expected`` calls wait; then counts what is
    alive (after a full collection: bytes traced by tracemalloc, objects the collector
    tracks) and lets them all go. At that moment every session's turn is in flight."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.armed = False
        self.waiting = 0
        self.opened = asyncio.Event()
        self.alive: tuple[int, int] | None = None

    async def wait(self) -> None:
        if not self.armed:
            return
        self.waiting += 1
        if self.waiting == self.expected:
            self.alive = alive()
            self.opened.set()
        await self.opened.wait()


def alive() -> tuple[int, int]:
    """Bytes traced by tracemalloc and objects tracked by the collector, after a collection."""
    gc.collect()
    return tracemalloc.get_traced_memory()[0], len(gc.get_objects())


class GcClock:
    """Time spent in the cyclic garbage collector, through ``gc.callbacks``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = 0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections += 1


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def answer(request: RecordedRequest) -> Step:
    """A tool call first; once the tool has answered, the text answer."""
    last = request.messages[-1] if request.messages else {}
    return TEXT_REPLY if last.get("role") == "tool" else TOOL_REPLY


def serve(conn: Connection) -> None:
    with FakeLLMServer(responder=answer, strict=False) as server:
        conn.send(server.openai_base_url)
        conn.recv()


# -- the raw side -------------------------------------------------------------------------


def sdk_client(base_url: str, connections: int) -> openai.AsyncOpenAI:
    """The SDK client both sides use: the same connection pool, no SDK retries.

    With a thousand turns in flight on one core, a request can wait in the pool, and the
    loop can take seconds to come back to a connection: the timeouts are set so that only
    a real hang would trip them.
    """
    limits = httpx2.Limits(max_connections=connections, max_keepalive_connections=connections)
    return openai.AsyncOpenAI(
        api_key="sk-bench",
        base_url=base_url,
        max_retries=0,
        timeout=httpx2.Timeout(600.0, connect=120.0),
        http_client=openai.DefaultAsyncHttpxClient(limits=limits),
    )


class RawChat:
    """What an app without llmgine would write: the SDK, a list per session, the tool."""

    def __init__(
        self,
        base_url: str,
        stream: bool,
        connections: int,
        tool: Callable[..., Awaitable[str]] | None = None,
    ) -> None:
        self.client = sdk_client(base_url, connections)
        self.stream = stream
        self.tool = tool
        tools = ToolManager([get_weather])
        self.system = PromptTemplates().render_system(None, tools.definitions())
        self.tools = [
            {
                "type": "function",
                "function": {
                    "name": d.name,
                    "description": d.description,
                    "parameters": d.parameters,
                },
            }
            for d in tools.definitions()
        ]
        self.histories: dict[str, list[dict[str, Any]]] = {}

    async def _call(self, messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
        if not self.stream:
            completion = await self.client.chat.completions.create(
                model=MODEL,
                messages=messages,
                tools=self.tools,  # type: ignore[arg-type]
            )
            message = completion.choices[0].message
            calls = [
                {"id": c.id, "name": c.function.name, "arguments": c.function.arguments}
                for c in message.tool_calls or ()
            ]
            return message.content or "", calls
        chunks = await self.client.chat.completions.create(
            model=MODEL,
            messages=messages,  # type: ignore[arg-type]
            tools=self.tools,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},
        )
        parts: list[str] = []
        calls: dict[int, dict[str, Any]] = {}
        async for chunk in chunks:
            for choice in chunk.choices[:1]:
                if choice.delta.content:
                    parts.append(choice.delta.content)
                for call in choice.delta.tool_calls or ():
                    entry = calls.setdefault(call.index, {"id": "", "name": "", "arguments": ""})
                    entry["id"] = call.id or entry["id"]
                    if call.function:
                        entry["name"] = call.function.name or entry["name"]
                        entry["arguments"] += call.function.arguments or ""
        return "".join(parts), [calls[i] for i in sorted(calls)]

    async def turn(self, session: str, prompt: str) -> str:
        history = self.histories.setdefault(session, [])
        turn: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
        prefix = [{"role": "system", "content": self.system}, *history]
        content, calls = await self._call([*prefix, *turn])
        while calls:
            turn.append(
                {
                    "role": "assistant",
                    "content": content or None,
                    "tool_calls": [
                        {"id": c["id"], "type": "function",
                         "function": {"name": c["name"], "arguments": c["arguments"]}}
                        for c in calls
                    ],
                }
            )  # fmt: skip
            for call in calls:
                arguments = orjson.loads(call["arguments"])
                if self.tool is None:
                    result = get_weather(**arguments)
                else:
                    result = await self.tool(**arguments)
                turn.append({"role": "tool", "tool_call_id": call["id"], "content": result})
            content, calls = await self._call([*prefix, *turn])
        turn.append({"role": "assistant", "content": content})
        history.extend(turn)
        return content

    def check(self, tag: str, sessions: int, turns: int) -> None:
        mine = [h for s, h in self.histories.items() if s.startswith(f"{tag}-")]
        assert len(mine) == sessions
        assert all(len(h) == 4 * turns for h in mine)

    async def aclose(self) -> None:
        await self.client.close()


# -- the llmgine side ---------------------------------------------------------------------


def llmgine_tools(tool: Callable[..., Awaitable[str]] | None) -> ToolManager:
    """``get_weather`` declared cheap (``inline``: no I/O, so no thread), as an app that knows
    its tool would; an earlier checkout without that option runs it in a worker thread."""
    if tool is not None:  # the gate waits for every session: no time limit for it
        return ToolManager([tool], default_timeout=None)
    manager = ToolManager() if time_limit is None else ToolManager(default_timeout=time_limit)
    try:
        manager.register(get_weather, inline=True)  # type: ignore[call-overload,unused-ignore]
    except TypeError:  # a --baseline checkout from before inline tools
        manager.register(get_weather)
    return manager


def provider_options(base_url: str, connections: int) -> dict[str, Any]:
    options: dict[str, Any] = {"client": sdk_client(base_url, connections)}
    if time_limit is not None:
        options["timeout"] = time_limit
    return options


class LlmgineChat:
    def __init__(
        self,
        base_url: str,
        stream: bool,
        log_dir: Path | None,
        connections: int,
        otel: bool = False,
        tool: Callable[..., Awaitable[str]] | None = None,
    ) -> None:
        self.collector = None
        sinks = []
        if otel:
            from _collector import collector

            self.collector = collector()
            sinks.append(OtelSink(self.collector[0], self.collector[1]))
        self.turns = 0
        self.bus = MessageBus(log_dir=log_dir, sinks=sinks)
        self.context = ContextManager()
        self.engine = ToolChatEngine(
            self.bus,
            model=f"openai:{MODEL}",
            tools=llmgine_tools(tool),
            context=self.context,
            stream=stream,
            provider_options=provider_options(base_url, connections),
        )

    async def start(self) -> None:
        await self.bus.start()
        await self.engine.start()

    async def turn(self, session: str, prompt: str) -> str:
        result = await self.bus.execute(PromptCommand(prompt=prompt, session_id=session))
        turn = result.result
        assert isinstance(turn, TurnResult), result.error
        assert len(turn.tool_results) == 1
        assert turn.tool_results[0].ok
        self.turns += 1
        return turn.content

    def check(self, tag: str, sessions: int, turns: int) -> None:
        mine = [s for s in self.context.sessions if s.startswith(f"{tag}-")]
        assert len(mine) == sessions
        assert all(len(self.context.history(s)) == 4 * turns for s in mine)

    async def aclose(self) -> None:
        await self.engine.stop()
        report = await self.bus.stop()  # flushes the OTel sink too
        assert report.clean, report
        if self.collector is not None:
            tracer_provider, meter_provider, spans = self.collector
            # One agent span, two model calls and a tool call per turn: none dropped.
            assert spans.spans == 4 * self.turns, (spans.spans, self.turns, spans.names)
            tracer_provider.shutdown()
            meter_provider.shutdown()


class ClientChat:
    """The one-call API as an app (or a GlueLLM user) writes it: one ``ChatClient`` per
    conversation, made when the conversation begins, all on one shared bus (JSONL log on)
    and one shared SDK client; each turn is one ``complete()``."""

    def __init__(
        self,
        base_url: str,
        stream: bool,
        log_dir: Path | None,
        connections: int,
        tool: Callable[..., Awaitable[str]] | None = None,
    ) -> None:
        self.stream = stream
        self.options = provider_options(base_url, connections)  # one SDK client for all
        self.bus = MessageBus(log_dir=log_dir)
        # the gate waits for every session: no time limit for it
        self.tools = [weather_tool()] if tool is None else [tool_from_function(tool, timeout=1e9)]
        self.clients: dict[str, ChatClient] = {}

    async def start(self) -> None:
        await self.bus.start()

    def _client(self, session: str) -> ChatClient:
        return ChatClient(
            f"openai:{MODEL}",
            bus=self.bus,
            session_id=session,
            tools=self.tools,  # type: ignore[arg-type]
            provider_options=self.options,
        )

    async def turn(self, session: str, prompt: str) -> str:
        client = self.clients.get(session)
        if client is None:
            client = self.clients[session] = self._client(session)
        result = await client.complete(prompt, stream=self.stream)
        assert result.tool_calls_made == 1, result
        return result.final_response

    def check(self, tag: str, sessions: int, turns: int) -> None:
        mine = [c for s, c in self.clients.items() if s.startswith(f"{tag}-")]
        assert len(mine) == sessions
        assert all(len(c.history) == 4 * turns for c in mine)

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()
        report = await self.bus.stop()
        assert report.clean, report


def weather_tool() -> Any:
    """``get_weather`` declared cheap, as in ``llmgine_tools``; a plain function for an
    earlier checkout without inline tools."""
    try:
        return tool_from_function(get_weather, inline=True, timeout=time_limit)  # type: ignore[call-arg,unused-ignore]
    except TypeError:
        return tool_from_function(get_weather, timeout=time_limit)


# -- the workload -------------------------------------------------------------------------


async def run_sessions(
    turn: Callable[[str, str], Awaitable[str]], sessions: int, turns: int, tag: str
) -> tuple[float, list[float]]:
    """All sessions at once, each running its turns in order; wall seconds and latencies."""
    latencies: list[float] = []

    async def session(number: int) -> None:
        for t in range(turns):
            start = time.perf_counter()
            reply = await turn(f"{tag}-{number}", f"Weather in Paris? (turn {t + 1})")
            latencies.append(time.perf_counter() - start)
            assert reply == ANSWER, reply

    start = time.perf_counter()
    await asyncio.gather(*(session(n) for n in range(sessions)))
    return time.perf_counter() - start, latencies


async def one_side(
    side: str,
    base_url: str,
    stream: bool,
    sessions: int,
    turns: int,
    tag: str,
    connections: int,
    check_log: bool = True,
) -> dict[str, float]:
    """One timed run of one side, checked for losses."""
    with tempfile.TemporaryDirectory() as logs:
        chat: RawChat | LlmgineChat | ClientChat
        if side == "raw":
            chat = RawChat(base_url, stream, connections)
        elif side == "client":
            chat = ClientChat(base_url, stream, Path(logs), connections)
            await chat.start()
        else:  # llmgine, otel
            chat = LlmgineChat(base_url, stream, Path(logs), connections, otel=side == "otel")
            await chat.start()
        await run_sessions(chat.turn, min(20, sessions), 1, f"warm-{tag}")  # connections, caches
        gc.collect()
        clock = GcClock()
        gc.callbacks.append(clock)
        cpu = time.process_time()
        wall, latencies = await run_sessions(chat.turn, sessions, turns, tag)
        cpu = time.process_time() - cpu
        gc.callbacks.remove(clock)
        chat.check(tag, sessions, turns)
        await chat.aclose()
        if not isinstance(chat, RawChat) and check_log:
            missing = _missing_from_log(Path(logs), sessions * turns, tag)
            assert missing == 0, f"{missing} turns missing from the log"
    ordered = sorted(latencies)
    return {
        "turns_per_s": len(latencies) / wall,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000,
        "cpu_ms_per_turn": cpu / len(latencies) * 1000,
        "gc_ms_per_turn": clock.seconds / len(latencies) * 1000,
        "peak_rss_mb": peak_rss_mb(),
    }


def _missing_from_log(folder: Path, expected: int, tag: str) -> int:
    (log,) = folder.glob("llmgine-*.jsonl")
    done = 0
    for message in read_log(log):
        if isinstance(message, ResponseCompletedEvent) and message.session_id.startswith(tag):
            done += 1
    return expected - done


def make_chat(
    side: str,
    base_url: str,
    connections: int,
    log_dir: Path | None,
    tool: Callable[..., Awaitable[str]] | None = None,
) -> RawChat | LlmgineChat | ClientChat:
    if side == "raw":
        return RawChat(base_url, True, connections, tool=tool)
    if side == "client":
        return ClientChat(base_url, True, log_dir, connections, tool=tool)
    return LlmgineChat(base_url, True, log_dir, connections, tool=tool)


async def idle_session_bytes(
    side: str, base_url: str, sessions: int, turns: int, connections: int
) -> float:
    """Memory held per session after its turns (history included), measured by tracemalloc."""
    chat = make_chat(side, base_url, connections, log_dir=None)
    if not isinstance(chat, RawChat):
        await chat.start()
    await run_sessions(chat.turn, 20, 1, "warm-memory")
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    await run_sessions(chat.turn, sessions, turns, "memory")
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    chat.check("memory", sessions, turns)
    await chat.aclose()
    return (after - before) / sessions


async def in_flight_turn(
    side: str, base_url: str, sessions: int, connections: int
) -> dict[str, float]:
    """What one turn in flight holds: every session's second turn is held at its tool call
    (the model has asked for it, the answer is still to come) while what is alive is
    counted, against the same sessions idle after their first turn. JSONL log on."""
    gate = Gate(sessions)
    with tempfile.TemporaryDirectory() as logs:
        chat = make_chat(side, base_url, connections, Path(logs), tool=gated_weather(gate))
        if not isinstance(chat, RawChat):
            await chat.start()
        await run_sessions(chat.turn, 20, 1, "warm-inflight")
        await run_sessions(chat.turn, sessions, 1, "inflight")
        tracemalloc.start()
        idle = alive()
        gate.armed = True
        await run_sessions(chat.turn, sessions, 1, "inflight")
        tracemalloc.stop()
        chat.check("inflight", sessions, 2)
        await chat.aclose()
    assert gate.alive is not None
    return {
        "bytes_per_turn": (gate.alive[0] - idle[0]) / sessions,
        "objects_per_turn": (gate.alive[1] - idle[1]) / sessions,
    }


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def report(runs: dict[str, list[dict[str, float]]], sessions: int, turns: int) -> None:
    med = {side: medians(rs) for side, rs in runs.items()}
    print(f"\n{sessions} concurrent sessions x {turns} turns, one tool call per turn, "
          f"medians of {len(runs['raw'])} runs per side")  # fmt: skip
    print(f"{'side':<10} {'turns/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'p99/p50':>8} "
          f"{'CPU ms/turn':>12} {'gc ms/turn':>11} {'peak RSS MB':>12}")  # fmt: skip
    for side, m in med.items():
        print(
            f"{side:<10} {m['turns_per_s']:>9.1f} {m['p50_ms']:>9.1f} {m['p99_ms']:>9.1f} "
            f"{m['p99_ms'] / m['p50_ms']:>8.2f} {m['cpu_ms_per_turn']:>12.2f} "
            f"{m.get('gc_ms_per_turn', float('nan')):>11.2f} "
            f"{m.get('peak_rss_mb', float('nan')):>12.1f}"
        )
    raw = med["raw"]
    bound = 1.05 if sessions <= 100 else 1.10
    print(f"\nagainst raw (targets: <= {bound} by turns/s and by CPU, p99/p50 <= 2, peak RSS "
          "<= 1.2); 'of medians' divides the medians above, 'paired' is the median of each "
          "round's own ratio")  # fmt: skip
    print(f"{'side':<12} {'turns/s: of medians':>20} {'paired':>7} {'CPU: of medians':>16} "
          f"{'paired':>7} {'p99/p50':>8} {'peak RSS':>9}")  # fmt: skip
    for side in [s for s in med if s != "raw"]:
        ours = med[side]
        pairs = list(zip(runs["raw"], runs[side], strict=True))
        rates = [a["turns_per_s"] / b["turns_per_s"] for a, b in pairs]
        cpus = [b["cpu_ms_per_turn"] / a["cpu_ms_per_turn"] for a, b in pairs]
        by_rate = raw["turns_per_s"] / ours["turns_per_s"]
        by_cpu = ours["cpu_ms_per_turn"] / raw["cpu_ms_per_turn"]
        rss = ours["peak_rss_mb"] / raw["peak_rss_mb"]
        print(f"{side:<12} {by_rate:>20.3f} {statistics.median(rates):>7.3f} {by_cpu:>16.3f} "
              f"{statistics.median(cpus):>7.3f} {ours['p99_ms'] / ours['p50_ms']:>8.2f} "
              f"{rss:>9.2f}")  # fmt: skip
    for side in [s for s in med if s != "raw"]:
        pairs = list(zip(runs["raw"], runs[side], strict=True))
        each = ", ".join(f"{a['turns_per_s'] / b['turns_per_s']:.3f}" for a, b in pairs)
        print(f"{side}: each round's raw/{side} by turns/s: {each}")


def report_otel(runs: dict[str, list[dict[str, float]]], sessions: int, turns: int) -> None:
    med = {side: medians(rs) for side, rs in runs.items()}
    print(f"\n{sessions} concurrent sessions x {turns} turns, one tool call per turn, JSONL on, "
          f"medians of {len(runs['llmgine'])} runs per side")  # fmt: skip
    print(f"{'side':<14} {'turns/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'CPU ms/turn':>12}")
    for side, m in med.items():
        name = "llmgine + OTel" if side == "otel" else side
        print(f"{name:<14} {m['turns_per_s']:>9.1f} {m['p50_ms']:>9.1f} {m['p99_ms']:>9.1f} "
              f"{m['cpu_ms_per_turn']:>12.2f}")  # fmt: skip
    pairs = zip(runs["llmgine"], runs["otel"], strict=True)
    ratios = [a["turns_per_s"] / b["turns_per_s"] for a, b in pairs]
    print("per-run throughput ratios without/with OTel:", ", ".join(f"{r:.3f}" for r in ratios))
    plain, traced = med["llmgine"], med["otel"]
    print(f"OTel sink overhead (turn time, turns/s without / with): "
          f"{plain['turns_per_s'] / traced['turns_per_s']:.3f} (target <= 1.15)")  # fmt: skip
    print(f"OTel sink overhead (client CPU per turn, with / without): "
          f"{traced['cpu_ms_per_turn'] / plain['cpu_ms_per_turn']:.3f}")  # fmt: skip


def spawn(
    args: argparse.Namespace, side: str, url: str, tag: str, measure: str = "run"
) -> dict[str, float]:
    """Run one side in a fresh process, so no run inherits another's heap."""
    command = [
        sys.executable, __file__, "--worker", side, "--measure", measure, "--url", url,
        "--tag", tag, "--sessions", str(args.sessions), "--turns", str(args.turns),
        "--connections", str(args.connections),
    ]  # fmt: skip
    if not args.stream:
        command.append("--no-stream")
    limits = args.time_limits if measure == "run" else MEMORY_TIME_LIMITS
    if limits is not None:
        command += ["--time-limits", str(limits)]
    env = dict(os.environ)
    env.pop(BASELINE_ENV, None)
    if side.startswith("base"):
        env[BASELINE_ENV] = str(args.baseline)
    done = subprocess.run(command, capture_output=True, text=True, timeout=3_600, env=env)
    if done.returncode != 0:
        raise SystemExit(f"the {side} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def worker(args: argparse.Namespace) -> None:
    global time_limit
    time_limit = args.time_limits
    side = {"base": "llmgine", "base-client": "client"}.get(args.worker, args.worker)
    if args.measure == "idle":
        per = asyncio.run(
            idle_session_bytes(side, args.url, args.sessions, args.turns, args.connections)
        )
        print(json.dumps({"bytes_per_session": per}))
        return
    if args.measure == "inflight":
        print(
            json.dumps(asyncio.run(in_flight_turn(side, args.url, args.sessions, args.connections)))
        )
        return
    result = asyncio.run(
        one_side(
            side, args.url, args.stream, args.sessions, args.turns, args.tag, args.connections,
            check_log=not args.skip_log_check,
        )
    )  # fmt: skip
    print(json.dumps(result))


def serve_until_stdin_closes() -> None:
    """Serve on a port of its own, print its base URL, stop when stdin closes (callgrind)."""
    with FakeLLMServer(responder=answer, strict=False) as server:
        print(server.openai_base_url, flush=True)
        sys.stdin.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=1_000)
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument(
        "--rounds", type=int, default=3, help="timed runs per side (0: memory only)"
    )
    parser.add_argument("--no-stream", dest="stream", action="store_false")
    parser.add_argument(
        "--connections", type=int, default=100, help="connection pool size of each side"
    )
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument(
        "--otel", action="store_true", help="llmgine with the OpenTelemetry sink against without"
    )
    parser.add_argument(
        "--baseline", type=Path, help="an earlier llmgine checkout, measured as the base side"
    )
    parser.add_argument(
        "--sides",
        type=lambda text: text.split(","),
        default=["raw", "llmgine", "client"],
        help=f"the sides to run, comma-separated, from {', '.join(SIDES)} (raw always runs; "
        "--baseline adds base and base-client unless one is named)",
    )
    parser.add_argument("--json", type=Path, help="write every run's numbers there")
    parser.add_argument(
        "--serve", action="store_true", help="only serve, printing the URL (for --worker runs)"
    )
    parser.add_argument("--worker", choices=[*SIDES, "otel"], help=argparse.SUPPRESS)
    parser.add_argument(
        "--measure", choices=["run", "idle", "inflight"], default="run", help=argparse.SUPPRESS
    )
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument(
        "--skip-log-check",
        action="store_true",
        help=argparse.SUPPRESS,  # callgrind runs: reading the log back is not the workload
    )
    parser.add_argument("--tag", default="r0", help=argparse.SUPPRESS)
    parser.add_argument(
        "--time-limits",
        type=float,
        help="seconds a model call and a tool call may take on the llmgine sides (default: "
        "the library's; the memory measurements, slowed down by tracemalloc, use "
        f"{MEMORY_TIME_LIMITS:.0f})",
    )
    args = parser.parse_args()
    if args.serve:
        serve_until_stdin_closes()
        return
    if args.worker:
        worker(args)
        return
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(child,), daemon=True)
    server.start()
    url = parent.recv()
    if args.otel:
        order = ["llmgine", "otel"]
    else:
        order = ["raw", *(side for side in args.sides if side != "raw")]
        if args.baseline is None:
            order = [side for side in order if not side.startswith("base")]
        elif not any(side.startswith("base") for side in order):
            order += ["base", "base-client"]
    runs: dict[str, list[dict[str, float]]] = {side: [] for side in order}
    memory: dict[str, dict[str, float]] = {}
    try:
        for number in range(args.rounds):
            for side in order:
                print(f"  run {number + 1}/{args.rounds}: {side} ...", file=sys.stderr, flush=True)
                result = spawn(args, side, url, f"r{number}")
                runs[side].append(result)
                print(f"    {side}: {result['turns_per_s']:.1f} turns/s, p50 "
                      f"{result['p50_ms']:.0f} ms, {result['cpu_ms_per_turn']:.2f} ms CPU/turn",
                      file=sys.stderr, flush=True)  # fmt: skip
            order.reverse()
        if args.rounds == 0:
            pass  # memory only
        elif args.otel:
            report_otel(runs, args.sessions, args.turns)
        else:
            report(runs, args.sessions, args.turns)
        if not args.skip_memory and not args.otel:
            memory = measure_memory(args, url, sorted(runs))
    finally:
        parent.send("stop")
        server.join(timeout=10)
    if args.json is not None:
        args.json.write_text(json.dumps({"runs": runs, "memory": memory}, indent=1))


def measure_memory(
    args: argparse.Namespace, url: str, sides: list[str]
) -> dict[str, dict[str, float]]:
    """Memory per idle session and per in-flight turn, each side in a fresh process."""
    found: dict[str, dict[str, float]] = {}
    print(f"\nmemory ({args.sessions} sessions; idle: {args.turns} turns of history, "
          f"{4 * args.turns} messages; in flight: the second turn, at its tool call)")  # fmt: skip
    print(f"{'side':<10} {'idle KiB/session':>17} {'in-flight KiB/turn':>19} {'objects/turn':>13}")
    for side in sides:
        print(f"  measuring memory of {side} ...", file=sys.stderr, flush=True)
        idle = spawn(args, side, url, "memory", measure="idle")
        flight = spawn(args, side, url, "inflight", measure="inflight")
        found[side] = {**idle, **flight}
        idle_kib, flight_kib = idle["bytes_per_session"] / 1024, flight["bytes_per_turn"] / 1024
        print(f"{side:<10} {idle_kib:>17.1f} {flight_kib:>19.1f} "
              f"{flight['objects_per_turn']:>13.0f}")  # fmt: skip
    return found


if __name__ == "__main__":
    main()
