"""Recorded exchanges (from a HAR) made into a session: the requests to send again, and the
exchanges themselves as the session's recording, each linked to its request by name.

A page that polls or retries sends the same request many times; those become one session
request with several recorded exchanges. "The same" ignores headers that tracing libraries
make new for every request, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from reqscope.core.interop.templates import escape_literal
from reqscope.core.model import BodyKind, Exchange, Header, Request, RequestOptions, Session

# Headers the client computes for each connection: replaying a recorded value would be wrong
# (a stale Content-Length) or is the URL's business (Host).
_CONNECTION_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "upgrade",
        "proxy-connection",
    }
)

# Headers whose value is new on every request (distributed tracing, request ids): two
# requests that differ only in these are the same request sent twice.
_PER_REQUEST_HEADERS = frozenset(
    {
        "traceparent",
        "tracestate",
        "baggage",
        "sentry-trace",
        "x-request-id",
        "x-correlation-id",
        "x-amzn-trace-id",
        "x-cloud-trace-context",
        "x-datadog-trace-id",
        "x-datadog-parent-id",
        "b3",
    }
)


@dataclass(frozen=True, slots=True)
class Selection:
    """Which recorded exchanges to import: by host (exact, case-insensitive, any port) and
    by response status. None selects everything."""

    host: str | None = None
    status: int | None = None

    def __call__(self, exchange: Exchange) -> bool:
        if self.status is not None and exchange.status != self.status:
            return False
        if self.host is None:
            return True
        try:
            hostname = urlsplit(exchange.request.url).hostname or ""
        except ValueError:
            return False
        return hostname == self.host.lower().strip("[]")


def request_from_exchange(exchange: Exchange) -> Request:
    """The session request that sends again what a recorded exchange sent. Values become
    template text (a literal `{{` is escaped), the body is RAW, or JSON for a JSON type.
    Redirects are not followed, because a HAR records each hop as its own entry."""
    sent = exchange.request
    headers = tuple(
        Header(escape_literal(name), escape_literal(value))
        for name, value in sent.headers
        if name.lower() not in _CONNECTION_HEADERS
    )
    content_type = next((v for k, v in sent.headers if k.lower() == "content-type"), "")
    body_kind = BodyKind.NONE
    if sent.body:
        media = content_type.partition(";")[0].strip().lower()
        json_body = media == "application/json" or media.endswith("+json")
        body_kind = BodyKind.JSON if json_body else BodyKind.RAW
    try:
        path = urlsplit(sent.url).path or "/"
    except ValueError:
        path = sent.url
    return Request(
        name=f"{sent.method} {path}",
        method=sent.method,
        url=escape_literal(sent.url),
        headers=headers,
        body_kind=body_kind,
        body=escape_literal(sent.body.decode("utf-8", "surrogateescape")),
        options=RequestOptions(follow_redirects=False),
    )


def session_from_exchanges(
    exchanges: Iterable[Exchange], session_name: str = "imported"
) -> Session:
    """One session request per distinct recorded request, named "METHOD /path" (with
    " (2)", " (3)" ... when two distinct requests share a method and path), and every
    exchange kept, in order, as the session's recorded history linked by `request_name`."""
    requests: list[Request] = []
    history: list[Exchange] = []
    by_identity: dict[Request, str] = {}
    used: set[str] = set()
    for exchange in exchanges:
        request = request_from_exchange(exchange)
        identity = _identity(request)
        name = by_identity.get(identity)
        if name is None:
            name, count = request.name, 1
            while name in used:
                count += 1
                name = f"{request.name} ({count})"
            used.add(name)
            by_identity[identity] = name
            requests.append(replace(request, name=name))
        history.append(replace(exchange, request_name=name))
    return Session(name=session_name, requests=tuple(requests), history=tuple(history))


def _identity(request: Request) -> Request:
    """What makes two recorded requests the same: everything but the name and the
    per-request tracing headers."""
    headers = tuple(h for h in request.headers if h.name.lower() not in _PER_REQUEST_HEADERS)
    return replace(request, name="", headers=headers)
