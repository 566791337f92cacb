"""The lab's HTTP/1.1 server: stdlib, threaded, keep-alive, TCP_NODELAY (without it Python's
http.server stalls ~40 ms per keep-alive request on delayed ACKs). It only dispatches to the
routing table; what each route does lives in the route modules.
"""

from __future__ import annotations

import contextlib
import importlib
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from reqscope.lab.routing import LabRequest, LabResponse, LabState, Router, router

# Modules that register routes into `router` when imported.
ROUTE_MODULES = ("reqscope.lab.generic", "reqscope.lab.scenarios")
LAB_SERVER = "reqscope-lab"  # the Server header of routes that do not imitate a vendor
# How often a background lab checks for `stop()`: the default 0.5 s made every test that
# starts a lab wait about that long on teardown.
STOP_POLL_SECONDS = 0.05


def load_routes() -> Router:
    for name in ROUTE_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return router


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LabServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the lab runs inside tests and the app, where nothing may print."""

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, ssl.SSLError, TimeoutError):
            self.close_connection = True

    def _dispatch(self) -> None:
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:
            body = self.rfile.read(length) if length else b""
        request = LabRequest(
            method=self.command,
            path=path,
            query=LabRequest.parse_query(query),
            headers=tuple(self.headers.items()),
            body=body,
            client_ip=self.client_address[0],
            port=self.server.server_address[1],
            scheme=self.server.scheme,
        )
        found = self.server.router.match(path)
        if found is None:
            response = LabResponse.json({"error": "not found", "path": path}, status=404)
        else:
            route, params = found
            if route.methods is not None and self.command not in route.methods:
                response = LabResponse.json(
                    {"error": "method not allowed"},
                    status=405,
                    headers=[("Allow", ", ".join(sorted(route.methods)))],
                )
            else:
                request = LabRequest(**{**_fields(request), "params": params})
                try:
                    response = route.handler(request, self.server.state)
                except Exception as exc:  # a broken route must not kill the lab
                    response = LabResponse.json(
                        {"error": "lab route failed", "detail": repr(exc)}, status=500
                    )
        self._write(response)

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def _write(self, response: LabResponse) -> None:
        # send_response_only: http.server's send_response would add its own Server and Date
        # in front of the route's, and a duplicated `Server: BaseHTTP/...` misleads whoever
        # reads the headers (the diagnosis included) about which vendor answered.
        self.send_response_only(response.status, response.reason or None)
        names = {name.lower() for name, _ in response.headers}
        if "server" not in names:
            self.send_header("Server", LAB_SERVER)
        if "date" not in names:
            self.send_header("Date", self.date_time_string())
        for name, value in response.headers:
            self.send_header(name, value)
        chunks = response.chunks()
        head = self.command == "HEAD"
        if chunks is None:
            assert isinstance(response.body, bytes)
            if "content-length" not in names:
                self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if not head:
                self.wfile.write(response.body)
        else:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if not head:
                for chunk in chunks:
                    if chunk:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _dispatch

    def __getattr__(self, name: str) -> Any:
        # Custom methods (PURGE, PROPFIND ...) dispatch like the standard ones.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)


def _fields(request: LabRequest) -> dict[str, Any]:
    return {name: getattr(request, name) for name in LabRequest.__dataclass_fields__}


class LabServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        ssl_context: ssl.SSLContext | None = None,
        state: LabState | None = None,
    ) -> None:
        super().__init__((host, port), _Handler)
        self.router = load_routes()
        self.state = state or LabState()
        self.scheme = "https" if ssl_context else "http"
        if ssl_context is not None:
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self) -> LabServer:
        """Serve in a daemon thread; returns self so `LabServer().start()` reads naturally."""
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": STOP_POLL_SECONDS},
            name="reqscope-lab",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


@contextlib.contextmanager
def running_lab(**kwargs: Any) -> Iterator[LabServer]:
    """A lab plus a second one on another port (for cross-origin redirects), both stopped
    on exit."""
    state = kwargs.pop("state", None)
    other = LabServer(**kwargs).start()
    lab = LabServer(state=state, **kwargs).start()
    lab.state.other_port = other.port
    other.state.other_port = lab.port
    try:
        yield lab
    finally:
        lab.stop()
        other.stop()
