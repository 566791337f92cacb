"""What goes on the wire for a Request: the step between the model and the HTTP library.

Kept pure (no network, no httpx) so the rules a user must be able to predict — which header
wins, how auth is applied, how a form is encoded — are testable on their own and shared by
the engine and the exporters. The input is an *expanded* Request: no `{{...}}` left.

Rules:
- Enabled headers go out in the order written, duplicates kept, values stripped.
- Auth is added after the headers unless the user already set that header (an explicit
  header wins, as with curl's `-H` over `-u`).
- The body follows `body_kind`; a JSON/form/multipart body gets its Content-Type unless the
  user set one. Body text is encoded as UTF-8 with `surrogateescape`, so bytes read from a
  binary file as `bytes.decode("utf-8", "surrogateescape")` go out unchanged.
- `User-Agent: reqscope/<version>` is added only when the user set none.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from reqscope import __version__
from reqscope.core.errors import ReqscopeError
from reqscope.core.model import (
    ApiKeyLocation,
    AuthKind,
    BodyKind,
    ErrorKind,
    FormField,
    Request,
)

DEFAULT_USER_AGENT = f"reqscope/{__version__}"
# The longest timeout accepted (seconds): a day. Longer ones (inf, 1e300) overflow a socket's
# timeout and help nobody; the session reader, the curl importer and the CLI refuse them.
MAX_TIMEOUT = 86400.0
SUPPORTED_SCHEMES = ("http", "https")

# RFC 9110 token: what a method or header name may contain.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# RFC 9110 field values: no control character but tab. CR and LF would end the header line
# and start another one (header injection), so they are named apart.
_LINE_BREAK = re.compile(r"[\r\n]")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# Bytes that are not UTF-8, read from argv or a file with `surrogateescape`.
_NOT_TEXT = re.compile("[\ud800-\udfff]")


class WireError(ReqscopeError):
    """The request cannot be put on the wire; `kind` says which part is wrong."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class WireRequest:
    """A request ready for the HTTP library: final URL, header lines and body bytes.

    The library adds the connection-level headers (Host, Content-Length, Accept-Encoding ...);
    the engine records what it actually sent.
    """

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None


def to_wire(request: Request, *, user_agent: str = DEFAULT_USER_AGENT) -> WireRequest:
    """Apply headers, auth and body rules to an expanded request. Raises WireError."""
    method = check_method(request.method)
    url = check_url(request.url)
    headers = [_check_header(h.name, h.value) for h in request.headers if h.enabled]
    try:
        url = _apply_auth(request, url, headers)
        body = _encode_body(request, headers)
    except UnicodeEncodeError as exc:
        # Whatever part was not caught by name above (an auth field, a form field's name):
        # text holding bytes that are not UTF-8 cannot be encoded for the wire.
        raise WireError(
            ErrorKind.INVALID_REQUEST,
            f"the request holds bytes that are not UTF-8 text ({_described(exc)}); "
            "write that part as text",
        ) from None
    if not _has(headers, "User-Agent") and user_agent:
        headers.append(("User-Agent", user_agent))
    return WireRequest(method, url, tuple(headers), body)


def check_method(method: str) -> str:
    method = method.strip()
    if not method:
        return "GET"
    if not _TOKEN.fullmatch(method):
        raise WireError(
            ErrorKind.INVALID_REQUEST,
            f"invalid HTTP method {method!r}: a method is one word of letters, digits "
            "and !#$%&'*+-.^_`|~",
        )
    return method


def check_url(url: str) -> str:
    """The URL stripped of surrounding blanks, or WireError(INVALID_URL) saying what is wrong."""
    return _checked_url(url)


