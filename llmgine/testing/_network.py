"""Refusing network access in tests, so no test can reach a real model by accident.

``block_network()`` patches the few places every Python networking stack goes through:
``socket.socket.connect``, ``connect_ex`` and ``sendto`` (asyncio's selector loop, httpx,
anyio and the ``openai`` and ``anthropic`` SDKs all connect through them) and the name
lookups ``socket.getaddrinfo`` and ``gethostbyname`` (so a host name is not even resolved:
the DNS query would already leave the machine). Address literals may be looked up, since no
query is sent for them; connecting to them is checked like any other address.

A refused attempt raises ``NetworkBlockedError`` before the real call is made, so no packet
is sent, and is recorded in ``NetworkGuard.blocked``: code that swallows the ``OSError`` is
still caught by checking that list afterwards.

Loopback stays open (127.0.0.0/8, ``::1``, ``localhost``, Unix sockets), so local fakes such
as ``FakeLLMServer`` work. Patches are process-wide and undone on exit; nested blocks restore
in reverse order, so use them as ``with`` blocks, not interleaved.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any


class NetworkBlockedError(OSError):
    """A test tried to reach a host other than this machine."""


@dataclass
class NetworkGuard:
    """What ``block_network`` yields: the hosts it lets through and the attempts it refused."""

    allow: frozenset[str] = frozenset()
    blocked: list[str] = field(default_factory=list)

    def permits(self, host: str) -> bool:
        """Whether connecting to ``host`` (a name or an address) is allowed."""
        host = host.strip("[]").lower()
        if host in self.allow or host == "localhost":
            return True
        address = _ip(host)
        if address is None:
            return False  # a host name: only the names in ``allow`` may be used
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        # An unspecified address (0.0.0.0, ::) reaches this machine, never another.
        return address.is_loopback or address.is_unspecified

    def may_resolve(self, host: str) -> bool:
        """Whether looking ``host`` up is allowed: an address literal needs no DNS query."""
        return self.permits(host) or _ip(host.strip("[]")) is not None

    def refuse(self, host: str, port: object = None) -> NetworkBlockedError:
        """Record the attempt and make the error to raise for it."""
        target = f"[{host}]" if ":" in host else host
        if port is not None:
            target = f"{target}:{port}"
        self.blocked.append(target)
        return NetworkBlockedError(
            f"network access to {target} is blocked in tests; only loopback is allowed. "
            "Point the code at a local fake (llmgine.testing.FakeLLMServer) or use "
            "ScriptedProvider, or pass the host in block_network(allow=[...])."
        )


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_unix(sock: socket.socket) -> bool:
    return getattr(socket, "AF_UNIX", None) is not None and sock.family == socket.AF_UNIX


def _host_port(address: Any) -> tuple[str, object]:
    if isinstance(address, tuple) and len(address) >= 2:
        host = address[0].decode() if isinstance(address[0], bytes) else str(address[0])
        return host, address[1]
    return str(address), "?"


@contextmanager
def block_network(*, allow: Iterable[str] = ()) -> Iterator[NetworkGuard]:
    """Refuse every connection, datagram and name lookup that would leave this machine.

    ``allow`` names hosts (names or addresses) that may still be used.
    """
    guard = NetworkGuard(allow=frozenset(host.lower() for host in allow))
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_sendto = socket.socket.sendto

    def check(sock: socket.socket, address: Any) -> None:
        if _is_unix(sock):
            return
        host, port = _host_port(address)
        if not guard.permits(host):
            raise guard.refuse(host, port)

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> int:
        if args:  # sendto(data, address) or sendto(data, flags, address)
            check(self, args[-1])
        return real_sendto(self, data, *args)

    with ExitStack() as restore:
        restore.callback(_patch(socket.socket, "connect", connect))
        restore.callback(_patch(socket.socket, "connect_ex", connect_ex))
        restore.callback(_patch(socket.socket, "sendto", sendto))
        for lookup in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
            restore.callback(
                _patch(socket, lookup, _checked_lookup(guard, getattr(socket, lookup)))
            )
        yield guard


def _checked_lookup(guard: NetworkGuard, real: Callable[..., Any]) -> Callable[..., Any]:
    """``real`` (a name lookup of the ``socket`` module) refusing names that need DNS."""

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None:
            name = host.decode() if isinstance(host, bytes) else str(host)
            if not guard.may_resolve(name):
                raise guard.refuse(name, args[0] if args else kwargs.get("port"))
        return real(host, *args, **kwargs)

    return lookup


def _patch(owner: Any, name: str, replacement: object) -> Callable[[], None]:
    """Set ``owner.name``; the returned function puts back exactly what was there.

    ``connect`` and friends are inherited from the C ``_socket.socket``: restoring means
    deleting our attribute again, not copying the inherited method onto ``socket.socket``.
    """
    sentinel = object()
    previous = vars(owner).get(name, sentinel)
    setattr(owner, name, replacement)

    def undo() -> None:
        if previous is sentinel:
            delattr(owner, name)
        else:
            setattr(owner, name, previous)

    return undo
