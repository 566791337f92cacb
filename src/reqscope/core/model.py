"""The plain data of reqscope: what a request is, what happened when it was sent, what the
diagnosis concluded. No I/O here, so every other part (engine, store, diagnosis, UI) can share
these types without pulling each other in.

All types are frozen: an edit is a `dataclasses.replace`, which keeps the model the single
source of truth and makes sessions comparable (`load(save(s)) == s`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

DEFAULT_MAX_BODY_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Header:
    """One header line of a request as the user wrote it (may contain `{{variables}}`)."""

    name: str
    value: str
    enabled: bool = True


class AuthKind(StrEnum):
    NONE = "none"
    BEARER = "bearer"
    BASIC = "basic"
    API_KEY = "api_key"


class ApiKeyLocation(StrEnum):
    HEADER = "header"
    QUERY = "query"


@dataclass(frozen=True, slots=True)
class Auth:
    """Credentials kept apart from headers so they can be masked, referenced and exported
    per kind. Values are templates: `{{env.API_TOKEN}}` rather than the token itself."""

    kind: AuthKind = AuthKind.NONE
    token: str = ""  # bearer token, or the API key's value
    username: str = ""  # basic
    password: str = ""  # basic
    key_name: str = ""  # API key: header or query parameter name
    location: ApiKeyLocation = ApiKeyLocation.HEADER


class BodyKind(StrEnum):
    NONE = "none"
    RAW = "raw"  # `body` sent as is (Content-Type from the headers)
    JSON = "json"  # `body` is JSON text; Content-Type defaults to application/json
    FORM = "form"  # `form` fields, application/x-www-form-urlencoded
    MULTIPART = "multipart"  # `form` fields and files, multipart/form-data


@dataclass(frozen=True, slots=True)
class FormField:
    """A form or multipart field; with `file` set it uploads that file's bytes."""

    name: str
    value: str = ""
    file: str = ""  # path of a file to upload (multipart only)
    filename: str = ""  # filename sent in the part; defaults to the file's base name
    content_type: str = ""
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class RequestOptions:
    """Per-request transport options. Defaults are what a debugging user wants: verify TLS,
    follow redirects (so the chain is recorded), a generous but finite timeout."""

    timeout: float = 30.0  # seconds, for the whole exchange
    connect_timeout: float | None = None  # seconds; None: same as `timeout`
    follow_redirects: bool = True
    max_redirects: int = 10
    verify: bool = True
    ca_bundle: str = ""  # path to a PEM bundle; "" = system/certifi defaults
    client_cert: str = ""  # path to a PEM certificate (may include the key)
    client_key: str = ""  # path to the PEM key when not inside `client_cert`
    proxy: str = ""
    http2: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES


@dataclass(frozen=True, slots=True)
class Expectation:
    """One check replay makes on a response.

    target: "status" | "header" | "body" | "json" | "duration_ms"
    op:     "equals" | "in" | "matches" | "contains" | "absent" | "max"
    key:    the header name or JSON path the target needs ("" otherwise)
    value:  the expected value as text ("2xx", "200,201", a regex, a JSON literal ...)
    """

    target: str
    op: str
    value: str = ""
    key: str = ""


@dataclass(frozen=True, slots=True)
class Capture:
    """Take a value from a response into a variable, so a login token flows onward.

    source: "json" (JSON pointer/path in `expr`) | "header" (name in `expr`)
            | "regex" (over the body)
    """

    variable: str
    source: str
    expr: str
    secret: bool = False


