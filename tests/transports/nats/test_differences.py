"""Where the bus over NATS differs from the bus in one process, as docs/distributed.md says
(each row of its table that says "differs" has its test here or in the files it names)."""

from __future__ import annotations

import asyncio
from typing import Any

from llmgine.bus import CommandNext, MessageBus
from llmgine.messages import Command, CommandResult
from llmgine.transports.nats import NatsServer
from tests.transports.nats._messages import Work
from tests.transports.nats.conftest import transport


async def test_1_a_command_whose_workers_are_all_away_waits_for_one_until_its_timeout(
    nats_server: NatsServer, namespace: str
) -> None:
    url = nats_server.url
    async with MessageBus(transport=transport(url, namespace)) as front:
        carrier = transport(url, namespace)
        async with MessageBus(transport=carrier) as worker:
            worker.register_command_handler(Work, lambda command: {"n": command.n})
            await carrier.ready()
        # Work was served: its command waits in the stream for a worker, rather than failing.
        waited = await front.execute(Work(n=1), timeout=1)
        assert waited.failure is not None
        assert waited.failure.kind == "timeout"
        # A type no worker ever served fails at once, naming it, as in process.
        never = await front.execute(Unserved(), timeout=5)
    assert never.failure is not None
    assert never.failure.kind == "no_handler"
    assert "Unserved" in (never.error or "")


class Unserved(Command[int]):
    pass


async def test_3_a_slow_command_holds_back_the_sessions_of_its_partition_only(
    nats_server: NatsServer, namespace: str
) -> None:
    release = asyncio.Event()
    started: list[str] = []

    async def work(command: Work) -> dict[str, int]:
        started.append(command.session_id)
        if command.session_id == "slow":
            await release.wait()
        return {"n": command.n}

    url = nats_server.url
    worker_carrier = transport(url, namespace, partitions=1)  # every session shares it
    async with (
        MessageBus(transport=worker_carrier) as worker,
        MessageBus(transport=transport(url, namespace, partitions=1)) as front,
    ):
        worker.register_command_handler(Work, work)
        await worker_carrier.ready()
        slow = asyncio.create_task(front.execute(Work(n=1, session_id="slow")))
        behind = asyncio.create_task(front.execute(Work(n=2, session_id="other")))
        done, _ = await asyncio.wait({behind}, timeout=1.5)
        assert not done  # queued behind the slow one in their one partition
        assert started == ["slow"]
        release.set()
        results = await asyncio.gather(slow, behind)
    assert [r.success for r in results] == [True, True]
    assert started == ["slow", "other"]


async def test_9_command_middleware_runs_where_the_handler_runs(
    nats_server: NatsServer, namespace: str
) -> None:
    seen: dict[str, list[str]] = {"front": [], "worker": []}

    def watching(where: str) -> Any:
        async def middleware(command: Command[Any], call_next: CommandNext) -> CommandResult[Any]:
            seen[where].append(type(command).__name__)
            return await call_next(command)

        return middleware

    url = nats_server.url
    worker_carrier = transport(url, namespace)
    async with (
        MessageBus(transport=worker_carrier) as worker,
        MessageBus(transport=transport(url, namespace)) as front,
    ):
        worker.register_command_handler(Work, lambda command: {"n": command.n})
        worker.add_command_middleware(watching("worker"))
        front.add_command_middleware(watching("front"))
        await worker_carrier.ready()
        result = await front.execute(Work(n=3))
    assert result.result == {"n": 3}
    assert seen == {"front": [], "worker": ["Work"]}