@lru_cache(maxsize=256)
def _checked_url(url: str) -> str:
    # Cached: a session resends the same URLs, and parsing was a measurable part of the
    # engine's per-request overhead. Errors are raised again each time (never cached).
    url = url.strip()
    if not url:
        raise WireError(ErrorKind.INVALID_URL, "the URL is empty")
    raw = _NOT_TEXT.search(url)
    if raw:
        raise WireError(
            ErrorKind.INVALID_URL,
            f"the URL holds a byte that is not UTF-8 text ({_byte(raw.group())} at position "
            f"{raw.start()}); percent-encode it",
        )
    blank = re.search(r"\s", url)
    if blank:
        raise WireError(
            ErrorKind.INVALID_URL,
            f"the URL contains whitespace at position {blank.start()}; encode a space as %20",
        )
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise WireError(ErrorKind.INVALID_URL, f"invalid URL {url!r}: {exc}") from None
    if not parts.scheme or "://" not in url:
        raise WireError(
            ErrorKind.INVALID_URL, f"the URL has no scheme; did you mean http://{url} ?"
        )
    if parts.scheme.lower() not in SUPPORTED_SCHEMES:
        raise WireError(
            ErrorKind.INVALID_URL,
            f"unsupported URL scheme {parts.scheme!r}; reqscope speaks http and https",
        )
    if not parts.hostname:
        raise WireError(ErrorKind.INVALID_URL, f"the URL has no host: {url}")
    try:
        port = parts.port
    except ValueError:
        port_text = parts.netloc.rpartition(":")[2]
        raise WireError(
            ErrorKind.INVALID_URL, f"invalid port {port_text!r} in URL (1-65535)"
        ) from None
    if port == 0:
        raise WireError(ErrorKind.INVALID_URL, "invalid port 0 in URL (1-65535)")
    return url


def with_query_param(url: str, name: str, value: str) -> str:
    """The URL with `name=value` appended to its query (existing parameters kept)."""
    parts = urlsplit(url)
    extra = urlencode([(name, value)], quote_via=quote)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _check_header(name: str, value: str) -> tuple[str, str]:
    """The header as it goes out, or WireError(INVALID_REQUEST) saying what is wrong: httpx
    would otherwise raise from deep inside (UnicodeEncodeError) or send a second header
    smuggled in after a line break."""
    name = name.strip()
    if not name:
        raise WireError(ErrorKind.INVALID_REQUEST, "a header has an empty name")
    if not _TOKEN.fullmatch(name):
        raise WireError(
            ErrorKind.INVALID_REQUEST,
            f"invalid header name {name!r}: a name is one word of letters, digits and "
            "!#$%&'*+-.^_`|~ (no spaces or colons)",
        )
    if _LINE_BREAK.search(value):
        raise WireError(
            ErrorKind.INVALID_REQUEST,
            f"header {name!r} contains a line break; a header value is one line "
            "(a line break would inject another header)",
        )
    control = _CONTROL.search(value)
    if control:
        raise WireError(
            ErrorKind.INVALID_REQUEST,
            f"header {name!r} contains the control character {control.group()!r} at "
            f"position {control.start()}; a header value is printable text",
        )
    raw = _NOT_TEXT.search(value)
    if raw:
        raise WireError(
            ErrorKind.INVALID_REQUEST,
            f"header {name!r} holds a byte that is not UTF-8 text ({_byte(raw.group())} at "
            f"position {raw.start()}); a header value must be text",
        )
    return name, value.strip()


def _byte(char: str) -> str:
    """`\\xff` for a byte kept as a surrogate by `surrogateescape`, `U+D800` otherwise."""
    code = ord(char)
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"


def _described(exc: UnicodeEncodeError) -> str:
    return f"{_byte(exc.object[exc.start])} at position {exc.start}"


def _has(headers: list[tuple[str, str]], name: str) -> bool:
    lname = name.lower()
    return any(key.lower() == lname for key, _ in headers)


