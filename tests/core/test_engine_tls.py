"""TLS over real sockets: a LabServer with trustme certificates made on the fly, one server
per kind of certificate problem."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme

from reqscope.core.engine import Engine
from reqscope.core.model import ErrorKind, Request, RequestOptions
from reqscope.lab.server import LabServer


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_bundle(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def _serve(context: ssl.SSLContext) -> Iterator[LabServer]:
    server = LabServer(ssl_context=context).start()
    try:
        yield server
    finally:
        server.stop()


def _server_context(cert: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    return context


@pytest.fixture(scope="module")
def valid_lab(ca: trustme.CA) -> Iterator[LabServer]:
    yield from _serve(_server_context(ca.issue_cert("127.0.0.1", "localhost")))


@pytest.fixture(scope="module")
def expired_lab(ca: trustme.CA) -> Iterator[LabServer]:
    now = datetime.now(UTC)
    cert = ca.issue_cert(
        "127.0.0.1", not_before=now - timedelta(days=30), not_after=now - timedelta(days=1)
    )
    yield from _serve(_server_context(cert))


@pytest.fixture(scope="module")
def wrong_host_lab(ca: trustme.CA) -> Iterator[LabServer]:
    yield from _serve(_server_context(ca.issue_cert("example.org")))


@pytest.fixture(scope="module")
def self_signed_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    # A CA's own certificate served as the leaf is a self-signed certificate.
    own = trustme.CA()
    folder = tmp_path_factory.mktemp("self-signed")
    own.cert_pem.write_to_path(str(folder / "cert.pem"))
    own.private_key_pem.write_to_path(str(folder / "key.pem"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(folder / "cert.pem"), str(folder / "key.pem"))
    yield from _serve(context)


@pytest.fixture(scope="module")
def mutual_lab(ca: trustme.CA) -> Iterator[LabServer]:
    context = _server_context(ca.issue_cert("127.0.0.1"))
    context.verify_mode = ssl.CERT_REQUIRED
    ca.configure_trust(context)
    yield from _serve(context)


@pytest.fixture
def engine() -> Iterator[Engine]:
    with Engine() as eng:
        yield eng


def _options(**kwargs: object) -> RequestOptions:
    return RequestOptions(timeout=5.0, **kwargs)  # type: ignore[arg-type]


def test_valid_certificate_with_ca_bundle(
    engine: Engine, valid_lab: LabServer, ca_bundle: str
) -> None:
    exchange = engine.send(
        Request(url=f"{valid_lab.url}/echo", options=_options(ca_bundle=ca_bundle))
    )
    assert exchange.error is None
    assert exchange.status == 200
    assert exchange.tls is not None
    assert exchange.tls.version.startswith("TLS")
    assert exchange.tls.cipher
    assert "127.0.0.1" in exchange.tls.peer_san
    assert exchange.tls.peer_not_after
    assert exchange.tls.peer_issuer
    assert exchange.timings.tls_ms is not None
    second = engine.send(
        Request(url=f"{valid_lab.url}/echo", options=_options(ca_bundle=ca_bundle))
    )
    assert second.timings.reused_connection
    assert second.timings.tls_ms is None
    assert second.tls is not None  # still known on a reused connection


def test_http2_offered_falls_back_to_http11_when_the_server_has_no_h2(
    engine: Engine, valid_lab: LabServer, ca_bundle: str
) -> None:
    exchange = engine.send(
        Request(url=f"{valid_lab.url}/echo", options=_options(ca_bundle=ca_bundle, http2=True))
    )
    assert exchange.status == 200
    assert exchange.request.http_version == "HTTP/1.1"


def test_unknown_ca_with_default_trust(engine: Engine, valid_lab: LabServer) -> None:
    exchange = engine.send(Request(url=f"{valid_lab.url}/echo", options=_options()))
    assert exchange.error is not None
    assert exchange.error.kind is ErrorKind.TLS
    assert exchange.error.detail == "unknown_ca"
    assert "\n" not in exchange.error.message


def test_expired_certificate(engine: Engine, expired_lab: LabServer, ca_bundle: str) -> None:
    exchange = engine.send(
        Request(url=f"{expired_lab.url}/echo", options=_options(ca_bundle=ca_bundle))
    )
    assert exchange.error is not None
    assert (exchange.error.kind, exchange.error.detail) == (ErrorKind.TLS, "expired")
    assert "expired" in exchange.error.message


def test_hostname_mismatch(engine: Engine, wrong_host_lab: LabServer, ca_bundle: str) -> None:
    exchange = engine.send(
        Request(url=f"{wrong_host_lab.url}/echo", options=_options(ca_bundle=ca_bundle))
    )
    assert exchange.error is not None
    assert (exchange.error.kind, exchange.error.detail) == (ErrorKind.TLS, "hostname_mismatch")


def test_self_signed(engine: Engine, self_signed_lab: LabServer) -> None:
    exchange = engine.send(Request(url=f"{self_signed_lab.url}/echo", options=_options()))
    assert exchange.error is not None
    assert (exchange.error.kind, exchange.error.detail) == (ErrorKind.TLS, "self_signed")


def test_verify_false_accepts_any_certificate(engine: Engine, self_signed_lab: LabServer) -> None:
    exchange = engine.send(
        Request(url=f"{self_signed_lab.url}/echo", options=_options(verify=False))
    )
    assert exchange.status == 200
    assert exchange.tls is not None
    assert exchange.tls.version


def test_client_certificate_required_but_missing(
    engine: Engine, mutual_lab: LabServer, ca_bundle: str
) -> None:
    exchange = engine.send(
        Request(url=f"{mutual_lab.url}/echo", options=_options(ca_bundle=ca_bundle))
    )
    assert exchange.response is None
    assert exchange.error is not None
    assert (exchange.error.kind, exchange.error.detail) == (ErrorKind.TLS, "client_cert_required")
    assert "client certificate" in exchange.error.message


def test_client_certificate_sent(
    engine: Engine, mutual_lab: LabServer, ca: trustme.CA, ca_bundle: str, tmp_path: Path
) -> None:
    client_pem = tmp_path / "client.pem"
    ca.issue_cert("client@example.org").private_key_and_cert_chain_pem.write_to_path(
        str(client_pem)
    )
    exchange = engine.send(
        Request(
            url=f"{mutual_lab.url}/echo",
            options=_options(ca_bundle=ca_bundle, client_cert=str(client_pem)),
        )
    )
    assert exchange.error is None
    assert exchange.status == 200


def test_unreadable_ca_bundle_and_client_cert_are_errors(
    engine: Engine, valid_lab: LabServer, tmp_path: Path
) -> None:
    missing = str(tmp_path / "missing.pem")
    for options in (_options(ca_bundle=missing), _options(client_cert=missing)):
        exchange = engine.send(Request(url=f"{valid_lab.url}/echo", options=options))
        assert exchange.error is not None
        assert exchange.error.kind is ErrorKind.TLS
        assert "missing.pem" in exchange.error.message


def test_tls_to_a_plain_http_port(engine: Engine, lab: LabServer) -> None:
    exchange = engine.send(
        Request(url=f"https://127.0.0.1:{lab.port}/echo", options=_options(verify=False))
    )
    assert exchange.error is not None
    assert exchange.error.kind is ErrorKind.TLS
