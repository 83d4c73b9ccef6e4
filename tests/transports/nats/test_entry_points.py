"""The entry points of a bus across processes: ``llmgine nats up``, ``llmgine worker`` and a
front end (``llmgine complete --bus``), as processes, bounded in time, cleaned up."""

from __future__ import annotations

import json
import random
import signal
import socket
from pathlib import Path

import pytest

from llmgine.bus import MessageBus
from llmgine.transports.nats import NatsServer
from tests.transports.nats._messages import Work
from tests.transports.nats.conftest import Workers, jetstream, transport

OFFLINE = {"LLMGINE_MODEL": "offline:stand-in"}


def free_run(count: int) -> int:
    """The first of ``count`` consecutive loopback ports nothing listens on."""
    for _ in range(200):
        base = random.randrange(20_000, 60_000)
        try:
            for port in range(base, base + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise AssertionError("no free ports")


def refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


async def serve_work(url: str, namespace: str, **options: object) -> int:
    async with MessageBus(transport=transport(url, namespace, **options)) as bus:
        bus.register_command_handler(Work, lambda command: {"n": command.n})
        result = await bus.execute(Work(n=7), timeout=10)
    assert result.result == {"n": 7}, result.error
    return 7


async def test_nats_up_serves_until_ctrl_c_then_stops_its_server(
    workers: Workers, tmp_path: Path, namespace: str
) -> None:
    port, monitor = free_run(1), free_run(1)
    up = await workers.program("llmgine.cli", "nats", "up", "--dir", str(tmp_path / "data"),
                               "--port", str(port), "--monitor-port", str(monitor))  # fmt: skip
    await up.expect("Ctrl-C stops.")
    url = f"nats://127.0.0.1:{port}"
    assert f"export LLMGINE_BUS_URL={url}" in up.lines
    assert f"export LLMGINE_BUS_MONITOR_URL=http://127.0.0.1:{monitor}" in up.lines
    # A bus that checks the server syncs every write runs on it.
    await serve_work(url, namespace, monitor_url=f"http://127.0.0.1:{monitor}")
    assert (tmp_path / "data" / "jetstream").is_dir()  # the data in the folder it named
    up.process.send_signal(signal.SIGINT)
    assert await up.wait() == 0
    assert refused(port)


@pytest.mark.timeout(60)
async def test_nats_up_cluster_3_runs_three_routed_servers(
    workers: Workers, tmp_path: Path, namespace: str
) -> None:
    port, monitor, routes = free_run(3), free_run(3), free_run(3)
    up = await workers.program(
        "llmgine.cli", "nats", "up", "--cluster", "3", "--dir", str(tmp_path),
        "--port", str(port), "--monitor-port", str(monitor), "--cluster-port", str(routes),
    )  # fmt: skip
    await up.expect("Ctrl-C stops.", timeout=30)
    urls = [f"nats://127.0.0.1:{port + i}" for i in range(3)]
    assert f"export LLMGINE_BUS_URL={','.join(urls)}" in up.lines
    assert "export LLMGINE_BUS_REPLICAS=3" in up.lines
    await serve_work(",".join(urls), namespace, replicas=3)
    async with jetstream(urls) as js:
        info = await js.stream_info(f"{namespace}_commands")
    assert info.cluster is not None
    assert len(info.cluster.replicas or []) == 2  # and a leader: three copies
    up.process.send_signal(signal.SIGTERM)
    assert await up.wait(timeout=30) == 0
    assert all(refused(port + i) for i in range(3))


async def test_nats_up_on_a_port_in_use_fails_in_one_line(workers: Workers, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monitor = free_run(1)
        up = await workers.program("llmgine.cli", "nats", "up", "--dir", str(tmp_path),
                                   "--port", str(port), "--monitor-port", str(monitor))  # fmt: skip
        assert await up.wait() == 1
    [line] = [ln for ln in up.lines if ln.startswith("llmgine nats up:")]
    assert "is the port in use? --port chooses another" in line


async def test_nats_and_worker_without_what_they_need_are_usage_errors(workers: Workers) -> None:
    bare = await workers.program("llmgine.cli", "nats")
    assert await bare.wait() == 2
    worker = await workers.program("llmgine.cli", "worker")
    assert await worker.wait() == 2
    assert worker.lines == [
        "llmgine worker: no bus to serve: pass --bus nats://host:4222 or set LLMGINE_BUS_URL "
        "(`llmgine nats up` starts a server on this machine)"
    ]


async def test_a_front_end_gets_its_answer_from_a_worker_process(
    nats_server: NatsServer, namespace: str, workers: Workers, tmp_path: Path
) -> None:
    where = {"LLMGINE_BUS_NAMESPACE": namespace, "LLMGINE_SESSIONS_DIR": str(tmp_path),
             "LLMGINE_LOG_DIR": str(tmp_path / "logs"), **OFFLINE}  # fmt: skip
    worker = await workers.program(
        "llmgine.cli", "worker", "--bus", nats_server.url, "--tool",
        "programs.function_chat:calculate", env=where,
    )  # fmt: skip
    await worker.expect("llmgine worker: serving chat turns with offline:stand-in")
    front = await workers.program(
        "llmgine.cli", "complete", "--bus", nats_server.url, "--json", "What is 12*7?",
        env=where,
    )  # fmt: skip
    assert await front.wait(timeout=60) == 0, front.lines
    answer = json.loads("\n".join(ln for ln in front.lines if not ln.startswith("20")))
    assert answer["ok"] is True
    assert [call["name"] for call in answer["tool_calls"]] == ["calculate"]
    assert "84" in answer["content"]  # the tool ran on the worker: the front end has none
    worker.process.send_signal(signal.SIGTERM)
    assert await worker.wait() == 0
