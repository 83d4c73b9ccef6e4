"""Benchmark llmgine's OpenAI adapter against the raw ``openai`` SDK on the same FakeLLMServer.

    python bench/llm.py                   # 2,000 sequential chat calls each, interleaved
    python bench/llm.py --calls 200       # a quick check
    python bench/llm.py --stream          # the same with streamed replies

Both sides send the same chat completion to the same local server over keep-alive
connections. The server runs in a process of its own, so the client timings do not include
the server's share of the interpreter lock. llmgine's side is what an app would use:
``OpenAIProvider`` wrapped in ``RetryingProvider`` and ``RateLimitedProvider`` (limits far
above the load, so neither triggers), called with an ``LLMRequest`` and reading
``LLMResponse``. Calls alternate in blocks of 50 (raw, llmgine, llmgine, raw, ...), so noise
lands on both. The script prints per-call medians and the ratio llmgine / raw (target:
at most 1.10).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openai

from llmgine.llm import (
    LLMRequest,
    OpenAIProvider,
    RateLimitedProvider,
    RetryingProvider,
    StreamEnd,
)
from llmgine.testing import FakeLLMServer, RecordedRequest, Reply, Step

BLOCK = 50
PROMPT = "What is the capital of France? Answer in one word."
REPLY = Reply(text="Paris is the capital of France.", usage=(14, 7))


def answer(_: RecordedRequest) -> Step:
    return REPLY


def serve(conn: Connection) -> None:
    """The server process: report the URL, serve until told to stop."""
    with FakeLLMServer(responder=answer, strict=False) as server:
        conn.send(server.openai_base_url)
        conn.recv()


async def run(calls: int, stream: bool, base_url: str) -> dict[str, list[float]]:
    raw = openai.AsyncOpenAI(api_key="sk-bench", base_url=base_url, max_retries=0)
    ours = RetryingProvider(
        RateLimitedProvider(
            OpenAIProvider("gpt-4o-mini", api_key="sk-bench", base_url=base_url),
            requests_per_second=1_000_000,
            burst=1_000,
        )
    )

    async def raw_call() -> str:
        messages = [{"role": "user", "content": PROMPT}]
        if stream:
            chunks = await raw.chat.completions.create(
                model="gpt-4o-mini",
                messages=messages,  # type: ignore[arg-type]
                stream=True,
                stream_options={"include_usage": True},
            )
            parts = [c.choices[0].delta.content or "" async for c in chunks if c.choices]
            return "".join(parts)
        completion = await raw.chat.completions.create(
            model="gpt-4o-mini",
            messages=messages,  # type: ignore[arg-type]
        )
        return completion.choices[0].message.content or ""

    async def our_call() -> str:
        request = LLMRequest.of(PROMPT)
        if stream:
            async for delta in ours.stream(request):
                if isinstance(delta, StreamEnd):
                    return delta.response.content
            raise AssertionError("stream without end")
        return (await ours.complete(request)).content

    sides: dict[str, Callable[[], Awaitable[str]]] = {
        "raw openai": raw_call,
        "llmgine": our_call,
    }
    times: dict[str, list[float]] = {name: [] for name in sides}
    for call in sides.values():  # warm up connections, imports and caches
        for _ in range(20):
            assert await call() == REPLY.text
    gc.collect()
    done = 0
    order = list(sides.items())
    while done < calls:
        block = min(BLOCK, calls - done)
        order.reverse()  # who goes first alternates, so neither side always follows the other
        for name, call in order:
            for _ in range(block):
                start = time.perf_counter()
                text = await call()
                times[name].append(time.perf_counter() - start)
                assert text == REPLY.text
        done += block
        if done % 500 == 0 or done == calls:
            print(f"  {done}/{calls} calls per side", file=sys.stderr, flush=True)
    await raw.close()
    await ours.aclose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2_000, help="calls per side")
    parser.add_argument("--stream", action="store_true", help="stream the replies")
    args = parser.parse_args()
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(child,), daemon=True)
    server.start()
    try:
        times = asyncio.run(run(args.calls, args.stream, parent.recv()))
    finally:
        parent.send("stop")
        server.join(timeout=10)
    mode = "streamed" if args.stream else "JSON"
    print(f"{args.calls} sequential chat calls per side, {mode} replies, FakeLLMServer on loopback")
    print(f"{'side':<12} {'median us':>10} {'p10 us':>8} {'p90 us':>8} {'mean us':>8}")
    medians = {}
    for name, samples in times.items():
        ordered = sorted(samples)
        medians[name] = statistics.median(ordered)
        p10 = ordered[len(ordered) // 10]
        p90 = ordered[len(ordered) * 9 // 10]
        print(
            f"{name:<12} {medians[name] * 1e6:>10.0f} {p10 * 1e6:>8.0f} {p90 * 1e6:>8.0f} "
            f"{statistics.fmean(ordered) * 1e6:>8.0f}"
        )
    ratio = medians["llmgine"] / medians["raw openai"]
    print(f"ratio of medians llmgine / raw openai: {ratio:.3f} (target <= 1.10)")


if __name__ == "__main__":
    main()
