"""``FakeLLMServer``: a real HTTP server on 127.0.0.1 that plays the part of OpenAI and Anthropic.

It listens on a free port in a thread of its own, so it serves equally well a test in the
same event loop, a synchronous test, or a program started as a subprocess. Each request to
``/v1/chat/completions`` (OpenAI, and Ollama's compatible endpoint) or ``/v1/messages``
(Anthropic) takes the next step of the script, or asks the ``responder`` function when the
script is empty, and answers in that API's format, as JSON or as a stream. Every request is
recorded for assertions. ``GET /api/tags`` answers like Ollama, for auto-detection.

A script that is not used up, or a request that finds no step left, fails the test when
the server stops (``strict=False`` turns that off).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from llmgine.llm._tokens import estimate_tokens
from llmgine.messages import DecodeError, loads
from llmgine.testing import _wire as wire
from llmgine.testing._script import CUT_REPLY, SLOW_REPLY, Fault, Reply, Step

Responder = Callable[["RecordedRequest"], Step]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received. ``time`` is ``time.monotonic()`` at arrival."""

    number: int
    api: str
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    time: float
    raw: bytes = b""
    """The body exactly as received, for comparing requests byte for byte."""

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def tools(self) -> list[dict[str, Any]]:
        return list(self.body.get("tools", []))

    @property
    def api_key(self) -> str | None:
        """The key the client sent (``Authorization: Bearer`` or ``x-api-key``)."""
        bearer = self.headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            return bearer[7:]
        return self.headers.get("x-api-key")


@dataclass
class _State:
    script: deque[Step]
    responder: Responder | None
    requests: list[RecordedRequest] = field(default_factory=list)
    overruns: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    ollama_models: tuple[str, ...] = ("llama3.2",)


class _HTTPServer(ThreadingHTTPServer):
    # Many clients connect at once in load tests; the default backlog of 5 resets them.
    request_queue_size = 1024
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (a cancelled call, a closed pool) is not the server's
        # error; anything else is printed, as the standard server does.
        if not isinstance(sys.exception(), ConnectionError):
            super().handle_error(request, client_address)


