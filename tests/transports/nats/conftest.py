"""Fixtures of the NATS tests: namespaces, servers of their own, worker processes.

Every server and process a test starts is killed at its teardown; every wait is on a
condition (a line from a process, a result, an event) with a timeout, never a sleep.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from nats.js import JetStreamContext

from llmgine.messages import new_id
from llmgine.transports.nats import NatsAuth, NatsCluster, NatsOptions, NatsServer, NatsTransport
from llmgine.transports.nats._connect import connect
from tests.conftest import nats_data_dir

ROOT = Path(__file__).resolve().parents[3]


def fresh_namespace() -> str:
    return "t" + new_id().replace("-", "")[-20:]


@pytest.fixture
def namespace() -> str:
    """A namespace of the test's own on whichever server it uses."""
    return fresh_namespace()


def transport(url: str | list[str], namespace: str, **options: Any) -> NatsTransport:
    """A transport to ``url`` in ``namespace``, quick to notice a server gone by default."""
    options.setdefault("ping_interval", 1.0)
    return NatsTransport(url, options=NatsOptions(namespace=namespace, **options))


@pytest.fixture
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A server for this test alone (one it may kill, pause and restart)."""
    folder = nats_data_dir(tmp_path_factory, "own-server")
    server = NatsServer(folder)
    try:
        yield server.start()
    finally:
        server.kill()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsCluster]:
    folder = nats_data_dir(tmp_path_factory, "cluster")
    servers = NatsCluster(folder)
    try:
        yield servers.start()
    finally:
        for server in servers:
            server.kill()
        shutil.rmtree(folder, ignore_errors=True)


@asynccontextmanager
async def jetstream(url: str | list[str]) -> AsyncIterator[JetStreamContext]:
    """A connection of its own, for looking at what the server holds."""
    urls = [url] if isinstance(url, str) else url
    client = await connect(urls, NatsAuth(), name="test", timeout=10, ping_interval=1)
    try:
        yield client.jetstream()
    finally:
        await client.close()


class LogWatch(logging.Handler):
    """Waits for a record of the transport's logger that contains a text."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []
        self._new = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        self._new.set()

    async def seen(self, text: str, timeout: float = 10) -> str:
        async with asyncio.timeout(timeout):
            while not (found := [m for m in self.messages if text in m]):
                self._new.clear()
                await self._new.wait()
        return found[0]


@pytest.fixture
def log() -> Iterator[LogWatch]:
    watch = LogWatch()
    logger = logging.getLogger("llmgine.transports.nats")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(watch)
    try:
        yield watch
    finally:
        logger.removeHandler(watch)
        logger.setLevel(level)


class Worker:
    """A worker process (``tests.transports.nats._worker``) and the lines it printed."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.pid = process.pid
        self.lines: list[str] = []
        self._new_line = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            self.lines.append(raw.decode().strip())
            self._new_line.set()
        self._new_line.set()

    async def expect(self, prefix: str, *, count: int = 1, timeout: float = 20) -> list[str]:
        """Wait until ``count`` lines starting with ``prefix`` were printed."""
        async with asyncio.timeout(timeout):
            while len(found := [ln for ln in self.lines if ln.startswith(prefix)]) < count:
                if self.process.returncode is not None and self._reader.done():
                    raise AssertionError(f"worker {self.pid} ended: {self.lines}")
                self._new_line.clear()
                await self._new_line.wait()
        return found

    def printed(self, prefix: str) -> bool:
        return any(line.startswith(prefix) for line in self.lines)

    def kill(self) -> None:
        """``kill -9``."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)

    async def wait(self, timeout: float = 20) -> int:
        async with asyncio.timeout(timeout):
            code = await self.process.wait()
            await self._reader
        return code


class Workers:
    """Starts worker processes and kills every one of them at the end of the test."""

    def __init__(self) -> None:
        self.started: list[Worker] = []

    async def program(self, *argv: str, env: dict[str, str] | None = None) -> Worker:
        """``python -m argv...`` in the repository, stdout and stderr as its lines."""
        from tests.programs._chat import chat_env

        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", *argv, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=chat_env(PYTHONUNBUFFERED="1", **(env or {})),
        )  # fmt: skip
        program = Worker(process)
        self.started.append(program)
        return program

    async def start(
        self, url: str, namespace: str, scenario: str, *, ready: bool = True, **extra: Any
    ) -> Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.transports.nats._worker", url, namespace, scenario,
            json.dumps(extra), cwd=ROOT, stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        worker = Worker(process)
        self.started.append(worker)
        if ready:
            await worker.expect("ready")
        return worker

    async def close(self) -> None:
        for worker in self.started:
            worker.kill()
        for worker in self.started:
            await worker.wait()


@pytest.fixture
async def workers() -> AsyncIterator[Workers]:
    pool = Workers()
    try:
        yield pool
    finally:
        await pool.close()
