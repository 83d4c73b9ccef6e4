"""Runs for the viewer's tests: real chats written to real logs, and a server over them."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import orjson

from llmgine.bus import MessageBus
from llmgine.context import ContextManager
from llmgine.engine import PromptCommand, ToolChatEngine
from llmgine.testing import ScriptedProvider, text, tool_call
from llmgine.viewer import ViewerServer

MODEL = "openai:gpt-4o-mini"


def get_weather(city: str) -> str:
    """The current weather in a city.

    Args:
        city: the city's name.
    """
    return f"Sunny and 21 C in {city}"


async def write_chat(
    folder: Path,
    *,
    system: str = "Be brief.",
    city: str = "Paris",
    prompts: Sequence[str] = ("What is the weather in Paris?", "Thanks!"),
    session: str = "ada",
) -> Path:
    """A chat through the real engine and bus, written to a new log in ``folder``: the
    first prompt calls ``get_weather(city)``, every later one is answered in one reply."""
    steps: list[Any] = [tool_call("get_weather", {"city": city}), text(f"It is sunny in {city}.")]
    steps += [text(f"Answer {n}.") for n in range(2, len(prompts) + 1)]
    model = ScriptedProvider(steps, model=MODEL)
    async with MessageBus(log_dir=folder) as bus:
        context = ContextManager(system_prompt=system)
        async with ToolChatEngine(bus, model=model, tools=[get_weather], context=context):
            for prompt in prompts:
                result = await bus.execute(PromptCommand(prompt=prompt, session_id=session))
                assert result.success, result.error
    assert bus.log_path is not None
    return Path(bus.log_path)


@contextmanager
def serving(folder: Path, **options: Any) -> Iterator[ViewerServer]:
    """A viewer over ``folder`` on a free loopback port, closed at the end."""
    server = ViewerServer(folder, **options)
    with server:
        yield server


def fetch(
    server: ViewerServer,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> tuple[int, dict[str, str], bytes]:
    """One request to the server: its status, headers and body (errors included)."""
    request = Request(f"http://127.0.0.1:{server.port}{path}", method=method)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except HTTPError as error:
        return error.code, dict(error.headers), error.read()


def api(server: ViewerServer, path: str, **headers: str) -> Any:
    """The JSON of a ``/api/`` request that must succeed."""
    status, _, body = fetch(server, f"/api/{path}", headers=headers)
    assert status == 200, body
    return orjson.loads(body)


def in_thread(target: Any) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread
