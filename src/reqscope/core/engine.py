"""Send a Request with httpx and record everything that happened as an Exchange.

`Engine.send` never raises for HTTP or transport failures: a refused connection, a timeout or
a bad certificate is data (`Exchange.error`), because explaining failures is the point of the
tool. Redirects are followed here rather than by httpx so each hop is recorded with what the
client changed (method, dropped credentials), which is itself a common cause of refusals.

Timing phases (milliseconds, `model.Timings`), measured on the FINAL hop with httpcore's trace
hooks; `total_ms` alone spans every hop, from `send` being called to the body being read:
- dns: our own timed getaddrinfo for a host name on a new connection (the engine resolves and
  then connects to the addresses, so the number is the real lookup); None for an IP literal,
  a reused connection, or when the transport could not be instrumented.
- connect: TCP connect (to the proxy, with a proxy), excluding dns.
- tls: the TLS handshake.
- send: writing the request headers and body.
- wait: request fully written -> response headers parsed (time to first byte).
- receive: response headers parsed -> body read (and decompressed), or the size cap reached.
- reused_connection: no connect happened on the final hop (keep-alive), so connect/tls None.

`RequestOptions.timeout` is a deadline for the whole exchange. Each phase's socket timeout is
shortened to the time left when the phase starts, and the deadline is checked between phases
and between body chunks, so a slow trickle cannot run past it by more than one read.
"""

from __future__ import annotations

import ipaddress
import math
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from reqscope.core.model import (
    ErrorKind,
    Exchange,
    RedirectHop,
    Request,
    RequestOptions,
    Response,
    SentRequest,
    Timings,
    TlsInfo,
    TransportError,
)
from reqscope.core.textdecode import decode_body
from reqscope.core.transport_failure import FailureContext, describe_failure
from reqscope.core.wire import (
    DEFAULT_USER_AGENT,
    MAX_TIMEOUT,
    WireError,
    WireRequest,
    check_url,
    to_wire,
)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# A redirect's own body is read up to this much so its connection can be reused.
REDIRECT_DRAIN_BYTES = 64 * 1024
# Fetch standard: credentials stay with their origin; a cross-origin hop loses them.
CROSS_ORIGIN_DROPPED = frozenset({"authorization", "cookie", "host"})
# Headers that describe a body, dropped when a redirect turns the method into GET.
BODY_HEADERS = frozenset(
    {"content-type", "content-length", "transfer-encoding", "content-encoding"}
)

# TransportError.detail of a TLS error about a local file (a CA bundle or client certificate
# that cannot be read or loaded): the user's input, not the server's doing.
TLS_LOCAL_FILE = "local_file"

_PHASES = {
    "connect_tcp": "connect",
    "start_tls": "tls",
    "send_connection_init": "send",
    "send_request_headers": "send",
    "send_request_body": "send",
    "receive_response_headers": "wait",
    "receive_response_body": "receive",
}
_resolved = threading.local()  # dns_ms of the connect in progress on this thread
_NO_DEADLINE = float("inf")
_DEFAULT_OPTIONS = RequestOptions()
# httpcore trace event name -> (event without its prefix, kind, our phase or "").
_EVENTS: dict[str, tuple[str, int, str]] = {}
_MAX_EVENTS = 256  # httpcore emits a fixed set of names; the bound is only a guard
_OTHER, _PHASE_STARTED, _CONNECTED = 0, 1, 2


def _parse_event(name: str) -> tuple[str, int, str]:
    event = name.partition(".")[2]
    step, _, stage = event.rpartition(".")
    phase = _PHASES.get(step, "")
    kind = _OTHER
    if phase and stage == "started":
        kind = _PHASE_STARTED
    elif step == "connect_tcp" and stage == "complete":
        kind = _CONNECTED
    parsed = (event, kind, phase)
    if len(_EVENTS) < _MAX_EVENTS:
        _EVENTS[name] = parsed
    return parsed


def _bounded(configured: float, remaining: float) -> float:
    """A phase's timeout: as configured, but never past the exchange's deadline."""
    return min(configured, remaining) if configured > 0 else remaining


class Engine:
    """Sends requests; one per session. Thread-safe: the UI sends from a worker thread and
    replay from a pool. Keeps one httpx.Client per transport configuration (TLS trust,
    client certificate, proxy, HTTP/2) so connections are reused across sends."""

    def __init__(self, *, user_agent: str = DEFAULT_USER_AGENT) -> None:
        self._user_agent = user_agent
        self._clients: dict[tuple[object, ...], _Client] = {}
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.http.close()

    def send(self, request: Request, *, request_name: str = "") -> Exchange:
        """Send an expanded request (no `{{...}}` left) and return what happened."""
        started_at = datetime.now(UTC)
        try:
            wire = to_wire(request, user_agent=self._user_agent)
        except WireError as exc:
            error = TransportError(exc.kind, str(exc))
            return Exchange(request=_unsent(request), error=error, started_at=started_at)
        try:
            # Outside the timed exchange: the first send of a configuration builds its client
            # (loading a CA bundle takes tens of ms), which is not the server's time.
            client = self._client_for(request.options)
        except _SetupError as exc:
            return Exchange(request=_sent_from_wire(wire), error=exc.error, started_at=started_at)
        options = _socket_timeouts(request.options)
        attempt = _Attempt(options, time.perf_counter(), started_at, request_name)
        return attempt.run(client, wire)

    def _client_for(self, options: RequestOptions) -> _Client:
        key = (
            options.verify,
            options.ca_bundle,
            options.client_cert,
            options.client_key,
            options.proxy,
            options.http2,
        )
        with self._lock:
            if self._closed:
                raise RuntimeError("this Engine is closed")
            client = self._clients.get(key)
            if client is None:
                client = _make_client(options)
                self._clients[key] = client
            return client


class _Client:
    """An httpx.Client, its transport and its default headers, worked out once rather than
    per send. Requests go to the transport itself: the client would parse every 3xx's
    Location even when not following it, and fail the exchange on one it cannot parse."""

    __slots__ = ("default_headers", "http", "transport")

    def __init__(self, http: httpx.Client, transport: httpx.BaseTransport) -> None:
        self.http = http
        self.transport = transport
        # (name, value, lower-case name) of each header httpx adds unless the request has it.
        self.default_headers = tuple(
            (name, value, name.decode("latin-1").lower()) for name, value in http.headers.raw
        )


class _SetupError(Exception):
    def __init__(self, error: TransportError) -> None:
        super().__init__(error.message)
        self.error = error


class _DeadlineExceeded(Exception):
    def __init__(self, phase: str) -> None:
        super().__init__(phase)
        self.phase = phase


@dataclass(slots=True)
class _Hop:
    """What one hop sends; the next hop is derived from it when the server redirects."""

    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(slots=True)
class _Attempt:
    """The state of one `send`: the deadline, the hops so far, cookies set along the chain."""

    options: RequestOptions
    started: float
    started_at: datetime
    request_name: str
    hops: list[RedirectHop] = field(default_factory=list)
    sent: SentRequest | None = None
    clock: _PhaseClock | None = None
    jar: httpx.Cookies | None = None  # made on the first redirect: most sends have none

    @property
    def deadline(self) -> float:
        timeout = self.options.timeout
        return self.started + timeout if timeout > 0 else _NO_DEADLINE

    def run(self, client: _Client, wire: WireRequest) -> Exchange:
        hop = _Hop(wire.method, wire.url, list(wire.headers), wire.body)
        try:
            while True:
                response = self._send_hop(client, hop)
                try:
                    if self._is_followed_redirect(response):
                        hop = self._follow(hop, response)
                        if len(self.hops) > self.options.max_redirects:
                            return self._too_many_redirects(wire)
                        continue
                    return self._finish(response)
                finally:
                    response.close()
        except _DeadlineExceeded as exc:
            error = TransportError(
                ErrorKind.TOTAL_TIMEOUT,
                f"the exchange took longer than the {self.options.timeout:g} s timeout "
                f"(while {_DOING.get(exc.phase, 'sending')})",
            )
        except WireError as exc:  # a redirect to a URL we cannot follow
            error = TransportError(exc.kind, f"cannot follow the redirect: {exc}")
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            error = describe_failure(exc, self._failure_context(hop))
        return self._failed(wire, error)

    def _failed(self, wire: WireRequest, error: TransportError) -> Exchange:
        return Exchange(
            request=self.sent or _sent_from_wire(wire),
            error=error,
            timings=self._timings(None),
            redirects=tuple(self.hops),
            started_at=self.started_at,
            request_name=self.request_name,
        )

    def _send_hop(self, client: _Client, hop: _Hop) -> httpx.Response:
        now = time.perf_counter()
        remaining = self.deadline - now
        if remaining <= 0:
            raise _DeadlineExceeded("send")
        self.clock = clock = _PhaseClock(self.deadline, self.options)
        timeout = _phase_timeout(self.options.timeout, remaining)
        timeouts = {
            "connect": _phase_timeout(
                self.options.connect_timeout or self.options.timeout, remaining
            ),
            "read": timeout,
            "write": timeout,
            "pool": timeout,
        }
        headers = _with_chain_cookies(hop.headers, self.jar, hop.url)
        built = _build_request(client, hop, headers, {"trace": clock, "timeout": timeouts})
        # httpx upper-cases the method; methods are case-sensitive (RFC 9110), so send it as
        # written, like curl does for `-X patch`.
        built.method = hop.method
        if self.sent is not None:
            return _send_built(client, built)
        try:
            response = _send_built(client, built)
        except BaseException:
            self.sent = _sent_from_built(built, hop, "HTTP/1.1")
            raise
        self.sent = _sent_from_built(built, hop, response.http_version)
        return response

    def _is_followed_redirect(self, response: httpx.Response) -> bool:
        return (
            self.options.follow_redirects
            and response.status_code in REDIRECT_STATUSES
            and "location" in response.headers
        )

    def _follow(self, hop: _Hop, response: httpx.Response) -> _Hop:
        """Record the redirect and derive the next hop the way browsers do."""
        if self.jar is None:
            self.jar = httpx.Cookies()
        self.jar.extract_cookies(response)
        location = response.headers["location"]
        try:
            urlsplit(location)  # an unclosed "[": httpx would percent-encode it into the host
            next_url = str(response.url.join(location))
        except (httpx.InvalidURL, ValueError) as exc:
            raise WireError(ErrorKind.PROTOCOL, f"invalid Location {location!r}: {exc}") from None
        status = response.status_code
        method = hop.method
        if (status == 303 and method not in ("GET", "HEAD")) or (
            status in (301, 302) and method == "POST"
        ):
            method = "GET"
        drop_body = method != hop.method
        cross_origin = _origin(hop.url) != _origin(next_url)
        kept: list[tuple[str, str]] = []
        dropped: list[str] = []
        for name, value in hop.headers:
            lname = name.lower()
            if (cross_origin and lname in CROSS_ORIGIN_DROPPED) or (
                drop_body and lname in BODY_HEADERS
            ):
                if name not in dropped:
                    dropped.append(name)
            else:
                kept.append((name, value))
        self.hops.append(
            RedirectHop(
                method=hop.method,
                url=hop.url,
                status=status,
                location=location,
                dropped_headers=tuple(dropped),
                next_method=method,
                next_url=next_url,
            )
        )
        check_url(next_url)  # after recording the hop, so the chain shows where it led
        _drain(response, self.deadline)
        return _Hop(method, next_url, kept, b"" if drop_body else hop.body)

    def _too_many_redirects(self, wire: WireRequest) -> Exchange:
        last = self.hops[-1]
        error = TransportError(
            ErrorKind.TOO_MANY_REDIRECTS,
            f"stopped after {self.options.max_redirects} redirects (max_redirects); "
            f"the next was {last.status} to {last.location}",
        )
        return self._failed(wire, error)

    def _finish(self, response: httpx.Response) -> Exchange:
        tls = _tls_info(response)  # before the body is read and the stream may close
        body, size, truncated = _read_body(response, self.options.max_body_bytes, self.deadline)
        body_done = time.perf_counter()
        decoded = decode_body(body, response.headers.get("content-type", ""), truncated=truncated)
        assert self.sent is not None
        return Exchange(
            request=self.sent,
            response=Response(
                status=response.status_code,
                reason=response.reason_phrase,
                http_version=response.http_version,
                headers=_decode_headers(response.headers.raw),
                body=body,
                text=decoded.text,
                charset=decoded.charset,
                is_binary=decoded.is_binary,
                truncated=truncated,
                size=size,
            ),
            timings=self._timings(body_done),
            redirects=tuple(self.hops),
            tls=tls,
            started_at=self.started_at,
            request_name=self.request_name,
        )

    def _timings(self, body_done: float | None) -> Timings:
        total = _ms(self.started, time.perf_counter())
        if self.clock is None:
            return Timings(total_ms=total)
        return self.clock.timings(body_done, total)

    def _failure_context(self, hop: _Hop) -> FailureContext:
        clock = self.clock
        return FailureContext(
            url=hop.url,
            timeout=clock.effective_timeout if clock else self.options.timeout,
            phase=clock.phase if clock else "",
            host=clock.host if clock else "",
            proxy=self.options.proxy,
            client_cert=bool(self.options.client_cert),
            deadline_bound=clock.deadline_bound if clock else False,
            total_timeout=self.options.timeout,
        )


