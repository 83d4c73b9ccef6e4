"""Test 11: a bus refuses to start (or warns loudly, if told to) on a server that
acknowledges writes before they are on disk; the servers llmgine starts sync every write."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator

import pytest

from llmgine.bus import MessageBus, TransportError
from llmgine.transports.nats import NatsServer, check_sync
from llmgine.transports.nats._sync import sync_report
from tests.conftest import nats_data_dir
from tests.transports.nats._messages import Work
from tests.transports.nats.conftest import transport


@pytest.fixture
def lax_server(
    tmp_path_factory: pytest.TempPathFactory, caplog: pytest.LogCaptureFixture
) -> Iterator[NatsServer]:
    """A server with JetStream's default: writes synced every two minutes."""
    folder = nats_data_dir(tmp_path_factory, "lax-server")
    server = NatsServer(folder, sync_always=False)
    try:
        with caplog.at_level(logging.WARNING, "llmgine.transports.nats"):
            server.start()
        # The launcher, asked for such a server on purpose, says so loudly.
        assert "DOES NOT SYNC EVERY WRITE" in caplog.text
        caplog.clear()
        yield server
    finally:
        server.kill()
        shutil.rmtree(folder, ignore_errors=True)


async def test_11_a_bus_refuses_a_server_that_does_not_sync_every_write(
    lax_server: NatsServer, namespace: str
) -> None:
    report = await check_sync(lax_server.monitor_url)
    assert not report.sync_always
    assert report.sync_interval_ns == 120 * 10**9  # JetStream's default, two minutes
    bus = MessageBus(transport=transport(lax_server.url, namespace,
                                         monitor_url=lax_server.monitor_url))  # fmt: skip
    with pytest.raises(TransportError) as raised:
        await bus.start()
    message = str(raised.value)
    assert "refusing to run the bus on this NATS server" in message
    assert "syncs them every 120 s" in message
    assert "sync_interval: always" in message  # what to do about it
    await bus.stop()


async def test_11_told_to_warn_it_starts_and_says_so_loudly(
    lax_server: NatsServer, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    carrier = transport(
        lax_server.url, namespace, monitor_url=lax_server.monitor_url, sync_check="warn"
    )
    with caplog.at_level(logging.WARNING, "llmgine.transports.nats"):
        async with MessageBus(transport=carrier) as bus:
            bus.register_command_handler(Work, lambda command: {"n": command.n})
            await carrier.ready()
            result = await bus.execute(Work(n=3))
    assert result.result == {"n": 3}
    [warning] = [r for r in caplog.records if "DOES NOT SYNC" in r.getMessage()]
    assert warning.levelno == logging.WARNING
    assert "acknowledged messages can be lost" in warning.getMessage()


async def test_11_a_server_that_syncs_every_write_passes_the_check_quietly(
    nats_server: NatsServer, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    report = await check_sync(nats_server.monitor_url)
    assert report.sync_always
    carrier = transport(nats_server.url, namespace, monitor_url=nats_server.monitor_url)
    with caplog.at_level(logging.INFO, "llmgine.transports.nats"):
        async with MessageBus(transport=carrier):
            pass
    assert "sync" not in caplog.text.lower()


async def test_11_a_monitoring_endpoint_that_cannot_be_read_stops_the_start(
    nats_server: NatsServer, namespace: str
) -> None:
    wrong = f"http://127.0.0.1:{nats_server.port}"  # the client port speaks no HTTP
    bus = MessageBus(transport=transport(nats_server.url, namespace, monitor_url=wrong))
    with pytest.raises(TransportError, match="could not check the server at"):
        await bus.start()
    await bus.stop()


def test_the_report_reads_varz_and_refuses_a_server_without_jetstream() -> None:
    always = {"jetstream": {"config": {"sync_always": True, "sync_interval": 0}}}
    assert sync_report(always, "m").sync_always
    lax = sync_report({"jetstream": {"config": {"sync_interval": 5 * 10**9}}}, "m")
    assert (lax.sync_always, lax.sync_interval_ns) == (False, 5 * 10**9)
    assert "every 5 s" in lax.describe()
    with pytest.raises(ValueError, match="no JetStream configuration"):
        sync_report({"jetstream": {}}, "http://x:8222")
