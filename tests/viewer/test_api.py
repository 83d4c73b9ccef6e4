"""The viewer's HTTP API through a real server on loopback: what it answers, what it refuses.

No request may write anything, a page elsewhere may not read it (the Host check), another
address needs the token, and no API key ever leaves it.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from llmgine.bus import MessageBus
from llmgine.engine import PromptCommand, ToolChatEngine
from llmgine.testing import ScriptedProvider, text
from llmgine.viewer import ViewerServer
from llmgine.viewer._http import TOKEN_HEADER
from llmgine.viewer._server import environment_secrets
from tests.logs._logs import NEW_LOG, command, write_log
from tests.viewer._runs import MODEL, api, fetch, serving

NAME = "llmgine-20261202-010509-a1b2c3d4e5f6.jsonl"
STATIC = Path(__file__).resolve().parents[2] / "llmgine" / "viewer" / "static"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copyfile(NEW_LOG, logs / NAME)
    return logs


@pytest.fixture
def server(folder: Path) -> Any:
    with serving(folder) as running:
        yield running


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every file under ``folder``: size, modification time and content hash."""
    return {
        str(p.relative_to(folder)): (
            p.stat().st_size,
            p.stat().st_mtime_ns,
            hashlib.sha256(p.read_bytes()).hexdigest(),
        )
        for p in sorted(folder.rglob("*"))
    }


def test_it_listens_on_loopback_unless_told_and_another_address_needs_a_token(
    folder: Path,
) -> None:
    with serving(folder) as running:
        assert running.host == "127.0.0.1"
        assert running.url == f"http://127.0.0.1:{running.port}/"
    with pytest.raises(ValueError, match="needs a token"):
        ViewerServer(folder, host="0.0.0.0")


def test_the_runs_a_run_and_its_nodes(server: ViewerServer) -> None:
    (run,) = api(server, "runs")["runs"]
    assert run["name"] == NAME
    assert (run["messages"], run["sessions"], run["turns"], run["failures"]) == (102, 5, 5, 3)
    assert run["models"] == ["openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"]
    assert run["totals"]["calls"] == 8
    assert (run["totals"]["input_tokens"], run["totals"]["output_tokens"]) == (1115, 109)
    assert run["totals"]["cost_usd"] > 0
    one = api(server, f"runs/{NAME}")
    assert [s["title"] for s in one["session_nodes"]] == [
        "weather",
        "math",
        "haiku",
        "broken",
        "admin",
    ]
    turn = api(server, f"runs/{NAME}/nodes?parent=S0")["nodes"][0]
    llm = api(server, f"runs/{NAME}/nodes?parent={turn['id']}")["nodes"][0]
    details = api(server, f"runs/{NAME}/nodes/{llm['id']}")
    types = [r["type"] for r in details["records"]]
    assert types[0] == "CallLLMCommand"
    assert {"LLMCallCompletedEvent", "CommandResult"} <= set(types)
    messages = details["records"][0]["fields"]["request"]["messages"]
    assert messages[-1] == {"role": "user", "content": "What is the weather in Paris?"}


def test_no_request_writes_and_only_get_and_head_are_answered(
    server: ViewerServer, folder: Path
) -> None:
    before = snapshot(folder)
    paths = [
        "/",
        f"/run/{NAME}",
        "/static/app.js",
        "/api/runs",
        f"/api/runs/{NAME}",
        f"/api/runs/{NAME}/nodes?parent=S0",
        f"/api/runs/{NAME}/nodes/S0",
        f"/api/runs/{NAME}/path?line=3",
        f"/api/runs/{NAME}/tail?after=0",
        "/api/search?q=divide",
        f"/api/diff?a={NAME}&b={NAME}",
    ]
    for path in paths:
        assert fetch(server, path)[0] == 200, path
        status, headers, body = fetch(server, path, method="HEAD")
        assert (status, body) == (200, b""), path
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            status, headers, _ = fetch(server, path, method=method)
            assert (status, headers["Allow"]) == (405, "GET, HEAD"), (method, path)
    assert snapshot(folder) == before


def test_a_page_elsewhere_cannot_read_it_through_another_host_name(server: ViewerServer) -> None:
    for path in ("/api/runs", "/"):
        status, _, body = fetch(server, path, headers={"Host": f"evil.example:{server.port}"})
        assert status == 403
        assert b"open the viewer at 127.0.0.1 or localhost" in body
    for host in (f"localhost:{server.port}", f"127.0.0.1:{server.port}", "localhost"):
        assert fetch(server, "/api/runs", headers={"Host": host})[0] == 200


def test_with_a_token_every_api_request_must_carry_it(folder: Path) -> None:
    with serving(folder, token="s3cret-token-value") as running:
        assert running.url.endswith("/#token=s3cret-token-value")
        status, _, body = fetch(running, "/api/runs")
        assert status == 401
        assert b"needs its token" in body
        assert fetch(running, "/api/runs", headers={TOKEN_HEADER: "wrong"})[0] == 401
        good = {TOKEN_HEADER: "s3cret-token-value", "Host": "viewer.example:80"}
        assert fetch(running, "/api/runs", headers=good)[0] == 200
        assert fetch(running, "/")[0] == 200  # the page holds no data


