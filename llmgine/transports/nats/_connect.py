"""Connecting to NATS: where, as whom, over what, and nothing secret in any log line.

``NatsAuth`` holds the ways nats-py can prove who a client is (user and password, a
token, an NKey seed file, a ``.creds`` file) and how to reach the server over TLS (a CA,
and a client certificate for servers that verify clients). Passwords and tokens are
``SecretStr``: they print as ``**********``, and the plain value is read only to hand it
to nats-py. URLs never carry credentials (they are refused), since URLs reach logs and
error messages. Every error the client reports is logged with the secrets masked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nats.aio.client import Client
from nats.errors import AuthorizationError
from pydantic import SecretStr

from llmgine.bus import TransportError, UsageError
from llmgine.config import Settings, redact

logger = logging.getLogger("llmgine.transports.nats")

DEFAULT_URL = "nats://127.0.0.1:4222"
_PER_SERVER = 2.0


class _Client(Client):
    """nats-py's client, closing the socket of a failed attempt before the next one.

    nats-py 2.16 reconnects through one transport object and opens each new socket over
    the last: a server that accepted the socket but never answered (paused, overloaded)
    leaves it open until the garbage collector finds it, one per attempt.
    """

    async def _connect_to_server(self, s: Any) -> None:
        if self._transport:
            self._transport.close()  # type: ignore[no-untyped-call]
        await super()._connect_to_server(s)


def _secret(value: SecretStr | str | None) -> SecretStr | None:
    return SecretStr(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class NatsAuth:
    """Who the client is and how it reaches the server (see the module docstring)."""

    user: str | None = None
    password: SecretStr | None = None
    token: SecretStr | None = None
    nkey_seed_file: Path | None = None
    credentials_file: Path | None = None
    tls_ca_file: Path | None = None
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    secrets: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "password", _secret(self.password))
        object.__setattr__(self, "token", _secret(self.token))
        values = (self.password, self.token)
        plain = tuple(s.get_secret_value() for s in values if s is not None)
        object.__setattr__(self, "secrets", tuple(p for p in plain if p))

    @classmethod
    def from_settings(cls, settings: Settings) -> NatsAuth:
        return cls(
            user=settings.bus_user, password=settings.bus_password, token=settings.bus_token,
            nkey_seed_file=settings.bus_nkey_seed_file,
            credentials_file=settings.bus_credentials_file,
            tls_ca_file=settings.bus_tls_ca_file, tls_cert_file=settings.bus_tls_cert_file,
            tls_key_file=settings.bus_tls_key_file,
        )  # fmt: skip

    @property
    def tls(self) -> bool:
        return self.tls_ca_file is not None or self.tls_cert_file is not None

    def options(self) -> dict[str, Any]:
        """The keyword arguments of ``nats.connect`` for this identity."""
        options: dict[str, Any] = {}
        if self.user is not None:
            options["user"] = self.user
        if self.password is not None:
            options["password"] = self.password.get_secret_value()
        if self.token is not None:
            options["token"] = self.token.get_secret_value()
        if self.nkey_seed_file is not None:
            options["nkeys_seed"] = str(self.nkey_seed_file)
        if self.credentials_file is not None:
            options["user_credentials"] = str(self.credentials_file)
        if self.tls:
            options["tls"] = self._tls_context()
        return options

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(
            cafile=None if self.tls_ca_file is None else str(self.tls_ca_file)
        )
        if self.tls_cert_file is not None:
            key = None if self.tls_key_file is None else str(self.tls_key_file)
            context.load_cert_chain(str(self.tls_cert_file), key)
        return context


def server_list(url: str | Sequence[str] | None, settings: Settings | None) -> list[str]:
    """The servers to connect to: ``url``, else the settings' ``bus_url``, else local."""
    if url is None:
        url = (settings.bus_url if settings is not None else None) or DEFAULT_URL
    urls = [u.strip() for u in url.split(",")] if isinstance(url, str) else list(url)
    urls = [u for u in urls if u]
    if not urls:
        raise UsageError("no NATS server given: pass a URL such as 'nats://127.0.0.1:4222'")
    for each in urls:
        if urlsplit(each if "://" in each else f"nats://{each}").username is not None:
            raise UsageError(
                "put the credentials in NatsAuth (or LLMGINE_BUS_USER/LLMGINE_BUS_PASSWORD, "
                "LLMGINE_BUS_TOKEN), not in the URL: URLs end up in logs and errors"
            )
    return urls


