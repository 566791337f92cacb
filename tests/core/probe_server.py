"""A tiny HTTP server on 127.0.0.1 whose answers a probe test scripts: a function from the
request (method, path, headers, how many came before) to (status, headers, body). It keeps
every request it received, so a test can say exactly what the probes sent."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    index: int  # 0-based arrival order


Answer = tuple[int, list[tuple[str, str]], bytes]
Script = Callable[[Received], Answer]


@dataclass
class ScriptedServer:
    url: str
    received: list[Received] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        with self.server.lock:
            received = Received(
                self.command,
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                len(self.server.state.received),
            )
            self.server.state.received.append(received)
        status, headers, body = self.server.script(received)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _answer


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, script: Script, state: ScriptedServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script
        self.state = state
        self.lock = threading.Lock()


@contextmanager
def scripted_server(script: Script) -> Iterator[ScriptedServer]:
    state = ScriptedServer(url="")
    server = _Server(script, state)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def html(status: int, text: str, *headers: tuple[str, str]) -> Answer:
    return status, [("Content-Type", "text/html; charset=utf-8"), *headers], text.encode()
