"""Connecting as someone, over TLS, from settings; secrets never in a log line or error."""

from __future__ import annotations

import datetime
import ipaddress
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from llmgine.bus import MessageBus, TransportError, UsageError
from llmgine.config import load_settings
from llmgine.transports.nats import NatsAuth, NatsOptions, NatsServer, NatsTransport
from tests.conftest import nats_data_dir
from tests.transports.nats._messages import Work

PASSWORD = "s3cret-pass-Zq81"
TOKEN = "tok-Xy7-secret-44"


def served_server(tmp_path_factory: pytest.TempPathFactory, extra: str) -> Iterator[NatsServer]:
    folder = nats_data_dir(tmp_path_factory, "secured")
    server = NatsServer(folder, extra=extra)
    try:
        yield server.start()
    finally:
        server.kill()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def password_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    yield from served_server(
        tmp_path_factory, f'authorization {{ user: worker, password: "{PASSWORD}" }}'
    )


@pytest.fixture
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    yield from served_server(tmp_path_factory, f'authorization {{ token: "{TOKEN}" }}')


async def round_trip(carrier: NatsTransport) -> int:
    async with MessageBus(transport=carrier) as bus:
        bus.register_command_handler(Work, lambda command: {"n": command.n})
        await carrier.ready()
        result = await bus.execute(Work(n=4))
    assert result.result is not None, result.error
    return result.result["n"]


async def test_user_and_password_from_settings_connect_and_never_show(
    password_server: NatsServer,
    namespace: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("LLMGINE_BUS_URL", password_server.url)
    monkeypatch.setenv("LLMGINE_BUS_NAMESPACE", namespace)
    monkeypatch.setenv("LLMGINE_BUS_USER", "worker")
    monkeypatch.setenv("LLMGINE_BUS_PASSWORD", PASSWORD)
    settings = load_settings()
    carrier = NatsTransport(settings=settings)
    assert carrier.servers == [password_server.url]
    assert carrier.options.namespace == namespace
    assert PASSWORD not in repr(carrier.auth)
    assert PASSWORD in settings.secrets  # so the logging setup masks it everywhere
    with caplog.at_level(logging.DEBUG):
        assert await round_trip(carrier) == 4
    assert PASSWORD not in caplog.text


async def test_a_wrong_password_is_one_clear_error_without_the_password(
    password_server: NatsServer, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong-" + PASSWORD
    auth = NatsAuth(user="worker", password=wrong)
    options = NatsOptions(namespace=namespace)
    carrier = NatsTransport(password_server.url, auth=auth, options=options)
    bus = MessageBus(transport=carrier)
    with caplog.at_level(logging.DEBUG), pytest.raises(TransportError) as raised:
        await bus.start()
    await bus.stop()
    message = str(raised.value)
    assert f"the NATS server at {password_server.url} refused the connection" in message
    assert "check the credentials (LLMGINE_BUS_USER" in message
    assert wrong not in str(raised.value)
    assert wrong not in caplog.text


async def test_a_token_connects(token_server: NatsServer, namespace: str) -> None:
    carrier = NatsTransport(
        token_server.url, auth=NatsAuth(token=TOKEN), options=NatsOptions(namespace=namespace)
    )
    assert TOKEN not in repr(carrier.auth)
    assert await round_trip(carrier) == 4


def test_credentials_in_a_url_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UsageError, match="not in the URL"):
        NatsTransport("nats://worker:pw@127.0.0.1:4222", options=NatsOptions())
    monkeypatch.setenv("LLMGINE_BUS_URL", "nats://worker:pw@127.0.0.1:4222")
    with pytest.raises(ValueError, match="not in the URL"):
        load_settings()


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA, and a certificate it signed for 127.0.0.1: (ca, cert, key) files."""
    now = datetime.datetime.now(datetime.UTC)

    def certificate(subject: str, key: ec.EllipticCurvePrivateKey,
                    issuer: x509.Name | None, signer: ec.EllipticCurvePrivateKey,
                    ca: bool) -> x509.Certificate:  # fmt: skip
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer or name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
            builder = builder.add_extension(usage, critical=True)
        else:
            ip = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
            builder = builder.add_extension(x509.SubjectAlternativeName([ip]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate("llmgine test CA", ca_key, None, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = certificate("127.0.0.1", key, ca.subject, ca_key, ca=False)
    paths = folder / "ca.pem", folder / "server.pem", folder / "server-key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


async def test_tls_with_a_ca_from_settings(
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    namespace: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ca, cert, key = make_certificates(tmp_path)
    tls = f'tls {{ cert_file: "{cert}", key_file: "{key}" }}'
    for server in served_server(tmp_path_factory, tls):
        monkeypatch.setenv("LLMGINE_BUS_TLS_CA_FILE", str(ca))
        settings = load_settings()
        carrier = NatsTransport(
            server.url, settings=settings, options=NatsOptions(namespace=namespace)
        )
        assert carrier.auth.tls
        assert await round_trip(carrier) == 4
        # Without the CA, the server's certificate is not trusted: a clear error.
        plain = NatsTransport(server.url, auth=NatsAuth(), options=NatsOptions(namespace=namespace))
        bus = MessageBus(transport=plain)
        with pytest.raises(TransportError, match="check the TLS settings"):
            await bus.start()
        await bus.stop()
