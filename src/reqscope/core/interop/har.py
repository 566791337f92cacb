"""HAR 1.2 files (what Chrome's and Firefox's devtools export) to and from exchanges.

Reading is strict about the fields it needs and lenient about the rest, because real exports
differ: Chrome leaves out bodies it did not keep, Firefox writes `params` where Chrome writes
`text`, and both add `_`-prefixed extensions (ignored here). Every error names the field as a
path (`log.entries[3].response.status`), so a user can find it in a file of megabytes.

Redirects are not reconstructed: a HAR lists each hop as its own entry, and reading keeps them
as separate exchanges. Writing gives one entry per exchange (its first request and its final
response), with the redirect chain in the entry's `comment`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from reqscope import __version__
from reqscope.core.errors import InteropError
from reqscope.core.interop.templates import escape_literal
from reqscope.core.model import (
    BodyKind,
    ErrorKind,
    Exchange,
    Header,
    Request,
    Response,
    SentRequest,
    Timings,
    TransportError,
)
from reqscope.core.redact import Redactor

HarSource = str | Path | bytes

# Content types whose bodies are text even without a charset parameter, and ones that never are.
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")
_TEXT_SUFFIXES = ("+json", "+xml")
_BINARY_TYPES = (
    "image/",
    "audio/",
    "video/",
    "font/",
    "application/octet-stream",
    "application/pdf",
    "application/zip",
    "application/gzip",
    "application/wasm",
)


def read_har_exchanges(source: HarSource) -> list[Exchange]:
    """Every entry of a HAR, in file order, as an Exchange.

    `source` is a path (str or Path) or the HAR itself (bytes, or a str starting with `{`).
    """
    label, document = _load(source)
    try:
        return _exchanges(document)
    except InteropError as exc:
        raise InteropError(f"{label}: {exc}") from None


# --- loading ------------------------------------------------------------------------------


def _load(source: HarSource) -> tuple[str, Any]:
    if isinstance(source, bytes):
        return "HAR", _parse_json(source, "HAR")
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return "HAR", _parse_json(source, "HAR")
    path = Path(source)
    label = str(path)
    try:
        with path.open("rb") as handle:
            # json.load on the file object: the file is read once, however big it is.
            return label, _parse_json(handle, label)
    except FileNotFoundError:
        raise InteropError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise InteropError(f"{label}: is a directory, not a HAR file") from None
    except PermissionError:
        raise InteropError(f"{label}: permission denied") from None
    except OSError as exc:
        raise InteropError(f"{label}: cannot read: {exc.strerror or exc}") from None


def _parse_json(data: Any, label: str) -> Any:
    try:
        if isinstance(data, (str, bytes)):
            return json.loads(data)
        return json.load(data)
    except UnicodeDecodeError:
        raise InteropError(f"{label}: not a HAR file (binary data, not UTF-8 JSON)") from None
    except json.JSONDecodeError as exc:
        if exc.pos >= len(exc.doc.rstrip()):
            raise InteropError(
                f"{label}: truncated JSON (the file ends at line {exc.lineno}); "
                "export the HAR again"
            ) from None
        raise InteropError(
            f"{label}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}; not a HAR file?"
        ) from None
    except RecursionError:
        raise InteropError(f"{label}: JSON nested too deeply; not a HAR file") from None


# --- typed field access, each failure naming its path ----------------------------------------


def _expect_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InteropError(f"{where}: expected an object, found {_kind(value)}")
    return value


def _expect_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InteropError(f"{where}: expected a list, found {_kind(value)}")
    return value


def _required(obj: dict[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise InteropError(f"{where}.{key}: missing" if where else f"{key}: missing")
    return obj[key]


def _string(obj: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    """A string field; with a default it may be absent or null."""
    if default is not None and obj.get(key) is None:
        return default
    value = _required(obj, key, where)
    if not isinstance(value, str):
        raise InteropError(f"{where}.{key}: expected a string, found {_kind(value)}")
    return value


def _number(obj: dict[str, Any], key: str, where: str, *, required: bool = False) -> float | None:
    """A number field; None when absent, null or -1 (HAR's "does not apply")."""
    value = _required(obj, key, where) if required else obj.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InteropError(f"{where}.{key}: expected a number, found {_kind(value)}")
    if value < 0 and not required:
        return None
    return float(value)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


# --- entries -------------------------------------------------------------------------------


def _exchanges(document: Any) -> list[Exchange]:
    root = _expect_object(document, "the top level")
    log = _expect_object(_required(root, "log", ""), "log")
    entries = _expect_list(_required(log, "entries", "log"), "log.entries")
    return [_exchange(entry, f"log.entries[{i}]") for i, entry in enumerate(entries)]


def _exchange(raw: Any, where: str) -> Exchange:
    entry = _expect_object(raw, where)
    request = _sent_request(_required(entry, "request", where), f"{where}.request")
    response_raw = _expect_object(_required(entry, "response", where), f"{where}.response")
    status = _number(response_raw, "status", f"{where}.response", required=True)
    response: Response | None = None
    error: TransportError | None = None
    if status is not None and status >= 100:
        response = _response(response_raw, int(status), f"{where}.response")
    else:
        # Chrome records blocked and failed requests with status 0 and no response.
        reason = response_raw.get("_error")
        if not isinstance(reason, str) or not reason:
            reason = "no response was recorded"
        error = TransportError(ErrorKind.OTHER, reason)
    return Exchange(
        request=request,
        response=response,
        error=error,
        timings=_timings(entry, where),
        started_at=_started_at(entry, where),
    )


def _sent_request(raw: Any, where: str) -> SentRequest:
    request = _expect_object(raw, where)
    method = _string(request, "method", where)
    url = _string(request, "url", where)
    headers = _headers(request, where)
    if not any(name.lower() == "cookie" for name, _ in headers):
        cookie = _cookie_header(request, where)
        if cookie:
            headers = (*headers, ("Cookie", cookie))
    return SentRequest(
        method=method,
        url=url,
        headers=headers,
        body=_post_body(request, where),
        http_version=_http_version(_string(request, "httpVersion", where, default="")),
    )


def _headers(obj: dict[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    """Name/value pairs in order with duplicates; HTTP/2 pseudo-headers (`:authority` ...)
    are dropped because the method, URL and status already say what they say."""
    raw = obj.get("headers")
    if raw is None:
        return ()
    items = _expect_list(raw, f"{where}.headers")
    pairs: list[tuple[str, str]] = []
    for i, item in enumerate(items):
        at = f"{where}.headers[{i}]"
        header = _expect_object(item, at)
        name = _string(header, "name", at)
        value = _string(header, "value", at)
        if not name.startswith(":"):
            pairs.append((name, value))
    return tuple(pairs)


def _cookie_header(request: dict[str, Any], where: str) -> str:
    raw = request.get("cookies")
    if raw is None:
        return ""
    parts = []
    for i, item in enumerate(_expect_list(raw, f"{where}.cookies")):
        at = f"{where}.cookies[{i}]"
        cookie = _expect_object(item, at)
        parts.append(f"{_string(cookie, 'name', at)}={_string(cookie, 'value', at)}")
    return "; ".join(parts)


def _post_body(request: dict[str, Any], where: str) -> bytes:
    raw = request.get("postData")
    if raw is None:
        return b""
    at = f"{where}.postData"
    post = _expect_object(raw, at)
    text = _string(post, "text", at, default="")
    if text:
        if post.get("encoding") == "base64":  # not in HAR 1.2, but some tools write it
            return _base64(text, f"{at}.text")
        return text.encode("utf-8", "surrogateescape")
    params = post.get("params")
    if params is None:
        return b""
    pairs = []
    for i, item in enumerate(_expect_list(params, f"{at}.params")):
        pat = f"{at}.params[{i}]"
        param = _expect_object(item, pat)
        pairs.append((_string(param, "name", pat), _string(param, "value", pat, default="")))
    return urlencode(pairs).encode("ascii")


def _response(raw: dict[str, Any], status: int, where: str) -> Response:
    headers = _headers(raw, where)
    content = _expect_object(raw.get("content") or {}, f"{where}.content")
    mime_type = _string(content, "mimeType", f"{where}.content", default="")
    declared = _charset(mime_type)
    text = _string(content, "text", f"{where}.content", default="")
    if content.get("encoding") == "base64":
        body = _base64(text, f"{where}.content.text")
        decoded = _decode(body, mime_type, declared)
    else:
        body = _encode(text, declared)
        decoded = (text, declared or "utf-8") if _looks_textual(mime_type, text) else None
    size = _number(content, "size", f"{where}.content")
    byte_size = max(len(body), int(size) if size is not None else 0)
    return Response(
        status=status,
        reason=_string(raw, "statusText", where, default=""),
        http_version=_http_version(_string(raw, "httpVersion", where, default="")),
        headers=headers,
        body=body,
        text=decoded[0] if decoded else "",
        charset=decoded[1] if decoded else "",
        is_binary=decoded is None,
        truncated=byte_size > len(body),
        size=byte_size,
    )


def _base64(text: str, where: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InteropError(f"{where}: invalid base64") from None


def _charset(mime_type: str) -> str:
    for param in mime_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return ""


def _codec(charset: str) -> str:
    """The charset if Python knows it, else UTF-8 (a HAR's text is already Unicode)."""
    if not charset:
        return "utf-8"
    try:
        "".encode(charset)
    except LookupError:
        return "utf-8"
    return charset


def _encode(text: str, charset: str) -> bytes:
    try:
        return text.encode(_codec(charset))
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


def _base_type(mime_type: str) -> str:
    return mime_type.partition(";")[0]


def _is_text_type(mime_type: str) -> bool:
    base = _base_type(mime_type).strip().lower()
    return base.startswith(_TEXT_TYPES) or base.endswith(_TEXT_SUFFIXES)


def _is_binary_type(mime_type: str) -> bool:
    base = _base_type(mime_type).strip().lower()
    return base.startswith(_BINARY_TYPES) and not _is_text_type(mime_type)


def _looks_textual(mime_type: str, text: str) -> bool:
    if _is_text_type(mime_type) or _charset(mime_type):
        return True
    return not _is_binary_type(mime_type) and "\x00" not in text


def _decode(body: bytes, mime_type: str, charset: str) -> tuple[str, str] | None:
    """(text, charset) when the bytes are text, None when they are binary."""
    textual = _is_text_type(mime_type) or bool(charset)
    if not textual and (_is_binary_type(mime_type) or b"\x00" in body):
        return None
    codec = _codec(charset)
    try:
        return body.decode(codec), codec
    except UnicodeDecodeError:
        return None


def _http_version(raw: str) -> str:
    """Chrome writes `h2`, `http/2.0` or `HTTP/1.1`; the engine's spelling is `HTTP/2`."""
    lowered = raw.strip().lower()
    if lowered in ("h2", "http/2", "http/2.0", "h2c"):
        return "HTTP/2"
    if lowered in ("h3", "http/3", "http/3.0") or lowered.startswith("h3-"):
        return "HTTP/3"
    if lowered in ("http/1.0", "http/0.9"):
        return lowered.upper()
    return "HTTP/1.1"


def _timings(entry: dict[str, Any], where: str) -> Timings:
    raw = entry.get("timings")
    at = f"{where}.timings"
    phases = _expect_object(raw, at) if raw is not None else {}
    connect = _number(phases, "connect", at)
    ssl = _number(phases, "ssl", at)
    if connect is not None and ssl is not None:
        # HAR counts the TLS handshake inside `connect`; ours are separate phases.
        connect = max(connect - ssl, 0.0)
    total = _number(entry, "time", where)
    return Timings(
        dns_ms=_number(phases, "dns", at),
        connect_ms=connect,
        tls_ms=ssl,
        send_ms=_number(phases, "send", at),
        wait_ms=_number(phases, "wait", at),
        receive_ms=_number(phases, "receive", at),
        total_ms=total if total is not None else 0.0,
    )


def _started_at(entry: dict[str, Any], where: str) -> datetime | None:
    raw = entry.get("startedDateTime")
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InteropError(f"{where}.startedDateTime: expected a string, found {_kind(raw)}")
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InteropError(
            f"{where}.startedDateTime: {raw[:40]!r} is not an ISO 8601 date"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# --- exchanges to session requests ---------------------------------------------------------

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


def request_from_exchange(exchange: Exchange) -> Request:
    """The session request that sends again what a recorded exchange sent. Values become
    template text (a literal `{{` is escaped), the body is RAW, or JSON for a JSON type."""
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
    )


# --- writing -------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_har(
    exchanges: Sequence[Exchange],
    *,
    include_secrets: bool = False,
    redactor: Redactor | None = None,
) -> dict[str, Any]:
    """A HAR 1.2 document of the exchanges, redacted (by header name and by known secret
    value) unless `include_secrets`. An exchange without a start time gets the epoch, since
    `startedDateTime` is required and inventing "now" would make exports differ run to run."""
    masker = redactor if redactor is not None else Redactor()
    entries = []
    for exchange in exchanges:
        shown = exchange if include_secrets else masker.exchange(exchange)
        entries.append(_entry(shown))
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "reqscope", "version": __version__},
            "entries": entries,
        }
    }


