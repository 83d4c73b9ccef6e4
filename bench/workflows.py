"""Benchmark llmgine's workflow runtime against the same patterns written on the raw SDK.

    python bench/workflows.py                  # map-reduce (50 chunks) and debate (3 rounds)
    python bench/workflows.py --rounds 3       # fewer fresh-process rounds per side
    python bench/workflows.py --stream         # streamed replies on both sides
    python bench/workflows.py --no-log         # llmgine without its JSONL log

What is measured is the framework's own cost per workflow step: the client's CPU per step
(``time.process_time`` over whole runs, divided by the steps), llmgine's against the raw
SDK's, on the same ``FakeLLMServer`` in a process of its own (so the server's work is not
counted). Every step of both sides is one chat completion; the difference of the two CPU
figures is what llmgine spends per step beyond the model call.

- **llmgine**: what ``llmgine workflow run`` builds: a bus with its JSONL log, a
  ``WorkflowRuntime`` from ``build_workflows`` (the engine's providers from the settings),
  ``MapReduce`` and ``Debate`` with ``SimpleExecutor`` agents; every step is a command,
  its events and its agent's chat turn, all recorded.
- **raw**: the same patterns on ``openai.AsyncOpenAI``: the map calls under a semaphore of
  the runtime's concurrency, one reduce call; the debate's arguments one after the other,
  then the judge. The prompts are the runtime's, word for word, and a check at the start
  runs both sides once on a recording server and compares every request.
- **alone**: llmgine's side with the model answering in process after 2 ms (no SDK, no
  HTTP): its CPU per step is llmgine's own work, measured directly, a cross-check of the
  difference above.

Both sides use one client configuration (a pool of 100 connections, no SDK retries). Each
(side, pattern, round) runs in a fresh process, warmed up by one run; sides alternate.
Printed: medians over the rounds of CPU ms per step (and wall ms per run, which on a shared
machine mostly measures the fake server and the load), the difference and the ratio
llmgine / raw, the alone side, and whether the goal (at most 1 ms of CPU per step beyond
the model call) is met.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2
import openai

from llmgine.bootstrap import SettingsProviders, build_bus, build_workflows
from llmgine.config import load_settings
from llmgine.llm import LLMRequest
from llmgine.testing import FakeLLMServer, FunctionProvider, RecordedRequest, Reply, Step
from llmgine.workflows import (
    Debate,
    DebateConfig,
    MapReduce,
    MapReduceConfig,
    SimpleExecutor,
    Workflow,
    WorkflowRuntime,
)

MODEL = "gpt-4o-mini"
CONCURRENCY = 8
CHUNKS, CHUNK_SIZE = 50, 400
ROUNDS = 3
TEXT = "".join(f"Sentence {n} of the report says something worth keeping. " for n in range(400))
TEXT = (TEXT * 2)[: CHUNKS * CHUNK_SIZE]
TOPIC = "Should cities ban cars from their centres?"
REPLY = Reply(text="A point made with care, " * 12, usage=(300, 60))
SUMMARISE = "Summarise the part of the text you are given."
COMBINE = "Combine the summaries you are given into one."
SPEAKERS = {
    "Proponent": "Argue for the position under debate.",
    "Opponent": "Argue against the position under debate.",
}
JUDGE = "Weigh the debate and decide."
RUNS = {"map_reduce": 6, "debate": 40}
"""Runs per timed process (306 and 280 steps): enough CPU time for a steady figure."""
SIDES = ("raw", "llmgine", "alone")
ALONE_WAIT = 0.002
"""How long the in-process model of the ``alone`` side takes: about the fake server's
answer time, so the loop idles between steps as it does with a server."""


def answer(_: RecordedRequest) -> Step:
    return REPLY


def serve(conn: Connection) -> None:
    with FakeLLMServer(responder=answer, strict=False) as server:
        conn.send(server.openai_base_url)
        conn.recv()


def sdk_client(base_url: str) -> openai.AsyncOpenAI:
    limits = httpx2.Limits(max_connections=100, max_keepalive_connections=100)
    return openai.AsyncOpenAI(
        api_key="sk-bench",
        base_url=base_url,
        max_retries=0,
        timeout=httpx2.Timeout(600.0, connect=120.0),
        http_client=openai.DefaultAsyncHttpxClient(limits=limits),
    )


# -- the raw side: the patterns written on the SDK ----------------------------------------


class Raw:
    def __init__(self, base_url: str, stream: bool) -> None:
        self.client = sdk_client(base_url)
        self.stream = stream

    async def call(self, system: str, prompt: str) -> str:
        messages: Any = [{"role": "system", "content": system}, {"role": "user", "content": prompt}]
        if not self.stream:
            completion = await self.client.chat.completions.create(model=MODEL, messages=messages)
            return completion.choices[0].message.content or ""
        chunks = await self.client.chat.completions.create(
            model=MODEL, messages=messages, stream=True, stream_options={"include_usage": True}
        )
        return "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])

    async def map_reduce(self, text: str) -> tuple[str, int]:
        chunks = [text[i : i + CHUNK_SIZE] for i in range(0, len(text), CHUNK_SIZE)]
        places = asyncio.Semaphore(CONCURRENCY)

        async def summarise(number: int, chunk: str) -> str:
            prompt = (
                f"This is part {number} of {len(chunks)} of a longer text.\n\n{chunk}\n\n"
                "Process it as you were asked; your result will be combined with the "
                "results of the other parts."
            )
            async with places:
                return await self.call(SUMMARISE, prompt)

        parts = await asyncio.gather(*(summarise(n, c) for n, c in enumerate(chunks, 1)))
        listed = "\n\n".join(f"[Part {n}]\n{part}" for n, part in enumerate(parts, 1))
        prompt = (
            f"Here are {len(parts)} results of processing parts of one text.\n\n{listed}\n\n"
            "Combine them into one result that keeps what matters from each."
        )
        return await self.call(COMBINE, prompt), len(chunks) + 1

    async def debate(self, topic: str) -> tuple[str, int]:
        said: list[tuple[int, str, str]] = []
        for round_ in range(1, ROUNDS + 1):
            for name, system in SPEAKERS.items():
                others = ", ".join(other for other in SPEAKERS if other != name)
                heard = f"Arguments so far:\n\n{_transcript(said)}\n\n" if said else ""
                prompt = (
                    f"Topic: {topic}\n\nYou are {name}, debating with {others}. This is round "
                    f"{round_} of at most {ROUNDS}.\n\n{heard}Give your argument for this round."
                )
                said.append((round_, name, await self.call(system, prompt)))
        prompt = (
            f"Topic: {topic}\n\nThe debate ({ROUNDS} round(s)):\n\n{_transcript(said)}"
            "\n\nWeigh the arguments and give your final judgment."
        )
        return await self.call(JUDGE, prompt), len(said) + 1

    async def start(self) -> None:
        pass

    async def run(self, pattern: str, task: str) -> tuple[str, int]:
        return await (self.map_reduce(task) if pattern == "map_reduce" else self.debate(task))

    async def aclose(self) -> None:
        await self.client.close()


def _transcript(said: list[tuple[int, str, str]]) -> str:
    return "\n\n".join(f"[Round {r}] {name}: {text}" for r, name, text in said)


# -- the llmgine side ---------------------------------------------------------------------


def workflow(pattern: str) -> Workflow[Any]:
    if pattern == "map_reduce":
        return MapReduce(
            SimpleExecutor(system_prompt=SUMMARISE, name="summariser"),
            SimpleExecutor(system_prompt=COMBINE, name="combiner"),
            MapReduceConfig(chunk_size=CHUNK_SIZE),
        )
    return Debate(
        [SimpleExecutor(system_prompt=system, name=name) for name, system in SPEAKERS.items()],
        judge=SimpleExecutor(system_prompt=JUDGE, name="Judge"),
        config=DebateConfig(max_rounds=ROUNDS),
    )


async def in_process(_: LLMRequest) -> str:
    """The model of the ``alone`` side: the reply after a wait like the server's, with no
    client work at all."""
    await asyncio.sleep(ALONE_WAIT)
    return REPLY.text


class Llmgine:
    """``base_url`` None: the model answers in process (the ``alone`` side)."""

    def __init__(self, base_url: str | None, stream: bool, log_dir: Path | None) -> None:
        settings = load_settings(
            log_dir=log_dir or Path("."), jsonl_log=log_dir is not None, stream=stream
        )
        self.bus = build_bus(settings)
        model: str | FunctionProvider = f"openai:{MODEL}"
        providers = None
        if base_url is None:
            model = FunctionProvider(in_process)
        else:
            providers = SettingsProviders(settings, {"client": sdk_client(base_url)})
        self.runtime: WorkflowRuntime = build_workflows(
            self.bus, settings, model=model, providers=providers, max_concurrency=CONCURRENCY
        )
        self.workflows = {name: workflow(name) for name in RUNS}

    async def start(self) -> None:
        await self.bus.start()
        await self.runtime.start()

    async def run(self, pattern: str, task: str) -> tuple[str, int]:
        result = await self.runtime.run(self.workflows[pattern], task)
        assert result.completed, result.error
        return result.output, result.usage.steps

    async def aclose(self) -> None:
        await self.runtime.stop()
        report = await self.bus.stop()
        assert report.clean, report


# -- one timed process --------------------------------------------------------------------


def runner(side: str, url: str, stream: bool, log_dir: Path | None) -> Raw | Llmgine:
    if side == "raw":
        return Raw(url, stream)
    return Llmgine(url if side == "llmgine" else None, stream, log_dir)


def task_of(pattern: str) -> str:
    return TEXT if pattern == "map_reduce" else TOPIC


async def one_side(side: str, pattern: str, url: str, stream: bool, log: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as logs:
        chosen = runner(side, url, stream, Path(logs) if log else None)
        await chosen.start()
        await chosen.run(pattern, task_of(pattern))  # warm up: connections, imports, caches
        gc.collect()
        steps, wall = 0, []
        cpu = time.process_time()
        for _ in range(RUNS[pattern]):
            start = time.perf_counter()
            output, taken = await chosen.run(pattern, task_of(pattern))
            wall.append(time.perf_counter() - start)
            assert output == REPLY.text, output
            steps += taken
        cpu = time.process_time() - cpu
        await chosen.aclose()
    return {
        "cpu_ms_per_step": cpu / steps * 1000,
        "wall_ms_per_run": statistics.median(wall) * 1000,
        "steps_per_run": steps / RUNS[pattern],
    }


def spawn(args: argparse.Namespace, side: str, pattern: str, url: str) -> dict[str, float]:
    command = [sys.executable, __file__, "--worker", side, "--pattern", pattern, "--url", url]
    command += ["--stream"] * args.stream + ["--no-log"] * (not args.log)
    done = subprocess.run(command, capture_output=True, text=True, timeout=1_800)
    if done.returncode != 0:
        raise SystemExit(f"the {side} {pattern} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# -- the check: both sides send the same requests -----------------------------------------


def check_same_requests(stream: bool) -> None:
    """Run each pattern once per side on a recording server; their requests must match."""

    async def once(side: str, pattern: str, url: str) -> None:
        chosen = runner(side, url, stream, None)
        await chosen.start()
        await chosen.run(pattern, task_of(pattern))
        await chosen.aclose()

    for pattern in RUNS:
        seen = {}
        for side in ("raw", "llmgine"):
            with FakeLLMServer(responder=answer, strict=False) as server:
                asyncio.run(once(side, pattern, server.openai_base_url))
                seen[side] = sorted(json.dumps(r.body, sort_keys=True) for r in server.requests)
        assert seen["raw"] == seen["llmgine"], f"the two sides' {pattern} requests differ"
        print(f"  {pattern}: {len(seen['raw'])} requests, the same on both sides", file=sys.stderr)


WORKER_KEYS = ("cpu_ms_per_step", "wall_ms_per_run", "steps_per_run")


def report(runs: dict[tuple[str, str], list[dict[str, float]]], args: argparse.Namespace) -> None:
    replies = "streamed" if args.stream else "JSON"
    log = "with its JSONL log" if args.log else "without its JSONL log"
    print(f"\nCPU per workflow step (client process, ms), medians of {args.rounds} rounds, "
          f"{replies} replies, llmgine {log}")  # fmt: skip
    print(f"{'pattern':<22} {'steps/run':>9} {'raw':>6} {'llmgine':>8} {'beyond':>7} "
          f"{'ratio':>6} {'alone':>6} {'raw wall/run':>13} {'llmgine wall/run':>17}")  # fmt: skip
    worst = 0.0
    for pattern, title in (("map_reduce", "map-reduce, 50 chunks"), ("debate", "debate, 3 rounds")):
        med = {
            side: {k: statistics.median(r[k] for r in runs[(side, pattern)]) for k in WORKER_KEYS}
            for side in SIDES
        }
        raw, ours, alone = med["raw"], med["llmgine"], med["alone"]
        beyond = ours["cpu_ms_per_step"] - raw["cpu_ms_per_step"]
        worst = max(worst, beyond)
        print(
            f"{title:<22} {ours['steps_per_run']:>9.0f} {raw['cpu_ms_per_step']:>6.2f} "
            f"{ours['cpu_ms_per_step']:>8.2f} {beyond:>7.2f} "
            f"{ours['cpu_ms_per_step'] / raw['cpu_ms_per_step']:>6.2f} "
            f"{alone['cpu_ms_per_step']:>6.2f} {raw['wall_ms_per_run']:>10.0f} ms "
            f"{ours['wall_ms_per_run']:>14.0f} ms"
        )
        pairs = zip(runs[("raw", pattern)], runs[("llmgine", pattern)], strict=True)
        per_round = [o["cpu_ms_per_step"] - r["cpu_ms_per_step"] for r, o in pairs]
        print(f"{'':<22} beyond, round by round: {', '.join(f'{d:.2f}' for d in per_round)}")
    print("CPU ms per step: raw = the SDK alone; llmgine = the same steps through llmgine; "
          "beyond = llmgine - raw;\nalone = llmgine with the model answering in process after "
          f"{ALONE_WAIT * 1000:g} ms (no SDK, no HTTP)")  # fmt: skip
    verdict = "met" if worst <= 1.0 else "missed"
    print(f"goal: at most 1 ms of CPU per step beyond the model call: {verdict} "
          f"(worst {worst:.2f} ms)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="fresh processes per side")
    parser.add_argument("--stream", action="store_true", help="stream the replies")
    parser.add_argument("--no-log", dest="log", action="store_false", help="llmgine without JSONL")
    parser.add_argument("--worker", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--pattern", choices=list(RUNS), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = asyncio.run(one_side(args.worker, args.pattern, args.url, args.stream, args.log))
        print(json.dumps(result))
        return
    print("  checking that both sides send the same requests ...", file=sys.stderr, flush=True)
    check_same_requests(args.stream)
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(child,), daemon=True)
    server.start()
    url = parent.recv()
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    order = list(SIDES)
    try:
        for number in range(args.rounds):
            for pattern in RUNS:
                for side in order:
                    result = spawn(args, side, pattern, url)
                    runs.setdefault((side, pattern), []).append(result)
                    print(f"  round {number + 1}/{args.rounds} {pattern} {side}: "
                          f"{result['cpu_ms_per_step']:.2f} ms CPU/step", file=sys.stderr,
                          flush=True)  # fmt: skip
                order.reverse()
        report(runs, args)
    finally:
        parent.send("stop")
        server.join(timeout=10)


if __name__ == "__main__":
    main()