async def connect(
    servers: list[str],
    auth: NatsAuth,
    *,
    name: str,
    timeout: float,
    ping_interval: float,
    reconnected: Callable[[], None] | None = None,
) -> Client:
    """A connection that reconnects for as long as it is open; ``TransportError`` when no
    server answers at first, or at once when a server refuses who we are (credentials,
    TLS) since trying again would not help. ``reconnected`` is called each time the
    connection is back after a loss."""
    secrets = auth.secrets
    client = _Client()
    refused: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        text = redact(f"{type(exc).__name__}: {exc}", *secrets)
        errors.append(text)
        if not client.is_connected and not refused.done() and _refusal(exc):
            refused.set_result(exc)
            return
        logger.warning("NATS client error: %s", text)

    async def on_disconnected() -> None:
        if not client.is_closed:  # closing calls this too
            logger.info("NATS connection lost; reconnecting")

    async def on_reconnected() -> None:
        logger.info("NATS connection back")
        if reconnected is not None:
            reconnected()

    # Seconds for one server to answer a connection attempt (a paused server accepts the
    # socket and says nothing): short, so that a reconnect moves on to the next server.
    per_server: Any = min(timeout, _PER_SERVER)
    pause: Any = 0.25  # nats-py's hints say int; it takes seconds as a float
    connecting: asyncio.Future[Any] = asyncio.ensure_future(
        client.connect(
            servers, name=name, error_cb=on_error, disconnected_cb=on_disconnected,
            reconnected_cb=on_reconnected, allow_reconnect=True, max_reconnect_attempts=-1,
            reconnect_time_wait=pause, connect_timeout=per_server,
            ping_interval=max(1, round(ping_interval)), max_outstanding_pings=2,
            **auth.options(),
        )
    )  # fmt: skip
    # Reconnecting never gives up once connected, so the first connection is bounded here.
    await asyncio.wait({connecting, refused}, timeout=timeout, return_when="FIRST_COMPLETED")
    if connecting.done() and connecting.exception() is None:
        return client
    connecting.cancel()
    with contextlib.suppress(BaseException):
        await connecting
    await client.close()
    where = ", ".join(servers)
    if refused.done():
        exc = refused.result()
        raise TransportError(
            f"the NATS server at {where} refused the connection: "
            f"{redact(f'{type(exc).__name__}: {exc}', *secrets)}; {_refusal_advice(exc)}"
        ) from None
    failed = connecting.exception() if connecting.done() and not connecting.cancelled() else None
    why = f"{type(failed).__name__}: {failed}" if failed else "no server answered"
    if errors and not failed:
        why += f" (last error: {errors[-1]})"
    raise TransportError(
        f"could not connect to NATS at {where} within {timeout:g} s: {redact(why, *secrets)}"
    ) from None


def _refusal(exc: Exception) -> bool:
    text = str(exc).lower()
    return isinstance(exc, AuthorizationError | ssl.SSLError) or any(
        mark in text for mark in ("authorization violation", "authentication")
    )


def _refusal_advice(exc: Exception) -> str:
    if isinstance(exc, ssl.SSLError):
        return (
            "check the TLS settings (LLMGINE_BUS_TLS_CA_FILE for the CA that signed the "
            "server's certificate; a client certificate if the server asks for one)"
        )
    return (
        "check the credentials (LLMGINE_BUS_USER and LLMGINE_BUS_PASSWORD, LLMGINE_BUS_TOKEN, "
        "LLMGINE_BUS_NKEY_SEED_FILE or LLMGINE_BUS_CREDENTIALS_FILE)"
    )