def _entry(exchange: Exchange) -> dict[str, Any]:
    started = (exchange.started_at or _EPOCH).astimezone(UTC)
    entry: dict[str, Any] = {
        "startedDateTime": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "time": exchange.timings.total_ms,
        "request": _har_request(exchange.request),
        "response": _har_response(exchange),
        "cache": {},
        "timings": _har_timings(exchange),
    }
    if exchange.redirects:
        chain = " -> ".join(f"{hop.status} {hop.url}" for hop in exchange.redirects)
        entry["comment"] = f"followed redirects: {chain}"
    return entry


def _pairs(headers: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in headers]


def _har_request(sent: SentRequest) -> dict[str, Any]:
    cookies = []
    for name, value in sent.headers:
        if name.lower() == "cookie":
            for pair in value.split(";"):
                key, _, cookie_value = pair.strip().partition("=")
                if key:
                    cookies.append({"name": key, "value": cookie_value})
    try:
        query = parse_qsl(urlsplit(sent.url).query, keep_blank_values=True)
    except ValueError:
        query = []
    request: dict[str, Any] = {
        "method": sent.method,
        "url": sent.url,
        "httpVersion": sent.http_version,
        "cookies": cookies,
        "headers": _pairs(sent.headers),
        "queryString": [{"name": k, "value": v} for k, v in query],
        "headersSize": -1,
        "bodySize": len(sent.body),
    }
    if sent.body:
        mime = next((v for k, v in sent.headers if k.lower() == "content-type"), "")
        post: dict[str, Any] = {"mimeType": mime}
        try:
            post["text"] = sent.body.decode("utf-8")
        except UnicodeDecodeError:
            post["text"] = base64.b64encode(sent.body).decode("ascii")
            post["encoding"] = "base64"  # not in HAR 1.2; our reader and others accept it
        request["postData"] = post
    return request


