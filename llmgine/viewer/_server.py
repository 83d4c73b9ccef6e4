"""The viewer's HTTP server: the standard library's, read-only, loopback unless told.

Why the standard library (``http.server.ThreadingHTTPServer``): the viewer answers one
person's page, a few requests at a time, from files on this machine; a thread per request
is plenty, and it costs no dependency, no extra to install, and no framework to keep up
with. A waiting tail request holds a thread (daemon threads, ended with the server).

What it allows:

- ``GET`` and ``HEAD`` only; every other method is ``405``. No request writes anything:
  the server opens logs for reading and has no endpoint that changes state.
- On a loopback address (the default, ``127.0.0.1``) a request must name a loopback host
  in its ``Host`` header (a web page elsewhere cannot reach it through a DNS name that
  resolves here). On any other address the server needs a token, and every ``/api/``
  request must carry it in ``X-Llmgine-Token``; the page takes it from the address it was
  opened with (``#token=...``, which browsers never send to a server).
- Pages may load only what this server serves (``Content-Security-Policy``); API answers
  are never cached, and anything shaped like an API key, or equal to a key in this
  process's environment, is masked in them.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import socket
import threading
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl, unquote, urlsplit

import orjson

from llmgine.config import redact
from llmgine.viewer._api import Api
from llmgine.viewer._figures import Prices
from llmgine.viewer._folder import LogFolder
from llmgine.viewer._http import HTTPServer, Response, json_response

logger = logging.getLogger("llmgine.viewer")

_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_PAGES = ("/", "/run/", "/search", "/diff")
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
_SECRET_NAMES = ("_API_KEY", "_AUTH_TOKEN", "_BOT_TOKEN", "_SECRET", "_PASSWORD")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is an address (or the name) of this machine's loopback."""
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def environment_secrets(environ: Mapping[str, str] = os.environ) -> tuple[str, ...]:
    """The values of this process's key-like variables, masked wherever they appear."""
    return tuple(
        value
        for name, value in environ.items()
        if name.upper().endswith(_SECRET_NAMES) and len(value) >= 8
    )


class ViewerServer:
    """Serves the viewer page and its API over one logs folder.

    ``token`` is required for an address that is not loopback (``llmgine logs serve``
    makes one); ``port=0`` takes any free port (``url`` then says which).
    ``freeze_indexes``: move each run read out of the garbage collector's way
    (``gc.freeze``), for a process that does nothing but serve the viewer.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        prices: Prices | None = None,
        freeze_indexes: bool = False,
    ) -> None:
        if token is None and not is_loopback(host):
            raise ValueError(
                f"listening on {host!r}, which is not a loopback address, needs a token "
                "that every request must carry"
            )
        self.folder = LogFolder(Path(log_dir), prices, freeze_indexes=freeze_indexes)
        self.host = host
        self.token = token
        self.stopping = threading.Event()
        self.api = Api(self.folder, self.stopping)
        self._static = _static_files()
        self._secrets = environment_secrets()
        self._server = HTTPServer((host, port), self)
        self._thread: threading.Thread | None = None
        self._serving = False

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Where to open the page (with ``#token=`` when there is one)."""
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = socket.gethostname()
        elif ":" in host:
            host = f"[{host}]"
        fragment = f"#token={self.token}" if self.token else ""
        return f"http://{host}:{self.port}/{fragment}"

    def start(self) -> ViewerServer:
        """Serve on a thread of its own until ``close()``."""
        self._serving = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="llmgine-viewer", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve on this thread until ``close()`` (from another) or an interrupt."""
        self._serving = True
        self._server.serve_forever(poll_interval=0.25)

    def close(self) -> None:
        self.stopping.set()
        if self._serving:
            self._serving = False
            self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ViewerServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- answering ------------------------------------------------------------------------

    def respond(self, method: str, target: str, host: str = "", token: str = "") -> Response:
        """The answer to one request: its method, target (path and query), ``Host`` header
        and token header (no I/O here but reading logs)."""
        if method not in ("GET", "HEAD"):
            return json_response(
                405, {"error": "the viewer only reads: use GET"}, {"Allow": "GET, HEAD"}
            )
        if self.token is None and not _host_allowed(host, self.host):
            return json_response(403, {"error": "open the viewer at 127.0.0.1 or localhost"})
        split = urlsplit(target)
        path = split.path
        if path.startswith("/api/"):
            if self.token is not None and not hmac.compare_digest(
                token.encode(), self.token.encode()
            ):
                return json_response(
                    401,
                    {
                        "error": "this viewer needs its token: open the address that "
                        "'llmgine logs serve' printed (it ends with #token=...)"
                    },
                )
            params = dict(parse_qsl(split.query, keep_blank_values=True))
            status, value = self.api.handle(path, params)
            body = redact(orjson.dumps(value).decode(), *self._secrets).encode()
            return Response(status, body, "application/json", {"Cache-Control": "no-store"})
        if path.startswith("/static/"):
            found = self._static.get(path.removeprefix("/static/"))
            if found is None:
                return json_response(404, {"error": f"no file {path!r}"})
            return Response(200, found[0], found[1], {"Cache-Control": "no-cache"})
        if path == "/" or any(path.startswith(p) for p in _PAGES[1:]):
            if path.startswith("/run/"):
                self._warm(unquote(path.removeprefix("/run/")))
            page, kind = self._static["index.html"]
            return Response(200, page, kind, {"Cache-Control": "no-cache"})
        return json_response(404, {"error": f"no page {path!r}"})

    def _warm(self, name: str) -> None:
        """Start reading a run whose page was asked for: its tree is being built while the
        browser loads the page's scripts, which then ask for it."""

        def read() -> None:
            try:
                self.folder.run(name).tree()
            except Exception:  # the page's own request will say what is wrong
                logger.debug("could not read %r ahead of its page", name, exc_info=True)

        threading.Thread(target=read, name="llmgine-viewer-warm", daemon=True).start()


def _host_allowed(header: str, bound: str) -> bool:
    if header.startswith("["):
        name = header[1:].partition("]")[0]
    else:
        name = header.rpartition(":")[0] if header.count(":") == 1 else header
    name = name.casefold()
    return name in _LOOPBACK_NAMES or name == bound.casefold().strip("[]")


def _static_files() -> dict[str, tuple[bytes, str]]:
    folder = resources.files("llmgine.viewer") / "static"
    found = {}
    for entry in folder.iterdir():
        suffix = os.path.splitext(entry.name)[1]
        if entry.is_file() and suffix in _TYPES:
            found[entry.name] = (entry.read_bytes(), _TYPES[suffix])
    return found