@dataclass(frozen=True, slots=True)
class Request:
    """A request as the user edits and saves it: unexpanded, secrets referenced not inlined."""

    name: str = "request"
    method: str = "GET"
    url: str = ""
    headers: tuple[Header, ...] = ()
    body_kind: BodyKind = BodyKind.NONE
    body: str = ""
    form: tuple[FormField, ...] = ()
    auth: Auth = field(default_factory=Auth)
    options: RequestOptions = field(default_factory=RequestOptions)
    expect: tuple[Expectation, ...] = ()
    captures: tuple[Capture, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class Variable:
    """A session variable. A secret one is never written to disk: its value comes from the
    environment, an env file or the user at run time."""

    name: str
    value: str = ""
    secret: bool = False


# --- what happened -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SentRequest:
    """The request exactly as it went on the wire (after expansion, auth and redirects):
    the first hop's request line and headers, like `curl -v` prints them."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()  # in order, duplicates kept
    body: bytes = b""
    http_version: str = "HTTP/1.1"

    @property
    def target(self) -> str:
        """The request target of the request line (path and query). The authority is cut off
        first: a masked password (`user:[redacted]@host`) is not a valid IPv6 host to urllib."""
        from urllib.parse import urlsplit

        _, sep, rest = self.url.partition("://")
        cut = min((i for i in map(rest.find, "/?#") if i != -1), default=len(rest))
        parts = urlsplit(rest[cut:] if sep else self.url)
        path = parts.path or "/"
        return f"{path}?{parts.query}" if parts.query else path

    @property
    def request_line(self) -> str:
        return f"{self.method} {self.target} {self.http_version}"


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    reason: str = ""
    http_version: str = "HTTP/1.1"
    headers: tuple[tuple[str, str], ...] = ()  # in order, duplicates kept
    body: bytes = b""
    text: str = ""  # decoded body; "" when binary
    charset: str = ""  # the charset used to decode `text` ("" when binary)
    is_binary: bool = False
    truncated: bool = False  # the body exceeded max_body_bytes; `body` holds the first part
    size: int = 0  # bytes received on the wire for the body (decoded), >= len(body)

    def header(self, name: str) -> str | None:
        """The first value of a header, case-insensitively."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def header_values(self, name: str) -> list[str]:
        lname = name.lower()
        return [value for key, value in self.headers if key.lower() == lname]


class ErrorKind(StrEnum):
    INVALID_URL = "invalid_url"
    DNS = "dns"
    CONNECT_REFUSED = "connect_refused"
    CONNECT_ERROR = "connect_error"
    CONNECT_TIMEOUT = "connect_timeout"
    READ_TIMEOUT = "read_timeout"
    WRITE_TIMEOUT = "write_timeout"
    POOL_TIMEOUT = "pool_timeout"
    TOTAL_TIMEOUT = "total_timeout"
    TLS = "tls"
    PROTOCOL = "protocol"
    PROXY = "proxy"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    REQUEST_BODY = "request_body"  # e.g. a multipart file that cannot be read
    INVALID_REQUEST = "invalid_request"  # a method or header that cannot go on the wire
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class TransportError:
    """Why no response arrived: a kind to branch on and one line for a person."""

    kind: ErrorKind
    message: str
    detail: str = (
        ""  # e.g. the TLS reason: "expired", "self_signed", "unknown_ca", "hostname_mismatch"
    )


@dataclass(frozen=True, slots=True)
class Timings:
    """Phases in milliseconds, from httpcore's trace hooks. None: the phase did not happen
    or cannot be measured honestly (a reused connection has no connect or TLS phase)."""

    dns_ms: float | None = None
    connect_ms: float | None = None  # TCP connect (includes DNS when dns_ms is None)
    tls_ms: float | None = None
    send_ms: float | None = None  # writing request headers and body
    wait_ms: float | None = None  # request sent -> first byte of the response (TTFB)
    receive_ms: float | None = None  # response body download
    total_ms: float = 0.0
    reused_connection: bool = False


@dataclass(frozen=True, slots=True)
class RedirectHop:
    """One response that redirected, and what the client changed when following it."""

    method: str
    url: str
    status: int
    location: str
    dropped_headers: tuple[str, ...] = ()  # request headers not sent on the next hop
    next_method: str = ""  # method of the next hop (GET after a 303, or a 301/302 to a POST)
    next_url: str = ""  # `location` resolved against `url`


@dataclass(frozen=True, slots=True)
class TlsInfo:
    version: str = ""
    cipher: str = ""
    peer_subject: str = ""
    peer_issuer: str = ""
    peer_not_before: str = ""
    peer_not_after: str = ""
    peer_san: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Exchange:
    """One send: what went out, what came back (or why nothing did), and how long it took."""

    request: SentRequest
    response: Response | None = None
    error: TransportError | None = None
    timings: Timings = field(default_factory=Timings)
    redirects: tuple[RedirectHop, ...] = ()
    tls: TlsInfo | None = None
    started_at: datetime | None = None  # local clock (timezone-aware UTC) when sending began
    request_name: str = ""  # which session request produced it

    @property
    def status(self) -> int | None:
        return self.response.status if self.response is not None else None


@dataclass(frozen=True, slots=True)
class Session:
    """A saved reproduction: variables, ordered requests, and optionally the recorded
    exchanges (redacted) that replay compares against."""

    name: str = "session"
    variables: tuple[Variable, ...] = ()
    requests: tuple[Request, ...] = ()
    history: tuple[Exchange, ...] = ()
    ignore: tuple[str, ...] = ()  # replay: JSON paths / header names whose changes do not count


# --- what the diagnosis concluded ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FixAction:
    """A fix that is a change to the request, so the UI ("try it") and probes can apply it.

    kind: "set_header" | "remove_header" | "set_method" | "use_https" | "set_user_agent"
          | "remove_query_param" | "set_query_param" | "fetch_csrf" | "wait" | "preflight"
    """

    kind: str
    name: str = ""
    value: str = ""


@dataclass(frozen=True, slots=True)
class Fix:
    text: str
    action: FixAction | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One likely cause of a refusal, with the evidence that points to it."""

    cause: str  # an id from causes.toml
    title: str
    score: float  # 0..1, how sure
    evidence: tuple[str, ...] = ()
    fixes: tuple[Fix, ...] = ()
    rule_id: str = ""
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RuledOut:
    cause: str
    reason: str


@dataclass(frozen=True, slots=True)
class Diagnosis:
    findings: tuple[Finding, ...] = ()
    ruled_out: tuple[RuledOut, ...] = ()