_DOING = {
    "connect": "connecting",
    "tls": "negotiating TLS",
    "send": "sending the request",
    "wait": "waiting for the response",
    "receive": "reading the response body",
}


class _PhaseClock:
    """httpcore `trace` callback for one hop: stamps each event, remembers the phase in
    progress (for error messages) and shortens the phase's timeout to the time left.

    httpcore reads a phase's timeout from the request's `timeout` extension (or, for the
    connect, from the event's kwargs) right after emitting its `.started` event, so updating
    them here bounds every phase by the exchange's deadline.
    """

    __slots__ = ("bound_configured", "bound_remaining", "connect_timeout", "deadline",
                 "dns_ms", "host", "marks", "phase", "timeout")  # fmt: skip

    def __init__(self, deadline: float, options: RequestOptions) -> None:
        self.deadline = deadline
        self.timeout = options.timeout
        self.connect_timeout = options.connect_timeout or options.timeout
        self.marks: dict[str, float] = {}
        self.phase = ""
        self.host = ""
        self.dns_ms: float | None = None
        # The last phase's configured timeout and the time left when it started; what a
        # failure message needs is derived from them only when a failure happens.
        self.bound_configured = options.timeout
        self.bound_remaining = _NO_DEADLINE

    def __call__(self, name: str, info: dict[str, Any]) -> None:
        # Called ten times per request: kept lean (it is most of the engine's overhead).
        now = time.perf_counter()
        event, kind, phase = _EVENTS.get(name) or _parse_event(name)
        self.marks[event] = now
        if kind != _PHASE_STARTED:
            if kind == _CONNECTED:
                self.dns_ms = getattr(_resolved, "dns_ms", None)
            return
        self.phase = phase
        if phase == "connect":
            self.host = str(info.get("host", ""))
            _resolved.dns_ms = None
        remaining = self.deadline - now
        if remaining <= 0:
            raise _DeadlineExceeded(phase)
        if self.deadline == _NO_DEADLINE:
            return
        self.bound_remaining = remaining
        if "timeout" in info:  # the connect phase takes its timeout from the event
            self.bound_configured = self.connect_timeout
            info["timeout"] = _bounded(self.connect_timeout, remaining)
            return
        self.bound_configured = self.timeout
        timeouts = info["request"].extensions.get("timeout") if "request" in info else None
        if isinstance(timeouts, dict):
            timeouts["read"] = timeouts["write"] = timeouts["pool"] = _bounded(
                self.timeout, remaining
            )

    @property
    def deadline_bound(self) -> bool:
        """The running phase's timeout was noticeably shortened: the total deadline is what
        ran out, not the phase's own timeout."""
        configured = self.bound_configured
        effective = _bounded(configured, self.bound_remaining)
        return configured <= 0 or configured - effective > 0.05

    @property
    def effective_timeout(self) -> float:
        """The timeout to quote: the one the user set, unless the deadline shortened it
        (so a 0.3 s timeout is not reported as 0.299 s)."""
        if self.deadline_bound:
            return _bounded(self.bound_configured, self.bound_remaining)
        return self.bound_configured

    def timings(self, body_done: float | None, total_ms: float) -> Timings:
        marks = self.marks
        reused = "connect_tcp.started" not in marks
        connect = _span(marks, "connect_tcp")
        if connect is not None and self.dns_ms is not None:
            connect = max(connect - self.dns_ms, 0.0)
        send_end = marks.get(
            "send_request_body.complete", marks.get("send_request_headers.complete")
        )
        headers_done = marks.get("receive_response_headers.complete")
        send_start = marks.get("send_request_headers.started")
        return Timings(
            dns_ms=self.dns_ms,
            connect_ms=connect,
            tls_ms=_span(marks, "start_tls"),
            send_ms=_ms(send_start, send_end) if send_start and send_end else None,
            wait_ms=_ms(send_end, headers_done) if send_end and headers_done else None,
            receive_ms=_ms(headers_done, body_done) if headers_done and body_done else None,
            total_ms=total_ms,
            reused_connection=reused,
        )