def _apply_auth(request: Request, url: str, headers: list[tuple[str, str]]) -> str:
    auth = request.auth
    if auth.kind is AuthKind.BEARER:
        if not _has(headers, "Authorization"):
            headers.append(_check_header("Authorization", f"Bearer {auth.token}"))
    elif auth.kind is AuthKind.BASIC:
        if not _has(headers, "Authorization"):
            for what, text in (("username", auth.username), ("password", auth.password)):
                raw = _NOT_TEXT.search(text)
                if raw:
                    raise WireError(
                        ErrorKind.INVALID_REQUEST,
                        f"the basic auth {what} holds a byte that is not UTF-8 text "
                        f"({_byte(raw.group())} at position {raw.start()})",
                    )
            pair = f"{auth.username}:{auth.password}".encode()
            headers.append(("Authorization", "Basic " + base64.b64encode(pair).decode("ascii")))
    elif auth.kind is AuthKind.API_KEY:
        if not auth.key_name.strip():
            raise WireError(ErrorKind.INVALID_REQUEST, "API key auth needs a key name")
        if auth.location is ApiKeyLocation.QUERY:
            return with_query_param(url, auth.key_name.strip(), auth.token)
        if not _has(headers, auth.key_name.strip()):
            headers.append(_check_header(auth.key_name, auth.token))
    return url


def _encode_body(request: Request, headers: list[tuple[str, str]]) -> bytes:
    kind = request.body_kind
    if kind is BodyKind.NONE:
        return b""
    if kind is BodyKind.RAW:
        return _body_bytes(request.body)
    if kind is BodyKind.JSON:
        if not _has(headers, "Content-Type"):
            headers.append(("Content-Type", "application/json"))
        return _body_bytes(request.body)
    fields = [f for f in request.form if f.enabled]
    if kind is BodyKind.FORM:
        for form_field in fields:
            if form_field.file:
                raise WireError(
                    ErrorKind.REQUEST_BODY,
                    f"form field {form_field.name!r} names a file; use a multipart body to "
                    "upload files",
                )
        if not _has(headers, "Content-Type"):
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        pairs = [(f.name, f.value.encode("utf-8", "surrogateescape")) for f in fields]
        return urlencode(pairs).encode("ascii")
    return _encode_multipart(fields, headers)


def _body_bytes(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as exc:  # a lone surrogate that stands for no byte
        raise WireError(
            ErrorKind.REQUEST_BODY,
            f"the body holds {_described(exc)}, which is neither text nor a byte",
        ) from None


def _encode_multipart(fields: list[FormField], headers: list[tuple[str, str]]) -> bytes:
    """multipart/form-data with a boundary derived from the content, so the same request
    gives the same bytes (stable diffs and recordings)."""
    parts = [_multipart_part(f) for f in fields]
    digest = hashlib.sha256(b"".join(parts)).hexdigest()
    boundary = f"reqscope-{digest[:32]}"
    while any(boundary.encode() in part for part in parts):
        boundary += "x"
    delimiter = f"--{boundary}\r\n".encode()
    body = b"".join(delimiter + part + b"\r\n" for part in parts) + f"--{boundary}--\r\n".encode()
    content_type = f"multipart/form-data; boundary={boundary}"
    for index, (name, _) in enumerate(headers):
        if name.lower() == "content-type":
            # A hand-written multipart Content-Type cannot know our boundary: replace it.
            headers[index] = (name, content_type)
            break
    else:
        headers.append(("Content-Type", content_type))
    return body


def _multipart_part(form_field: FormField) -> bytes:
    disposition = f'form-data; name="{_quote_param(form_field.name)}"'
    if not form_field.file:
        head = f"Content-Disposition: {disposition}\r\n"
        if form_field.content_type:
            head += f"Content-Type: {form_field.content_type}\r\n"
        return head.encode() + b"\r\n" + form_field.value.encode("utf-8", "surrogateescape")
    path = Path(form_field.file).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise WireError(
            ErrorKind.REQUEST_BODY,
            f"cannot read file {form_field.file!r} for multipart field "
            f"{form_field.name!r}: {reason}",
        ) from None
    filename = form_field.filename or path.name
    content_type = (
        form_field.content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    )
    head = (
        f'Content-Disposition: {disposition}; filename="{_quote_param(filename)}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    )
    return head.encode() + data


def _quote_param(value: str) -> str:
    """Escape a multipart parameter the way browsers do (HTML spec: %22, %0D, %0A)."""
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
