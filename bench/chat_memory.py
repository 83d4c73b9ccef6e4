"""Where the memory of a chat session and of a turn in flight goes, by allocation site and type.

    python bench/chat_memory.py                                  # raw, llmgine, client
    python bench/chat_memory.py --baseline /tmp/llmgine-d74a259  # and the earlier checkout
    python bench/chat_memory.py --sides llmgine --top 40 --frames 40

The workloads and measuring points of ``bench/chat.py``'s memory mode: an idle session is
what ``--sessions`` sessions hold after ``--turns`` turns each (history included, no
log); a turn in flight is every session's second turn held at its tool call (JSONL log
on), against the same sessions idle after their first turn. Each side runs in a process
of its own (the fake server in another), under ``tracemalloc`` with ``--frames`` frames
per allocation, so each block is charged to the innermost frame of llmgine's own code
that made it (else to the innermost frame), and the objects the collector tracks are
counted by type. Figures are per session (idle) or per turn (in flight).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import json
import os
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SIDES = ("raw", "llmgine", "client", "base", "base-client")


def _site(trace: tracemalloc.Trace, roots: tuple[str, ...]) -> str:
    frames = trace.traceback  # the oldest first
    for frame in reversed(frames):
        if any(root in frame.filename for root in roots):
            return _short(frame)
    return _short(frames[-1])


def _short(frame: tracemalloc.Frame) -> str:
    name = frame.filename
    for marker in ("/llmgine/", "/site-packages/", "/bench/", "/lib/python3"):
        if marker in name:
            name = name[name.index(marker) + 1 :]
            break
    return f"{name}:{frame.lineno}"


def _by_site(snapshot: tracemalloc.Snapshot) -> collections.Counter[str]:
    roots = ("/llmgine/", "/bench/chat.py")
    sizes: collections.Counter[str] = collections.Counter()
    mine = tracemalloc.Filter(False, __file__)  # this measuring's own counters
    for trace in snapshot.filter_traces(
        [mine, tracemalloc.Filter(False, tracemalloc.__file__)]
    ).traces:
        sizes[_site(trace, roots)] += trace.size
    return sizes


def _by_type() -> tuple[collections.Counter[str], collections.Counter[str]]:
    counts: collections.Counter[str] = collections.Counter()
    sizes: collections.Counter[str] = collections.Counter()
    for obj in gc.get_objects():
        name = type(obj).__qualname__
        counts[name] += 1
        sizes[name] += sys.getsizeof(obj)
    return counts, sizes


async def settled() -> Moment:
    """A ``Moment`` once the loop has run what the last turns left scheduled (the closing
    of their streams), which would otherwise count as held by one moment and not the other."""
    for _ in range(50):
        await asyncio.sleep(0)
    return Moment()


class Moment:
    """What is alive at one moment: blocks by site, objects by type."""

    def __init__(self) -> None:
        gc.collect()
        self.sites = _by_site(tracemalloc.take_snapshot())
        self.counts, self.sizes = _by_type()
        self.traced = tracemalloc.get_traced_memory()[0]


def difference(before: Moment, after: Moment, per: int, top: int) -> dict[str, Any]:
    def diff(a: collections.Counter[str], b: collections.Counter[str]) -> list[Any]:
        keys = set(a) | set(b)
        rows = [(k, (b[k] - a[k]) / per) for k in keys]
        rows = [r for r in rows if abs(r[1]) >= 1 / per]
        rows.sort(key=lambda r: -abs(r[1]))
        return rows[:top]

    return {
        "bytes": (after.traced - before.traced) / per,
        "sites": diff(before.sites, after.sites),
        "type_counts": diff(before.counts, after.counts),
        "type_sizes": diff(before.sizes, after.sizes),
    }


async def idle(side: str, url: str, sessions: int, turns: int, top: int) -> dict[str, Any]:
    import chat  # after sys.path names the checkout

    bench = chat.make_chat(side, url, 100, log_dir=None)
    if not isinstance(bench, chat.RawChat):
        await bench.start()
    await chat.run_sessions(bench.turn, sessions, 1, "warm-memory")  # the whole pool
    before = await settled()
    await chat.run_sessions(bench.turn, sessions, turns, "memory")
    after = await settled()
    bench.check("memory", sessions, turns)
    await bench.aclose()
    return difference(before, after, sessions, top)


async def in_flight(side: str, url: str, sessions: int, top: int) -> dict[str, Any]:
    import chat

    moments: list[Moment] = []

    def alive() -> tuple[int, int]:
        moments.append(Moment())
        return moments[-1].traced, 0

    chat.alive = alive  # the gate counts through the module's function
    gate = chat.Gate(sessions)
    with tempfile.TemporaryDirectory() as logs:
        bench = chat.make_chat(side, url, 100, Path(logs), tool=chat.gated_weather(gate))
        if not isinstance(bench, chat.RawChat):
            await bench.start()
        await chat.run_sessions(bench.turn, 20, 1, "warm-inflight")
        await chat.run_sessions(bench.turn, sessions, 1, "inflight")
        idle_moment = await settled()
        gate.armed = True
        await chat.run_sessions(bench.turn, sessions, 1, "inflight")
        bench.check("inflight", sessions, 2)
        await bench.aclose()
    return difference(idle_moment, moments[0], sessions, top)


def worker(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(HERE))
    import chat

    chat.time_limit = 3_600.0
    side = {"base": "llmgine", "base-client": "client"}.get(args.worker, args.worker)
    tracemalloc.start(args.frames)
    if args.measure == "idle":
        found = asyncio.run(idle(side, args.url, args.sessions, args.turns, args.top))
    else:
        found = asyncio.run(in_flight(side, args.url, args.sessions, args.top))
    print(json.dumps(found))


def run(args: argparse.Namespace, side: str, url: str, measure: str) -> dict[str, Any]:
    command = [
        sys.executable, __file__, "--worker", side, "--measure", measure, "--url", url,
        "--sessions", str(args.sessions), "--turns", str(args.turns),
        "--top", str(args.top), "--frames", str(args.frames),
    ]  # fmt: skip
    env = dict(os.environ)
    env.pop("LLMGINE_BENCH_BASELINE", None)
    if side.startswith("base"):
        env["LLMGINE_BENCH_BASELINE"] = str(args.baseline)
    done = subprocess.run(command, capture_output=True, text=True, timeout=3_600, env=env)
    if done.returncode != 0:
        raise SystemExit(f"the {side} {measure} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def show(side: str, measure: str, found: dict[str, Any], unit: str) -> None:
    print(f"\n== {side}, {measure}: {found['bytes'] / 1024:.1f} KiB per {unit} ==")
    print("  by allocation site (bytes):")
    for site, size in found["sites"]:
        print(f"    {size:>9.0f}  {site}")
    print("  objects tracked by the collector, by type (count, getsizeof bytes):")
    sizes = dict(found["type_sizes"])
    for name, count in found["type_counts"]:
        print(f"    {count:>7.2f}  {sizes.get(name, float('nan')):>8.0f}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sides", type=lambda text: text.split(","), default=None)
    parser.add_argument("--baseline", type=Path, help="an earlier llmgine checkout")
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--top", type=int, default=25, help="rows per table")
    parser.add_argument("--frames", type=int, default=12, help="frames kept per allocation")
    parser.add_argument("--measures", default="idle,inflight")
    parser.add_argument("--json", type=Path, help="write the findings there")
    parser.add_argument("--worker", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--measure", choices=["idle", "inflight"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    sides = args.sides or ["raw", "llmgine", "client"] + (["base"] if args.baseline else [])
    server = subprocess.Popen(
        [sys.executable, str(HERE / "chat.py"), "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    assert server.stdin is not None
    url = server.stdout.readline().strip()
    findings: dict[str, Any] = {}
    try:
        for side in sides:
            for measure in args.measures.split(","):
                print(f"  {side}, {measure} ...", file=sys.stderr, flush=True)
                found = findings[f"{side}/{measure}"] = run(args, side, url, measure)
                show(side, measure, found, "session" if measure == "idle" else "turn")
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    if args.json is not None:
        args.json.write_text(json.dumps(findings, indent=1))


if __name__ == "__main__":
    main()
