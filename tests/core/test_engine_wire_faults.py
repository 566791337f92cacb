"""Servers that break HTTP on purpose, over real sockets on 127.0.0.1: garbage instead of a
status line, a hang-up before the response, a body shorter than its Content-Length, a body
that is not the gzip it claims. Each is `Exchange.error` with kind `protocol`, never an
exception, and the engine stays usable afterwards."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from reqscope.core.engine import Engine
from reqscope.core.model import ErrorKind, Request, RequestOptions

MAX_CONNECTIONS = 8  # each fault server answers at most this many connections


class RawServer:
    """Answers every connection with the same raw bytes, then closes it."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        served = 0
        while not self.stopped.is_set() and served < MAX_CONNECTIONS:
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            served += 1
            with conn:
                conn.settimeout(5)
                received = b""
                for _ in range(64):  # read the request head (bounded)
                    chunk = conn.recv(65536)
                    received += chunk
                    if not chunk or b"\r\n\r\n" in received:
                        break
                if self.payload:
                    conn.sendall(self.payload)

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        self.listener.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


@pytest.fixture
def engine() -> Iterator[Engine]:
    with Engine() as eng:
        yield eng


def serve(payload: bytes) -> Iterator[RawServer]:
    server = RawServer(payload)
    try:
        yield server
    finally:
        server.close()


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (b"NOT HTTP AT ALL\r\n\r\n", "protocol error"),
        (b"", "disconnected"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b", "protocol error"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!",
            "could not be decoded",
        ),
    ],
    ids=["garbage-status-line", "hang-up", "short-body", "bad-gzip"],
)
def test_broken_http_is_a_protocol_error(engine: Engine, payload: bytes, words: str) -> None:
    for server in serve(payload):
        exchange = engine.send(Request(url=server.url, options=RequestOptions(timeout=5)))
        assert exchange.response is None
        assert exchange.error is not None
        assert exchange.error.kind is ErrorKind.PROTOCOL
        assert words in exchange.error.message.lower()
        assert "\n" not in exchange.error.message
        assert exchange.request.url == server.url  # what was sent is still recorded
        assert exchange.timings.total_ms > 0


def test_engine_recovers_after_a_broken_server(engine: Engine) -> None:
    for broken in serve(b"NOT HTTP\r\n\r\n"):
        assert engine.send(Request(url=broken.url)).error is not None
    for good in serve(b"HTTP/1.1 204 No Content\r\n\r\n"):
        exchange = engine.send(Request(url=good.url))
        assert exchange.error is None
        assert exchange.status == 204


def test_a_timeout_message_quotes_the_timeout_the_user_set(engine: Engine) -> None:
    # The server reads the request and never answers: a read timeout of exactly 0.3 s.
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        port = listener.getsockname()[1]
        exchange = engine.send(
            Request(url=f"http://127.0.0.1:{port}/", options=RequestOptions(timeout=0.3))
        )
    finally:
        listener.close()
    assert exchange.error is not None
    assert exchange.error.kind is ErrorKind.READ_TIMEOUT
    assert "0.3 s" in exchange.error.message
