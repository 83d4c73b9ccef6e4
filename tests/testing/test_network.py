"""block_network and the no_network fixture: nothing leaves the machine, loopback still works.

Every address outside loopback used here is in TEST-NET-3 (203.0.113.0/24, never routed) or
a reserved name, so even a broken block could not reach a real host.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import httpx2
import pytest

from llmgine.testing._network import NetworkBlockedError, NetworkGuard, _patch, block_network

UNROUTED = "203.0.113.1"


@pytest.fixture
def real_connects(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Addresses that reached the connect underneath the block (none should, for outsiders)."""
    calls: list[Any] = []
    underneath = socket.socket.connect

    def spy(self: socket.socket, address: Any) -> None:
        calls.append(address)
        underneath(self, address)

    monkeypatch.setattr(socket.socket, "connect", spy)
    return calls


def test_a_connection_is_refused_before_the_real_connect(real_connects: list[Any]) -> None:
    with block_network() as guard, pytest.raises(NetworkBlockedError, match=r"203\.0\.113\.1:80"):
        socket.create_connection((UNROUTED, 80), timeout=5)
    assert real_connects == []
    assert guard.blocked == [f"{UNROUTED}:80"]


def test_connect_ex_is_refused_too() -> None:
    with block_network() as guard, socket.socket() as sock, pytest.raises(NetworkBlockedError):
        sock.connect_ex((UNROUTED, 443))
    assert guard.blocked == [f"{UNROUTED}:443"]


def test_the_error_is_an_os_error_that_says_what_to_do() -> None:
    with block_network(), pytest.raises(OSError, match="FakeLLMServer") as caught:
        socket.create_connection((UNROUTED, 80))
    assert isinstance(caught.value, NetworkBlockedError)


async def test_asyncio_connections_are_refused(real_connects: list[Any]) -> None:
    with block_network() as guard, pytest.raises(NetworkBlockedError):
        await asyncio.wait_for(asyncio.open_connection(UNROUTED, 80), timeout=5)
    assert real_connects == []
    assert guard.blocked == [f"{UNROUTED}:80"]


async def test_the_http_client_of_the_sdks_is_refused(real_connects: list[Any]) -> None:
    # httpx2 (over anyio) is what the openai SDK sends its requests with.
    with block_network() as guard:
        async with httpx2.AsyncClient(timeout=5) as client:
            with pytest.raises(httpx2.ConnectError):
                await client.get(f"http://{UNROUTED}/v1/models")
    assert real_connects == []
    assert guard.blocked == [f"{UNROUTED}:80"]


def test_host_names_are_not_even_resolved() -> None:
    with block_network() as guard:
        with pytest.raises(NetworkBlockedError, match=r"llm-api\.example:443"):
            socket.getaddrinfo("llm-api.example", 443)
        with pytest.raises(NetworkBlockedError):
            socket.create_connection(("example.com", 80))
        with pytest.raises(NetworkBlockedError):
            socket.gethostbyname("example.net")
        with pytest.raises(NetworkBlockedError):
            socket.gethostbyname_ex("example.org")
        assert socket.gethostbyname("localhost").startswith("127.")
    assert guard.blocked == ["llm-api.example:443", "example.com:80", "example.net", "example.org"]


async def test_asyncio_lookups_are_refused() -> None:
    loop = asyncio.get_running_loop()
    with block_network() as guard:
        with pytest.raises(NetworkBlockedError):
            await loop.getaddrinfo("models.example", 443)
        with pytest.raises(NetworkBlockedError):
            await asyncio.open_connection("example.org", 443)
    assert guard.blocked == ["models.example:443", "example.org:443"]


def test_udp_datagrams_to_the_outside_are_refused() -> None:
    with block_network() as guard, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        with pytest.raises(NetworkBlockedError):
            sock.sendto(b"ping", (UNROUTED, 53))
        with pytest.raises(NetworkBlockedError):
            sock.sendto(b"ping", 0, (UNROUTED, 53))
    assert guard.blocked == [f"{UNROUTED}:53", f"{UNROUTED}:53"]


def test_udp_on_loopback_works() -> None:
    with (
        block_network() as guard,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender,
    ):
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(5)
        sender.sendto(b"ping", receiver.getsockname())
        assert receiver.recv(16) == b"ping"
    assert guard.blocked == []