class _TimedResolver(httpcore.NetworkBackend):
    """Resolves a host name itself, timed, then connects to its addresses in order. httpcore
    resolves inside its connect, so this is the only honest way to time DNS on its own."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if _is_ip_literal(host):
            return self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        started = time.perf_counter()
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:  # UnicodeError: a label IDNA refuses
            raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from exc
        _resolved.dns_ms = _ms(started, time.perf_counter())
        error: httpcore.ConnectError | None = None
        for address in dict.fromkeys(str(info[4][0]) for info in infos):
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
        raise error or httpcore.ConnectError(f"no address for {host!r}")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return self._inner.connect_unix_socket(path, timeout, socket_options)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _send_built(client: _Client, built: httpx.Request) -> httpx.Response:
    """One request, no redirect handling: what `httpx.Client.send` does for our clients (no
    cookie jar, no hooks; credentials in the URL become basic auth, replacing an
    Authorization header) without building the request for the Location."""
    url = built.url
    if url.userinfo and (url.username or url.password):
        next(httpx.BasicAuth(url.username, url.password).auth_flow(built))
    response = client.transport.handle_request(built)
    response.request = built
    return response


def _make_client(options: RequestOptions) -> _Client:
    context = _ssl_context(options)
    try:
        transport = httpx.HTTPTransport(
            verify=context, http2=options.http2, proxy=options.proxy or None
        )
    except (ImportError, ValueError, httpx.InvalidURL) as exc:
        raise _SetupError(
            TransportError(ErrorKind.PROXY, f"cannot use proxy {options.proxy!r}: {exc}")
        ) from None
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend):
        pool._network_backend = _TimedResolver(backend)  # type: ignore[union-attr]
    # No cookie persists across sends (what you see is what is sent); within one send,
    # cookies set along a redirect chain are replayed by `_with_chain_cookies`.
    no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    http = httpx.Client(transport=transport, trust_env=False, cookies=no_cookies)
    return _Client(http, transport)


def _ssl_context(options: RequestOptions) -> ssl.SSLContext:
    try:
        if not options.verify:
            context = httpx.create_ssl_context(verify=False, trust_env=False)
        elif options.ca_bundle:
            context = ssl.create_default_context(cafile=options.ca_bundle)
        else:
            context = httpx.create_ssl_context(trust_env=False)
    except (OSError, ssl.SSLError) as exc:
        raise _SetupError(
            TransportError(
                ErrorKind.TLS,
                f"cannot load the CA bundle {options.ca_bundle!r}: {_reason(exc)}",
                detail=TLS_LOCAL_FILE,
            )
        ) from None
    if options.client_cert:
        try:
            context.load_cert_chain(options.client_cert, options.client_key or None)
        except (OSError, ssl.SSLError) as exc:
            raise _SetupError(
                TransportError(
                    ErrorKind.TLS,
                    f"cannot load the client certificate {options.client_cert!r}: {_reason(exc)}",
                    detail=TLS_LOCAL_FILE,
                )
            ) from None
    return context


def _reason(exc: OSError) -> str:
    if isinstance(exc, ssl.SSLError):
        return exc.reason or str(exc)
    return exc.strerror or str(exc)


def _read_body(response: httpx.Response, cap: int, deadline: float) -> tuple[bytes, int, bool]:
    """Stream the decoded body, keeping at most `cap` bytes: never the whole of a huge body
    in memory. Returns (body, bytes seen, truncated)."""
    chunks: list[bytes] = []
    kept = seen = 0
    for chunk in response.iter_bytes():
        seen += len(chunk)
        if kept < cap:
            piece = chunk[: cap - kept]
            chunks.append(piece)
            kept += len(piece)
        if seen > cap:
            return b"".join(chunks), seen, True
        if time.perf_counter() > deadline:
            raise _DeadlineExceeded("receive")
    return b"".join(chunks), seen, False


def _drain(response: httpx.Response, deadline: float) -> None:
    seen = 0
    for chunk in response.iter_raw():
        seen += len(chunk)
        if seen > REDIRECT_DRAIN_BYTES:
            return  # closing the response drops the connection; cheaper than reading on
        if time.perf_counter() > deadline:
            raise _DeadlineExceeded("receive")


def _tls_info(response: httpx.Response) -> TlsInfo | None:
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    # httpcore hands out the private `_ssl._SSLSocket` (or an SSLObject through a TLS
    # proxy): both have the methods used below.
    if ssl_object is None or not hasattr(ssl_object, "getpeercert"):
        return None
    # Without verification OpenSSL does not expose the parsed certificate: fields stay "".
    cert: dict[str, Any] = dict(ssl_object.getpeercert() or {})
    cipher = ssl_object.cipher()
    return TlsInfo(
        version=ssl_object.version() or "",
        cipher=cipher[0] if cipher else "",
        peer_subject=_distinguished_name(cert.get("subject", ())),
        peer_issuer=_distinguished_name(cert.get("issuer", ())),
        peer_not_before=str(cert.get("notBefore", "")),
        peer_not_after=str(cert.get("notAfter", "")),
        peer_san=tuple(str(value) for _, value in cert.get("subjectAltName", ())),
    )


def _distinguished_name(rdns: Iterable[Iterable[tuple[str, str]]]) -> str:
    short = {"commonName": "CN", "organizationName": "O", "organizationalUnitName": "OU",
             "countryName": "C", "localityName": "L", "stateOrProvinceName": "ST"}  # fmt: skip
    return ", ".join(f"{short.get(key, key)}={value}" for rdn in rdns for key, value in rdn)


def _build_request(
    client: _Client,
    hop: _Hop,
    headers: list[tuple[str, str]],
    extensions: dict[str, Any],
) -> httpx.Request:
    """What `client.build_request` makes for our clients (which have no base URL, params,
    auth or stored cookies), at a third of its cost: the client's default headers not
    overridden, then ours in order, duplicates kept. The parsed URL is cached per string."""
    given = {name.lower() for name, _ in headers}
    defaults = [(k, v) for k, v, lower in client.default_headers if lower not in given]
    return httpx.Request(
        hop.method,
        _parsed_url(hop.url)[0],
        headers=defaults + [(n.encode("ascii"), v.encode("utf-8")) for n, v in headers],
        content=hop.body or None,
        extensions=extensions,
    )


@lru_cache(maxsize=256)
def _parsed_url(url: str) -> tuple[httpx.URL, str]:
    """The parsed URL and its normalised text (what goes on the wire). httpx.URL is
    immutable, so one parse serves every send of the same URL."""
    parsed = httpx.URL(url)
    _check_host(parsed)
    return parsed, str(parsed)


def _check_host(url: httpx.URL) -> None:
    """Raise httpx.InvalidURL for a host name no resolver takes: httpx decodes a bad `xn--`
    label only when asked, and getaddrinfo refuses an empty or over-long label, both with a
    UnicodeError from deep inside the send."""
    try:
        host = url.host
        if host and not _is_ip_literal(host):
            url.raw_host.decode("ascii").encode("idna")
    except UnicodeError as exc:
        reason = str(exc).rpartition("(")[2].rstrip(")").removeprefix("UnicodeError: ")
        raise httpx.InvalidURL(
            f"invalid host name {url.raw_host.decode('ascii', 'replace')!r} ({reason})"
        ) from None


def _with_chain_cookies(
    headers: list[tuple[str, str]], jar: httpx.Cookies | None, url: str
) -> list[tuple[str, str]]:
    """Add cookies set earlier in this redirect chain, merged into one Cookie header."""
    if not jar:
        return headers
    probe = httpx.Request("GET", url)
    jar.set_cookie_header(probe)
    from_chain = probe.headers.get("cookie")
    if not from_chain:
        return headers
    merged = list(headers)
    for index, (name, value) in enumerate(merged):
        if name.lower() == "cookie":
            merged[index] = (name, f"{value}; {from_chain}")
            return merged
    merged.append(("Cookie", from_chain))
    return merged


def _decode_headers(raw: list[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    try:  # the common case, all UTF-8 (ASCII), without a call per header
        return tuple([(name.decode("latin-1"), value.decode("utf-8")) for name, value in raw])
    except UnicodeDecodeError:
        return tuple([(name.decode("latin-1"), _header_text(value)) for name, value in raw])


def _header_text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _origin(url: str) -> tuple[str, str, int | None]:
    parsed = httpx.URL(url)
    default = {"http": 80, "https": 443}.get(parsed.scheme)
    return parsed.scheme, parsed.host.lower(), parsed.port or default


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _socket_timeouts(options: RequestOptions) -> RequestOptions:
    """Timeouts a socket accepts. The readers refuse the others, but a Request built in code
    may still hold them: past a day (inf, 1e300) is a day, and NaN is the default."""
    timeout, connect = options.timeout, options.connect_timeout
    if timeout <= MAX_TIMEOUT and (connect is None or connect <= MAX_TIMEOUT):
        return options  # the common case; NaN fails both comparisons, so it goes on below
    if math.isnan(timeout):
        timeout = _DEFAULT_OPTIONS.timeout
    if connect is not None and math.isnan(connect):
        connect = None
    return replace(
        options,
        timeout=min(timeout, MAX_TIMEOUT),
        connect_timeout=None if connect is None else min(connect, MAX_TIMEOUT),
    )


def _phase_timeout(configured: float, remaining: float) -> float | None:
    if configured <= 0:
        return None if remaining == _NO_DEADLINE else remaining
    return min(configured, remaining)


def _span(marks: dict[str, float], step: str) -> float | None:
    started = marks.get(f"{step}.started")
    done = marks.get(f"{step}.complete")
    return _ms(started, done) if started is not None and done is not None else None


def _ms(start: float, end: float) -> float:
    return (end - start) * 1000.0


def _unsent(request: Request) -> SentRequest:
    headers = tuple((h.name, h.value) for h in request.headers if h.enabled)
    return SentRequest(method=request.method or "GET", url=request.url, headers=headers)


def _sent_from_built(built: httpx.Request, hop: _Hop, http_version: str) -> SentRequest:
    return SentRequest(
        method=built.method,
        url=_parsed_url(hop.url)[1],
        headers=_decode_headers(built.headers.raw),
        body=hop.body,
        http_version=http_version,
    )


def _sent_from_wire(wire: WireRequest) -> SentRequest:
    return SentRequest(method=wire.method, url=wire.url, headers=wire.headers, body=wire.body)
