"""The permissions docs/distributed.md gives a front end and a worker: enough for an app, and
no more (a front end cannot read or take commands)."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest

from llmgine.bus import MessageBus
from llmgine.transports.nats import NatsAuth, NatsOptions, NatsServer, NatsTransport
from tests.conftest import nats_data_dir
from tests.docs._blocks import claim
from tests.transports.nats._messages import Work, Worked

DOC = Path(__file__).resolve().parents[3] / "docs" / "distributed.md"
PASSWORDS = {"FRONT_PASSWORD": "front-pw-81", "WORKER_PASSWORD": "worker-pw-52",
             "ADMIN_PASSWORD": "admin-pw-07"}  # fmt: skip


def documented_permissions() -> str:
    marker = "<!-- nats-permissions"
    text = DOC.read_text()
    after = text[text.index(marker) :]
    found = re.search(r"```\n(.*?)```", after, flags=re.DOTALL)
    assert found is not None
    return claim(DOC, [found.group(1)])[0]


PERMISSIONS = documented_permissions()  # claimed when the module is read


@pytest.fixture
def guarded_server(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[NatsServer]:
    for name, value in PASSWORDS.items():
        monkeypatch.setenv(name, value)  # the configuration reads them from the environment
    folder = nats_data_dir(tmp_path_factory, "guarded")
    server = NatsServer(folder, extra=PERMISSIONS)
    try:
        yield server.start()
    finally:
        server.kill()
        shutil.rmtree(folder, ignore_errors=True)


def as_user(server: NatsServer, user: str) -> NatsTransport:
    auth = NatsAuth(user=user, password=PASSWORDS[f"{user.upper()}_PASSWORD"])
    return NatsTransport(server.url, auth=auth, options=NatsOptions(namespace="app"))


async def test_a_front_end_and_a_worker_run_an_app_with_the_documented_permissions(
    guarded_server: NatsServer,
) -> None:
    async with MessageBus(transport=as_user(guarded_server, "admin")):
        pass  # the operator makes the streams and the bucket once

    heard: list[int] = []
    arrived = asyncio.Event()

    async def work(command: Work) -> dict[str, int]:
        await worker.publish(Worked(n=command.n))
        return {"n": command.n}

    def on_worked(event: Worked) -> None:
        heard.append(event.n)
        arrived.set()

    worker = MessageBus(transport=as_user(guarded_server, "worker"))
    worker.register_command_handler(Work, work)
    front = MessageBus(transport=as_user(guarded_server, "front"))
    front.register_event_handler(Worked, on_worked)
    async with worker, front:
        result = await asyncio.wait_for(front.execute(Work(n=3), timeout=10), 15)
        await asyncio.wait_for(arrived.wait(), 10)
    assert result.result == {"n": 3}, result.error
    assert heard == [3]


async def test_a_front_end_cannot_read_or_take_commands(guarded_server: NatsServer) -> None:
    async with MessageBus(transport=as_user(guarded_server, "admin")) as admin:
        admin.register_command_handler(Work, lambda command: {"n": command.n})
    refused: list[str] = []

    async def on_error(exc: Exception) -> None:
        refused.append(str(exc))

    client = await nats.connect(guarded_server.url, user="front", error_cb=on_error,
                                password=PASSWORDS["FRONT_PASSWORD"])  # fmt: skip
    try:
        await client.subscribe("app.cmd.>")
        await client.publish("$JS.API.CONSUMER.MSG.NEXT.app_commands.cmd-Work-n", b"{}")
        await client.flush()
        async with asyncio.timeout(5):
            while len(refused) < 2:  # noqa: ASYNC110  # the server says so asynchronously
                await asyncio.sleep(0.02)
    finally:
        await client.close()
    assert any('subscription to "app.cmd.>"' in r for r in refused), refused
    assert any("msg.next.app_commands" in r.lower() for r in refused), refused
