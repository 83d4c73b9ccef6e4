"""The HTTP side of the viewer: the standard library's threading server, and one answer.

``HTTPServer`` hands each request (method, target, ``Host`` and token headers) to a
``Responder`` and writes the ``Response`` it gets, with the headers every answer carries.
It reads no request body (only ``GET`` and ``HEAD`` are answered, and a connection that
sent another method is closed), and a page that goes away mid-answer is not an error.
"""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

import orjson

logger = logging.getLogger("llmgine.viewer")

TOKEN_HEADER = "X-Llmgine-Token"
_SECURITY = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str
    headers: Mapping[str, str] = field(default_factory=dict)


def json_response(status: int, value: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        status,
        orjson.dumps(value),
        "application/json",
        {"Cache-Control": "no-store", **(headers or {})},
    )


class Responder(Protocol):
    def respond(self, method: str, target: str, host: str, token: str) -> Response: ...


class HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], viewer: Responder) -> None:
        self.viewer = viewer
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            return  # a page closed or reloaded while it was being answered
        logger.exception("the viewer failed on a request from %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    server: HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "llmgine-viewer"

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def do_PATCH(self) -> None:
        self._answer()

    def do_OPTIONS(self) -> None:
        self._answer()

    def _answer(self) -> None:
        if self.command not in ("GET", "HEAD"):
            self.close_connection = True  # its body, if any, is not read
        try:
            response = self.server.viewer.respond(
                self.command,
                self.path,
                self.headers.get("Host", ""),
                self.headers.get(TOKEN_HEADER, ""),
            )
        except Exception:
            logger.exception("the viewer failed to answer %s %s", self.command, self.path)
            response = json_response(500, {"error": "the viewer failed: its output says why"})
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in {**_SECURITY, **response.headers}.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the page went away

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)