async def test_loopback_connections_work() -> None:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(await reader.readline())
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    with block_network() as guard:
        server = await asyncio.start_server(echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            for host in ("127.0.0.1", "localhost"):
                reader, writer = await asyncio.open_connection(host, port)
                writer.write(b"hello\n")
                assert await reader.readline() == b"hello\n"
                writer.close()
                await writer.wait_closed()
    assert guard.blocked == []


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets here")
def test_unix_sockets_work(tmp_path: Path) -> None:
    path = str(tmp_path / "s.sock")
    with (
        block_network() as guard,
        socket.socket(socket.AF_UNIX) as server,
        socket.socket(socket.AF_UNIX) as client,
    ):
        server.bind(path)
        server.listen()
        client.connect(path)
    assert guard.blocked == []


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("0.0.0.0", True),
        ("10.0.0.1", False),
        (UNROUTED, False),
        ("2001:db8::1", False),
        ("::ffff:203.0.113.1", False),
        ("example.com", False),
        ("localhost.example.com", False),
    ],
)
def test_what_counts_as_this_machine(host: str, allowed: bool) -> None:
    assert NetworkGuard().permits(host) is allowed


def test_allowed_hosts_are_let_through(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443))]
    # A stand-in resolver underneath the block, so nothing is looked up for real.
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answer)
    with block_network(allow=["Internal.Example.Test"]) as guard:
        assert socket.getaddrinfo("internal.example.test", 443) == answer
        assert socket.getaddrinfo(UNROUTED, 443) == answer  # a literal needs no lookup
        with pytest.raises(NetworkBlockedError):
            socket.getaddrinfo("other.example.test", 443)
    assert guard.blocked == ["other.example.test:443"]


def test_nested_blocks_restore_what_was_there() -> None:
    before = {name: vars(socket.socket).get(name) for name in ("connect", "sendto")}
    resolvers = (socket.getaddrinfo, socket.gethostbyname, socket.gethostbyname_ex)
    with block_network() as outer:
        with block_network(allow=[UNROUTED]) as inner, pytest.raises(NetworkBlockedError):
            socket.create_connection((UNROUTED, 80))  # the outer block still refuses
        assert inner.blocked == []
        assert outer.blocked == [f"{UNROUTED}:80"]
    assert {name: vars(socket.socket).get(name) for name in ("connect", "sendto")} == before
    assert (socket.getaddrinfo, socket.gethostbyname, socket.gethostbyname_ex) == resolvers


def test_restoring_removes_a_patched_inherited_method() -> None:
    class Base:
        def call(self) -> str:
            return "base"

    class Child(Base):
        pass

    undo = _patch(Child, "call", lambda self: "patched")
    assert Child().call() == "patched"
    undo()
    assert "call" not in vars(Child)
    assert Child().call() == "base"


INNER_INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""

INNER_TESTS = f"""
import socket

import pytest


def test_swallows_the_error(no_network):
    try:
        socket.create_connection(("{UNROUTED}", 80), timeout=5)
    except OSError:
        pass


def test_fails_on_the_error(no_network):
    socket.create_connection(("{UNROUTED}", 443), timeout=5)


def test_stays_local(no_network):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        socket.create_connection(server.getsockname(), timeout=5).close()
"""


def test_the_fixture_fails_a_test_that_swallowed_the_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["llmgine.testing.pytest_plugin"]')
    pytester.makeini(INNER_INI)
    pytester.makepyfile(INNER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR at teardown of test_swallows_the_error*", f"*tried to reach*{UNROUTED}:80*"]
    )
    # The test that failed on the error itself gets no second report.
    assert "ERROR at teardown of test_fails_on_the_error" not in result.stdout.str()


SUITE_TESTS = """
import os
import socket

import pytest


def test_keys_are_hidden_and_the_network_blocked():
    assert "OPENAI_API_KEY" not in os.environ
    assert "OLLAMA_HOST" not in os.environ
    assert not [name for name in os.environ if name.startswith("LLMGINE_")]
    assert os.environ["HARMLESS_SETTING"] == "kept"
    with pytest.raises(OSError):
        socket.create_connection(("203.0.113.1", 80), timeout=5)
"""


def test_the_suite_conftest_hides_keys_and_blocks_the_network(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_API_KEY", "OLLAMA_HOST", "LLMGINE_DEFAULT_MODEL", "HARMLESS_SETTING"):
        monkeypatch.setenv(name, "kept" if name == "HARMLESS_SETTING" else "sk-real-key")
    pytester.makeconftest((Path(__file__).parents[1] / "conftest.py").read_text())
    pytester.makeini(INNER_INI)
    pytester.makepyfile(SUITE_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    # Failed: the suite's autouse fixture saw the (deliberate) attempt and reported it.
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*tried to reach*203.0.113.1:80*"])