def test_no_api_key_leaves_the_server(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = "placeholder-openai-key-0123456789"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    assert key in environment_secrets()
    write_log(
        folder / "leaky.jsonl",
        [command("PromptCommand", prompt=f"my keys: {key} and sk-proj-abcdefghijklmnop")],
    )
    with serving(folder) as running:
        bodies = [
            fetch(running, path)[2]
            for path in (
                "/api/search?q=keys",
                "/api/runs/leaky.jsonl/nodes?parent=S0",
                "/api/runs/leaky.jsonl/nodes/L1",
                "/api/runs/leaky.jsonl/tail?after=0",
            )
        ]
    for body in bodies:
        assert b"my keys" in body
        assert key.encode() not in body
        assert b"sk-proj" not in body


def test_errors_are_json_that_say_what_to_do(server: ViewerServer) -> None:
    cases = {
        "/api/runs/nope.jsonl": (404, "no log named 'nope.jsonl'"),
        "/api/runs/..%2F..%2Fetc%2Fpasswd/nodes": (404, "no log named"),
        f"/api/runs/{NAME}/nodes?parent=L99999": (404, "no node 'L99999'"),
        f"/api/runs/{NAME}/nodes?limit=x": (400, "limit must be a whole number"),
        "/api/search?q=kind:nonsense": (400, "use command, event or result"),
        "/api/search": (400, "type something to search for"),
        "/api/diff?a=x": (400, "name two runs"),
        f"/api/diff?a={NAME}&b={NAME}&sa=nobody": (404, "no session 'nobody'"),
        "/api/elsewhere": (404, "no such endpoint"),
        "/static/../pyproject.toml": (404, "no"),
        "/nowhere": (404, "no page"),
    }
    for path, (status, says) in cases.items():
        got, headers, body = fetch(server, path)
        assert got == status, path
        assert headers["Content-Type"] == "application/json"
        assert says in orjson.loads(body)["error"], path


def test_a_log_removed_while_it_is_open_is_a_404(server: ViewerServer, folder: Path) -> None:
    assert fetch(server, f"/api/runs/{NAME}/nodes?parent=S0")[0] == 200
    (folder / NAME).unlink()
    status, _, body = fetch(server, f"/api/runs/{NAME}/tail?after=0")
    assert status == 404
    assert b"is gone (removed or moved)" in body


def test_a_failure_inside_is_a_500_and_the_server_goes_on(
    server: ViewerServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(path: str, params: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(server.api, "handle", broken)
    status, _, body = fetch(server, "/api/runs")
    assert status == 500
    assert b"the viewer failed" in body
    assert "boom" in caplog.text
    monkeypatch.undo()
    assert fetch(server, "/api/runs")[0] == 200


def test_the_page_loads_only_what_this_server_serves(server: ViewerServer) -> None:
    status, headers, page = fetch(server, "/")
    assert status == 200
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    names = {p.name for p in STATIC.iterdir()}
    for file in STATIC.iterdir():
        text = file.read_text()
        assert not re.search(r"https?://", text.replace("http://www.w3.org/2000/svg", "")), file
        for imported in re.findall(r'from "\./([\w.]+)"', text):
            assert imported in names, (file.name, imported)
    for linked in re.findall(rb'(?:src|href)="/static/([\w.]+)"', page):
        assert fetch(server, f"/static/{linked.decode()}")[0] == 200


def test_a_line_written_to_the_log_is_answered_within_a_second(
    server: ViewerServer, folder: Path
) -> None:
    last = api(server, f"runs/{NAME}")["last_line"]
    answers: list[tuple[float, Any]] = []
    asked = threading.Event()

    def wait_for_it() -> None:
        asked.set()
        _status, _, body = fetch(server, f"/api/runs/{NAME}/tail?after={last}&wait=10")
        answers.append((time.monotonic(), orjson.loads(body)))

    thread = threading.Thread(target=wait_for_it)
    thread.start()
    assert asked.wait(5)
    line = orjson.dumps(command("PromptCommand", session="late", prompt="one more")) + b"\n"
    with (folder / NAME).open("ab") as file:
        written = time.monotonic()
        file.write(line)
    thread.join(timeout=10)
    assert not thread.is_alive()
    ((answered, answer),) = answers
    assert answered - written < 1.0
    ((record,),) = [answer["records"]]
    assert (record["type"], record["session"], record["line"]) == (
        "PromptCommand",
        "late",
        last + 1,
    )


async def test_a_running_app_is_followed(tmp_path: Path) -> None:
    """A bus writing its log while the viewer follows it: the next turn's messages come."""
    folder = tmp_path / "logs"
    folder.mkdir()
    model = ScriptedProvider([text("One."), text("Two.")], model=MODEL)
    with serving(folder) as running:
        async with MessageBus(log_dir=folder) as bus:
            async with ToolChatEngine(bus, model=model):
                await bus.execute(PromptCommand(prompt="first", session_id="ada"))
                assert bus.log_path is not None
                name = Path(bus.log_path).name
                last = 0
                for _ in range(20):  # until the first turn's answer is in the file
                    seen = await asyncio.to_thread(
                        api, running, f"runs/{name}/tail?after={last}&wait=5"
                    )
                    last = seen["last"]
                    if any(r["text"] == 'ok: "One."' for r in seen["records"]):
                        break
                waiting = asyncio.create_task(
                    asyncio.to_thread(api, running, f"runs/{name}/tail?after={last}&wait=10")
                )
                await bus.execute(PromptCommand(prompt="second", session_id="ada"))
                tail = await asyncio.wait_for(waiting, 15)
    first = tail["records"][0]
    assert (first["type"], first["session"], first["line"]) == ("PromptCommand", "ada", last + 1)
    assert first["text"] == '"second"'