def _har_response(exchange: Exchange) -> dict[str, Any]:
    response = exchange.response
    if response is None:
        message = exchange.error.message if exchange.error else ""
        return {
            "status": 0,
            "statusText": "",
            "httpVersion": "",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_error": message,
        }
    mime = response.header("content-type") or ""
    content: dict[str, Any] = {"size": response.size or len(response.body), "mimeType": mime}
    if response.is_binary:
        content["text"] = base64.b64encode(response.body).decode("ascii")
        content["encoding"] = "base64"
    elif response.body:
        content["text"] = response.text
    return {
        "status": response.status,
        "statusText": response.reason,
        "httpVersion": response.http_version,
        "cookies": [],
        "headers": _pairs(response.headers),
        "content": content,
        "redirectURL": response.header("location") or "",
        "headersSize": -1,
        "bodySize": len(response.body),
    }


def _har_timings(exchange: Exchange) -> dict[str, float]:
    timings = exchange.timings

    def ms(value: float | None) -> float:
        return -1 if value is None else value

    connect = timings.connect_ms
    if connect is not None and timings.tls_ms is not None:
        connect += timings.tls_ms  # HAR counts the TLS handshake inside `connect`
    return {
        "blocked": -1,
        "dns": ms(timings.dns_ms),
        "connect": ms(connect),
        "ssl": ms(timings.tls_ms),
        "send": max(ms(timings.send_ms), 0),
        "wait": max(ms(timings.wait_ms), 0),
        "receive": max(ms(timings.receive_ms), 0),
    }
