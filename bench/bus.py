"""Benchmark llmgine's MessageBus against autogen-core and bubus (and a bare JSONL floor).

    python bench/bus.py                 # 3 rounds, full sizes (~15 min on 2 cores; peers dominate)
    python bench/bus.py --quick         # sizes / 10, to check that everything runs
    python bench/bus.py --only llmgine,floor --rounds 5 --json results.json
    python bench/bus.py --baseline /tmp/llmgine-d74a259   # also an earlier checkout, same run

Workloads (each warmed up at ~1% of its size, messages built inside the timed region):
  W1  N events -> 1 subscriber, publish all then wait until handled      events/s
  W2  N events -> 10 subscribers                                         deliveries/s
  W3  N sequential request/response (handler returns 2*a)                p50 / p99 us
  W4  1,000 concurrent tasks x 20 request/response                       ops/s
  W5  peak RSS (ru_maxrss) right after W1, same fresh process            MB
  floor: build a 3-field pydantic model + orjson line + buffered write   events/s
Every (peer, variant) runs in a fresh subprocess per round; rounds are round-robin over peers and
the tables show medians.  Every run asserts that nothing was dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
from _peers import BUBUS_IN_FLIGHT, Peer, make_peer

REPO = Path(__file__).resolve().parent.parent
BASELINE_ENV = "LLMGINE_BENCH_BASELINE"
# llmgine is imported from this checkout even when not installed, or, for the baseline
# workers, from the earlier checkout the parent process names.
sys.path.insert(0, os.environ.get(BASELINE_ENV) or str(REPO))

WORKERS = [
    "llmgine-jsonl", "llmgine-nolog", "base-jsonl", "base-nolog",
    "autogen-core", "autogen-core-log", "bubus", "floor",
]  # fmt: skip
FULL = {"w1": 100_000, "w2": 20_000, "w3": 20_000, "w4_tasks": 1_000, "w4_per": 20}
# bubus runs at ~1k events/s and its rate is flat in N (peer-bench.md), so it gets smaller sizes.
BUBUS = {"w1": 20_000, "w2": 4_000, "w3": 5_000, "w4_tasks": 1_000, "w4_per": 5}


def sizes_for(worker: str, quick: bool) -> dict[str, int]:
    sz = dict(BUBUS if worker == "bubus" else FULL)
    if quick:
        sz = {k: (v if k == "w4_per" else max(10, v // 10)) for k, v in sz.items()}
    return sz


def warm(n: int) -> int:
    return max(1, n // 100)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def check_log(peer: Peer, type_name: str, n: int) -> None:
    lines = peer.logged(type_name)
    assert lines is None or lines >= n, (
        f"log has {lines} lines of type {type_name}, expected >= {n}"
    )


# --- workloads -----------------------------------------------------------------------------------


async def _publish_all(peer: Peer, n: int) -> float:
    t0 = time.perf_counter()
    for i in range(n):
        await peer.publish(i)
    await peer.drain()
    return time.perf_counter() - t0


async def _fan_out(worker: str, n: int, n_subs: int) -> float:
    """Deliveries per second for n events to n_subs subscribers."""
    peer = make_peer(worker)
    try:
        await peer.open(n_subs)
        await _publish_all(peer, warm(n))
        peer.delivered = 0
        dt = await _publish_all(peer, n)
        assert peer.delivered == n * n_subs, f"delivered {peer.delivered} of {n * n_subs}"
        await peer.close()
        check_log(peer, "Ev", n)
    finally:
        peer.cleanup()
    return n * n_subs / dt


async def w1_events(worker: str, n: int) -> float:
    return await _fan_out(worker, n, 1)


async def w2_fanout(worker: str, n: int) -> float:
    return await _fan_out(worker, n, 10)


async def w3_latency(worker: str, n: int) -> tuple[float, float]:
    peer = make_peer(worker)
    try:
        await peer.open(0)
        for a in range(1, warm(n) + 1):
            assert await peer.request(a) == 2 * a
        lat: list[int] = []
        bad = 0
        for a in range(1, n + 1):  # a starts at 1: bubus' event_result() skips falsy results
            t0 = time.perf_counter_ns()
            r = await peer.request(a)
            lat.append(time.perf_counter_ns() - t0)
            bad += r != 2 * a
        assert bad == 0, f"{bad} wrong replies"
        await peer.close()
        check_log(peer, "Double", n)
    finally:
        peer.cleanup()
    lat.sort()
    return lat[n // 2] / 1e3, lat[min(n - 1, n * 99 // 100)] / 1e3


async def w4_concurrent(worker: str, tasks: int, per: int) -> float:
    peer = make_peer(worker)

    async def client(first: int) -> int:
        bad = 0
        for a in range(first, first + per):
            bad += (await peer.request(a)) != 2 * a
        return bad

    async def run(n_tasks: int) -> int:
        return sum(await asyncio.gather(*(client(k * per + 1) for k in range(n_tasks))))

    try:
        await peer.open(0)
        assert await run(warm(tasks)) == 0
        t0 = time.perf_counter()
        bad = await run(tasks)
        dt = time.perf_counter() - t0
        assert bad == 0, f"{bad} wrong replies"
        await peer.close()
        check_log(peer, "Double", tasks * per)
    finally:
        peer.cleanup()
    return tasks * per / dt


def floor(n: int) -> float:
    """The cost any logging bus pays per event: build, serialise, append a buffered line."""
    from pydantic import BaseModel

    class Ev(BaseModel):
        a: int
        b: str
        c: float

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "floor.jsonl"
        with path.open("wb") as f:
            for i in range(warm(n)):
                f.write(orjson.dumps(Ev(a=i, b="x", c=1.0).model_dump()) + b"\n")
            t0 = time.perf_counter()
            for i in range(n):
                ev = Ev(a=i, b="x", c=1.0)
                f.write(orjson.dumps(ev.model_dump()) + b"\n")
            dt = time.perf_counter() - t0
        with path.open("rb") as f:
            assert sum(1 for _ in f) == n + warm(n)
    return n / dt


async def run_peer(worker: str, sz: dict[str, int]) -> dict[str, float]:
    if worker in ("llmgine-jsonl", "base-jsonl"):
        # The floor swings a lot between processes on a shared machine, so the W1/floor
        # ratio is also measured as a pair in this process: floor, W1, floor again.
        before = floor(sz["w1"])
        res = {"w1": await w1_events(worker, sz["w1"]), "w5_rss_mb": peak_rss_mb()}
        res["w1_over_paired_floor"] = res["w1"] / ((before + floor(sz["w1"])) / 2)
    else:
        res = {"w1": await w1_events(worker, sz["w1"]), "w5_rss_mb": peak_rss_mb()}
    res["w2"] = await w2_fanout(worker, sz["w2"])
    res["w3_p50_us"], res["w3_p99_us"] = await w3_latency(worker, sz["w3"])
    res["w4"] = await w4_concurrent(worker, sz["w4_tasks"], sz["w4_per"])
    return res


def worker_main(worker: str, quick: bool) -> None:
    sz = sizes_for(worker, quick)
    needs = {
        "llmgine": ["llmgine.bus:MessageBus", "llmgine.messages:Event"],
        "base": ["llmgine.bus:MessageBus", "llmgine.messages:Event"],
        "autogen": ["autogen_core:RoutedAgent"],
        "bubus": ["bubus:EventBus"],
        "floor": [],
    }
    try:  # a library that does not import yet is reported, not crashed on
        for need in next(v for k, v in needs.items() if worker.startswith(k)):
            mod, name = need.split(":")
            getattr(importlib.import_module(mod), name)
    except (ImportError, AttributeError) as e:
        print(json.dumps({"unavailable": f"{type(e).__name__}: {e}"}))
        return
    if worker == "floor":
        res = {"w1": floor(sz["w1"]), "w5_rss_mb": peak_rss_mb()}
    else:
        res = asyncio.run(run_peer(worker, sz))
    print(json.dumps({"sizes": sz, **res}))


# --- orchestration and report --------------------------------------------------------------------

COLS = {
    "w1": "W1 ev/s",
    "w2": "W2 deliv/s",
    "w3_p50_us": "W3 p50 µs",
    "w3_p99_us": "W3 p99 µs",
    "w4": "W4 ops/s",
    "w5_rss_mb": "W5 RSS MB",
}


def spawn(worker: str, quick: bool, timeout: float, baseline: Path | None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", worker]
    env = dict(os.environ)
    if worker.startswith("base-"):
        if baseline is None:
            return {"unavailable": "no --baseline checkout given"}
        env[BASELINE_ENV] = str(baseline)
    try:
        p = subprocess.run(
            cmd + ["--quick"] * quick, capture_output=True, text=True, timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f}s"}
    if p.returncode != 0 or not p.stdout.strip():
        tail = (p.stderr.strip().splitlines() or ["(no stderr)"])[-1]
        return {"error": f"exit {p.returncode}: {tail}"}
    return json.loads(p.stdout.strip().splitlines()[-1])


def summarize(runs: list[dict]) -> dict | None:
    """Median and spread (max/min - 1) of every metric over the successful rounds."""
    good = [x for x in runs if "w1" in x]
    if not good:
        return None
    keys = [k for k in good[0] if k != "sizes"]
    med: dict = {k: statistics.median(x[k] for x in good) for k in keys}
    med["spread"] = {k: max(x[k] for x in good) / min(x[k] for x in good) - 1 for k in keys}
    med["sizes"] = good[0]["sizes"]
    return med


def fmt(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        print("  ".join(cells))


def measure_imports(runs: int) -> dict[str, float | str]:
    def median_wall_ms(code: str) -> float:
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
        return statistics.median(times) * 1e3

    out: dict[str, float | str] = {"bare python": median_wall_ms("pass")}
    for mod in ("llmgine", "openai"):
        if mod == "openai" and importlib.util.find_spec(mod) is None:
            out[f"import {mod}"] = "skipped: not installed"
            continue
        try:
            out[f"import {mod}"] = median_wall_ms(f"import {mod}")
        except subprocess.CalledProcessError as e:
            out[f"import {mod}"] = f"failed: {e.stderr.decode().strip().splitlines()[-1]}"
    return out


def report_tables(med: dict[str, dict], raw: dict[str, list[dict]]) -> None:
    rows, notes = [], []
    for w, runs in raw.items():
        rows.append([w] + [fmt(med.get(w, {}).get(k)) for k in COLS])
        for x in runs:
            if "w1" not in x:
                notes.append(f"  {w}: {x.get('unavailable') or x.get('error')}")
    print("\nMedians over rounds (W3 and RSS: lower is better; the rest: higher is better)\n")
    print_table(["peer", *COLS.values()], rows)
    print("\n".join(["not measured / failed rounds:", *notes]) if notes else "")

    print("\nSizes (W4 = tasks x requests each) and spread between rounds (max/min - 1)\n")
    rows = []
    for w, m in med.items():
        sz, spread = m["sizes"], m["spread"]
        row = [w, f"{sz['w1']:,}"]
        row += ["-"] * 3 if w == "floor" else [f"{sz['w2']:,}", f"{sz['w3']:,}"]
        row += [] if w == "floor" else [f"{sz['w4_tasks']}x{sz['w4_per']}"]
        row += [f"{spread[k]:.0%}" if k in spread else "-" for k in ("w1", "w3_p50_us", "w4")]
        rows.append(row)
    print_table(
        ["peer", "W1 N", "W2 N", "W3 N", "W4", "spread W1", "spread W3p50", "spread W4"], rows
    )
    print(
        f"bubus: publishers keep <= {BUBUS_IN_FLIGHT} events in flight and requesters share a "
        f"Semaphore({BUBUS_IN_FLIGHT}) (its default EventBus raises at 100 pending)."
    )


def report_ratios(med: dict[str, dict]) -> None:
    def get(w: str, k: str) -> float | None:
        return med.get(w, {}).get(k)

    print("\nRatios, higher is better for llmgine (W3 p50 as peer p50 / llmgine p50)\n")
    pairs = [
        (lw, pw) for lw in ("llmgine-jsonl", "llmgine-nolog") for pw in ("autogen-core", "bubus")
    ]
    rows = []
    for k, label in [("w1", "W1"), ("w2", "W2"), ("w4", "W4"), ("w3_p50_us", "W3 p50")]:
        if k.startswith("w3"):
            rows.append([label] + [fmt(ratio(get(pw, k), get(lw, k))) for lw, pw in pairs])
        else:
            rows.append([label] + [fmt(ratio(get(lw, k), get(pw, k))) for lw, pw in pairs])
    print_table(["", *(f"{lw[8:]}/{pw.split('-')[0]}" for lw, pw in pairs)], rows)
    jsonl_w1 = get("llmgine-jsonl", "w1")
    for peer in ("floor", "autogen-core-log"):
        print(f"W1 llmgine-jsonl / {peer}: {fmt(ratio(jsonl_w1, get(peer, 'w1')))}")
    paired = get("llmgine-jsonl", "w1_over_paired_floor")
    print(
        f"W1 llmgine-jsonl / floor measured in the same process (median of rounds): {fmt(paired)}"
    )

    if med.get("base-jsonl") or med.get("base-nolog"):
        print("\nThis checkout against the baseline checkout (higher is better for this one)\n")
        rows = []
        for variant in ("jsonl", "nolog"):
            now, base = f"llmgine-{variant}", f"base-{variant}"
            row = [variant]
            for k in ("w1", "w2", "w4"):
                row.append(fmt(ratio(get(now, k), get(base, k))))
            for k in ("w3_p50_us", "w3_p99_us"):
                row.append(fmt(ratio(get(base, k), get(now, k))))
            rows.append(row)
        print_table(["", "W1", "W2", "W4", "W3 p50", "W3 p99"], rows)
        print(
            "W1 base-jsonl / floor measured in the same process: "
            f"{fmt(get('base-jsonl', 'w1_over_paired_floor'))}"
        )

    print("\nTargets (llmgine with JSONL on)\n")
    checks = [
        ("W1 >= 10x autogen", ratio(jsonl_w1, get("autogen-core", "w1")), 10),
        ("W1 >= 0.45x floor (paired)", paired, 0.45),
        ("W1 >= 0.3x floor (separate)", ratio(jsonl_w1, get("floor", "w1")), 0.3),
        ("W3 p50 <= autogen p50 / 8",
         ratio(get("autogen-core", "w3_p50_us"), get("llmgine-jsonl", "w3_p50_us")), 8),
        ("W4 >= 8x autogen", ratio(get("llmgine-jsonl", "w4"), get("autogen-core", "w4")), 8),
    ]  # fmt: skip
    for name, got, need in checks:
        verdict = "n/a (missing data)" if got is None else "PASS" if got >= need else "FAIL"
        print(f"  {name:28s} got {fmt(got):>7s}x   need {f'{need}x':>5s}   {verdict}")


def report_imports(imports: dict[str, float | str]) -> None:
    print("\nImport time, median wall ms of fresh `python -c ...` processes\n")
    for k, v in imports.items():
        print(f"  {k:16s} {v if isinstance(v, str) else f'{v:7.1f}'}")
    lm, oa, base = (
        imports.get("import llmgine"),
        imports.get("import openai"),
        imports["bare python"],
    )
    if isinstance(lm, float) and isinstance(oa, float) and isinstance(base, float):
        net = (lm - base) / max(oa - base, 1e-9)
        print(f"  llmgine / openai: {lm / oa:.2f} wall, {net:.2f} net of the bare interpreter")
    else:
        print("  llmgine / openai: n/a (both imports are needed for the ratio)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="sizes / 10")
    ap.add_argument("--only", help="comma-separated name prefixes, e.g. llmgine,floor")
    ap.add_argument("--json", type=Path, help="save raw per-round results and medians here")
    ap.add_argument("--import-runs", type=int, default=7)
    ap.add_argument("--timeout", type=float, default=1200, help="seconds per worker process")
    ap.add_argument(
        "--baseline", type=Path, help="an earlier llmgine checkout, measured as base-* workers"
    )
    ap.add_argument("--worker", choices=WORKERS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker_main(args.worker, args.quick)
        return

    prefixes = args.only.split(",") if args.only else [""]
    workers = [w for w in WORKERS if any(w.startswith(p.strip()) for p in prefixes)]
    if args.baseline is None:
        workers = [w for w in workers if not w.startswith("base-")]
    raw: dict[str, list[dict]] = {w: [] for w in workers}
    for r in range(args.rounds):
        for w in workers:
            if raw[w] and "unavailable" in raw[w][-1]:
                continue
            t0 = time.perf_counter()
            print(f"round {r + 1}/{args.rounds}  {w:17s}", end=" ", flush=True)
            res = spawn(w, args.quick, args.timeout, args.baseline)
            raw[w].append(res)
            status = res.get("unavailable") or res.get("error") or "ok"
            print(f"{time.perf_counter() - t0:6.1f}s  {status}", flush=True)

    med = {w: m for w, runs in raw.items() if (m := summarize(runs)) is not None}
    imports = measure_imports(args.import_runs)
    report_tables(med, raw)
    report_ratios(med)
    report_imports(imports)
    if args.json:
        meta = {"python": sys.version, "cpus": os.cpu_count(), "quick": args.quick}
        args.json.write_text(
            json.dumps({"meta": meta, "raw": raw, "median": med, "imports": imports}, indent=1)
        )
        print(f"\nraw results written to {args.json}")


if __name__ == "__main__":
    main()