class FakeLLMServer:
    """A scripted OpenAI- and Anthropic-compatible server on loopback.

    ``async with FakeLLMServer([text("hi")]) as server:`` then point a client at
    ``server.openai_base_url`` or ``server.anthropic_base_url``. ``with`` works too.
    """

    def __init__(
        self,
        script: Iterable[Step] = (),
        *,
        responder: Responder | None = None,
        strict: bool = True,
        ollama_models: Iterable[str] = ("llama3.2",),
    ) -> None:
        self._state = _State(deque(script), responder, ollama_models=tuple(ollama_models))
        self.strict = strict
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeLLMServer:
        if self._httpd is not None:
            raise RuntimeError("FakeLLMServer is already running")
        self._state.stopping.clear()
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.state = self._state  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"FakeLLMServer:{self.port}",
        )
        self._thread.start()
        return self

    def stop(self, *, check: bool = True) -> None:
        """Stop serving; with ``check`` (and ``strict``), fail on an unused or overrun script."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._state.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if check and self.strict:
            self.assert_consumed()

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop(check=exc_type is None)

    async def __aenter__(self) -> FakeLLMServer:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop, check=exc_type is None)

    # -- addresses ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeLLMServer is not running: use it with 'async with'")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """For ``openai.AsyncOpenAI(base_url=...)`` and ``OPENAI_BASE_URL``."""
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        """For ``anthropic.AsyncAnthropic(base_url=...)`` and ``ANTHROPIC_BASE_URL``."""
        return self.url

    # -- script and records ---------------------------------------------------------------

    def add(self, *steps: Step) -> None:
        """Append steps to the script."""
        with self._state.lock:
            self._state.script.extend(steps)

    @property
    def remaining(self) -> list[Step]:
        with self._state.lock:
            return list(self._state.script)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every model request received so far, in order of arrival."""
        with self._state.lock:
            return list(self._state.requests)

    def assert_consumed(self) -> None:
        """Raise ``AssertionError`` if steps are left or requests found none."""
        with self._state.lock:
            left, overruns = list(self._state.script), list(self._state.overruns)
        problems = []
        if left:
            problems.append(f"{len(left)} scripted step(s) never requested: {left!r}")
        if overruns:
            numbers = ", ".join(f"#{r.number} ({r.api})" for r in overruns)
            problems.append(f"request(s) {numbers} arrived after the script ran out")
        if problems:
            raise AssertionError("FakeLLMServer: " + "; ".join(problems))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # small SSE frames must leave at once
    server_version = "FakeLLMServer/1"

    @property
    def state(self) -> _State:
        return self.server.state  # type: ignore[attr-defined,no-any-return]

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read ``requests`` instead of an access log."""

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/api/tags":
            models = [{"name": m, "model": m} for m in self.state.ollama_models]
            self._json(200, {"models": models})
        elif self.path.rstrip("/") == "/v1/models":
            data = [
                {"id": m, "object": "model", "owned_by": "fake"} for m in self.state.ollama_models
            ]
            self._json(200, {"object": "list", "data": data})
        else:
            self._json(404, {"error": {"message": f"no route for GET {self.path}"}})

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        api = {
            "/v1/chat/completions": "openai",
            "/chat/completions": "openai",
            "/v1/messages": "anthropic",
        }.get(path)
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        if api is None:
            self._json(404, {"error": {"message": f"no route for POST {self.path}"}})
            return
        try:
            body = loads(raw) if raw else {}  # integers exact, as the client sent them
        except DecodeError:
            self._json(400, {"error": {"message": "the request body is not JSON"}})
            return
        request, step = self._take_step(api, path, body, raw)
        if step is None:
            message = (
                f"FakeLLMServer: no reply left in the script for request #{request.number}; "
                "add steps or a responder"
            )
            self._json(400, {"error": {"message": message, "type": "invalid_request_error"}})
            return
        self._answer(request, step)

    def _take_step(
        self, api: str, path: str, body: dict[str, Any], raw: bytes
    ) -> tuple[RecordedRequest, Step | None]:
        state = self.state
        with state.lock:
            request = RecordedRequest(
                number=len(state.requests) + 1,
                api=api,
                method="POST",
                path=path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                time=time.monotonic(),
                raw=raw,
            )
            state.requests.append(request)
            step = state.script.popleft() if state.script else None
        if step is None and state.responder is not None:
            step = state.responder(request)
        if step is None:
            with state.lock:
                state.overruns.append(request)
        return request, step

    def _answer(self, request: RecordedRequest, step: Step) -> None:
        tokens = estimate_tokens(wire.dumps(request.body.get("messages", [])).decode())
        if isinstance(step, Fault):
            self._fault(request, step, tokens)
            return
        if request.stream:
            self._stream(self._frames(request, step, tokens))
        elif request.api == "openai":
            self._json(200, wire.openai_body(step, request.model, tokens))
        else:
            self._json(200, wire.anthropic_body(step, request.model, tokens))

    def _frames(self, request: RecordedRequest, reply: Reply, tokens: int) -> Iterator[bytes]:
        if request.api == "openai":
            options = request.body.get("stream_options") or {}
            return wire.openai_chunks(
                reply, request.model, tokens, bool(options.get("include_usage"))
            )
        return wire.anthropic_events(reply, request.model, tokens)

    def _fault(self, request: RecordedRequest, fault: Fault, tokens: int) -> None:
        if fault.kind == "hang":
            self.state.stopping.wait(fault.seconds)
            self._drop()
        elif fault.kind == "dribble":
            self._dribble(request, fault.reply or SLOW_REPLY, fault.seconds or 0.5, tokens)
        elif fault.kind == "malformed_json":
            if request.stream:
                event = "message_start" if request.api == "anthropic" else None
                self._stream(iter([wire.sse(b"{this is not json", event)]))
            else:
                self._raw(200, b'{"id": "broken", "choices": [', "application/json")
        elif fault.kind == "cut_stream":
            reply = fault.reply or CUT_REPLY
            if request.stream:
                self._stream(self._frames(request, reply, tokens), cut_after=fault.after_chunks)
            else:
                body = wire.dumps(wire.openai_body(reply, request.model, tokens))
                self._raw(200, body, "application/json", cut=True)
        else:
            error = (
                wire.openai_error(fault) if request.api == "openai" else wire.anthropic_error(fault)
            )
            headers = {}
            if fault.retry_after is not None:
                headers["retry-after"] = f"{fault.retry_after:g}"
            self._json(fault.status, error, headers)

    # -- writing ------------------------------------------------------------------------

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._raw(status, wire.dumps(body), "application/json", headers=headers)

    def _raw(
        self,
        status: int,
        body: bytes,
        content_type: str,
        *,
        cut: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.send_header("x-request-id", f"req_fake_{id(body):x}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if cut:
            self.wfile.write(body[: len(body) // 2])
            self._drop()
        else:
            self.wfile.write(body)

    def _stream(self, frames: Iterator[bytes], cut_after: int | None = None) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for sent, frame in enumerate(frames):
            if cut_after is not None and sent >= cut_after:
                self._drop()
                return
            self.wfile.write(b"%X\r\n%s\r\n" % (len(frame), frame))
        self.wfile.write(b"0\r\n\r\n")

    def _dribble(self, request: RecordedRequest, reply: Reply, every: float, tokens: int) -> None:
        """Send ``reply`` a piece at a time, one every ``every`` seconds, until it is all
        sent, the client hangs up, or the server stops."""
        if request.stream:
            self._stream(self._paced(self._frames(request, reply, tokens), every))
            return
        build = wire.openai_body if request.api == "openai" else wire.anthropic_body
        body = wire.dumps(build(reply, request.model, tokens))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        for byte in self._paced((body[i : i + 1] for i in range(len(body))), every):
            self.wfile.write(byte)
            self.wfile.flush()

    def _paced(self, pieces: Iterator[bytes], every: float) -> Iterator[bytes]:
        for piece in pieces:
            yield piece
            if self.state.stopping.wait(every):
                return

    def _drop(self) -> None:
        """Close the connection without finishing the response."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
