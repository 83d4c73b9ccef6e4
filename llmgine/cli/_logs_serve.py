"""``llmgine logs serve``: the viewer, a local web page over the log folder.

    llmgine logs serve [LOG_DIR] [--port N] [--host H]

It listens on 127.0.0.1 unless ``--host`` names another address; then it makes a token,
prints it, and answers only requests that carry it. It runs until Ctrl-C (exit status 0).
The message classes of the library are imported first, so that the details of a message
written by reference can be read back whole.
"""

from __future__ import annotations

import argparse
import importlib
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from llmgine.cli._logs_common import LogsError, log_dir

if TYPE_CHECKING:
    from llmgine.cli._logs_view import Output

DEFAULT_PORT = 8484
_MESSAGE_MODULES = (
    "llmgine.engine",
    "llmgine.tools",
    "llmgine.context",
    "llmgine.hooks",
    "llmgine.workflows",
    "llmgine.gmn",
    "llmgine.sinks",
)


def configure(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve`` to the ``logs`` actions."""
    serve = actions.add_parser(
        "serve",
        help="a local web page over the logs: runs, their trees, search, live tail, diff",
        description="Serve a web page over the log folder: runs and sessions with their "
        "models, tokens and cost; a run as a tree; search; a live tail; two runs compared. "
        "It only reads.",
    )
    serve.add_argument(
        "log_dir",
        nargs="?",
        type=Path,
        metavar="LOG_DIR",
        help="the log folder (default: the log_dir setting, 'logs' unless LLMGINE_LOG_DIR "
        "says otherwise)",
    )
    serve.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        metavar="N",
        help=f"the port (default {DEFAULT_PORT}; 0: any free port)",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="H",
        help="the address to listen on (default 127.0.0.1, this machine only); another "
        "address needs the token printed at start",
    )
    serve.set_defaults(_logs=_serve, dir=None)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, got {value}")
    return value


def token_for(host: str) -> str | None:
    """``None`` on a loopback address; otherwise a new token every request must carry."""
    from llmgine.viewer import is_loopback

    return None if is_loopback(host) else secrets.token_urlsafe(24)


def start_lines(folder: Path, url: str, host: str, token: str | None) -> list[str]:
    """What the command prints once it listens."""
    lines = [f"llmgine logs serve: the logs in {str(folder)!r} at {url}"]
    if token is not None:
        lines += [
            f"listening on {host}, which other machines may reach: every request needs the "
            "token, which the address above carries",
            f"token: {token}",
        ]
    lines.append("it only reads the logs; Ctrl-C stops it")
    return lines


def serve(folder: Path, host: str, port: int) -> int:
    """Serve ``folder`` until Ctrl-C; raises ``LogsError`` for a folder or port it cannot
    use."""
    from llmgine.viewer import ViewerServer

    if not folder.is_dir():
        raise LogsError(
            f"no log folder {str(folder)!r}: name one (llmgine logs serve LOG_DIR), or run "
            "an app first: a bus writes its logs to its log_dir"
        )
    for module in _MESSAGE_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:  # an optional part: its messages show as written
            continue
    token = token_for(host)
    try:
        server = ViewerServer(folder, host=host, port=port, token=token, freeze_indexes=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise LogsError(
            f"cannot listen on {host}:{port} ({reason}): pass another --port "
            "(--port 0 takes any free one)"
        ) from exc
    for line in start_lines(folder, server.url, host, token):
        print(line, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        server.close()
    return 0


def _serve(args: argparse.Namespace, out: Output) -> int:
    folder = args.log_dir if args.log_dir is not None else log_dir(args)
    return serve(folder, args.host, args.port)
