"""HAR 1.2 files (what Chrome's and Firefox's devtools export) read as exchanges.

Reading is strict about the fields it needs and lenient about the rest, because real exports
differ: Chrome leaves out bodies it did not keep, Firefox writes `params` where Chrome writes
`text`, and both add `_`-prefixed extensions (ignored here). Every error names the field as a
path (`log.entries[3].response.status`), so a user can find it in a file of megabytes. The
file is streamed (har_stream.py): entries are read and converted one at a time.

Redirects are not reconstructed: a HAR lists each hop as its own entry, and reading keeps them
as separate exchanges. Writing is har_export.py; exchanges to session requests, har_session.py.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

from reqscope.core.errors import InteropError
from reqscope.core.interop.har_stream import iter_har_entries, kind_of
from reqscope.core.model import (
    ErrorKind,
    Exchange,
    Response,
    SentRequest,
    Timings,
    TransportError,
)
from reqscope.core.textdecode import text_codec

HarSource = str | Path | bytes | IO[bytes]

_SURROGATE = re.compile("[\ud800-\udfff]")

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


def read_har_exchanges(source: HarSource, *, warnings: list[str] | None = None) -> list[Exchange]:
    """Every entry of a HAR, in file order, as an Exchange (see iter_har_exchanges)."""
    return list(iter_har_exchanges(source, warnings=warnings))


def iter_har_exchanges(
    source: HarSource, *, warnings: list[str] | None = None
) -> Iterator[Exchange]:
    """Each entry of a HAR as an Exchange, read from the file as it is needed.

    `source` is a path (str or Path), the HAR itself (bytes, or a str starting with `{`), or
    a binary stream (stdin). What the HAR does not hold (a request body it did not record) is
    appended to `warnings`. Raises InteropError naming the file and the field or line.
    """
    if isinstance(source, bytes):
        yield from _from_stream(io.BytesIO(source), "HAR", warnings)
    elif isinstance(source, str) and source.lstrip().startswith("{"):
        yield from _from_stream(
            io.BytesIO(source.encode("utf-8", "surrogatepass")), "HAR", warnings
        )
    elif isinstance(source, (str, Path)):
        path = Path(source)
        label = str(path)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise InteropError(f"{label}: no such file") from None
        except IsADirectoryError:
            raise InteropError(f"{label}: is a directory, not a HAR file") from None
        except PermissionError:
            raise InteropError(f"{label}: permission denied") from None
        except OSError as exc:
            raise InteropError(f"{label}: cannot read: {exc.strerror or exc}") from None
        with handle:
            yield from _from_stream(handle, label, warnings)
    else:
        yield from _from_stream(source, "stdin", warnings)


def _from_stream(stream: IO[bytes], label: str, warnings: list[str] | None) -> Iterator[Exchange]:
    unrecorded: list[str] = []
    try:
        for index, entry in enumerate(iter_har_entries(stream, label)):
            where = f"log.entries[{index}]"
            exchange = _exchange(entry, where)
            if _body_not_recorded(entry, exchange):
                unrecorded.append(where)
            yield exchange
    except InteropError as exc:
        message = str(exc)
        if message.startswith(f"{label}:"):
            raise
        raise InteropError(f"{label}: {message}") from None
    if unrecorded and warnings is not None:
        shown = ", ".join(unrecorded[:3]) + (" ..." if len(unrecorded) > 3 else "")
        count = len(unrecorded)
        warnings.append(
            f"{label}: {count} request bod{'ies were' if count > 1 else 'y was'} not recorded "
            f"in the HAR (they will be sent empty): {shown}"
        )


def _body_not_recorded(entry: Any, exchange: Exchange) -> bool:
    """The browser says a body was sent (`bodySize` > 0) but kept none of it."""
    size = entry["request"].get("bodySize")
    return (
        isinstance(size, int)
        and not isinstance(size, bool)
        and size > 0
        and not (exchange.request.body)
    )


# --- typed field access, each failure naming its path ----------------------------------------


def _expect_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InteropError(f"{where}: expected an object, found {kind_of(value)}")
    return value


def _expect_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InteropError(f"{where}: expected a list, found {kind_of(value)}")
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
        raise InteropError(f"{where}.{key}: expected a string, found {kind_of(value)}")
    if _SURROGATE.search(value):
        # JSON escapes such as `\ud800` can make lone surrogates: not characters, and no
        # file or terminal can take them, so they become U+FFFD like any undecodable text.
        return _SURROGATE.sub("\ufffd", value)
    return value


def _number(obj: dict[str, Any], key: str, where: str, *, required: bool = False) -> float | None:
    """A number field; None when absent, null or -1 (HAR's "does not apply")."""
    value = _required(obj, key, where) if required else obj.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InteropError(f"{where}.{key}: expected a number, found {kind_of(value)}")
    if value < 0 and not required:
        return None
    return float(value)


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
        return text.encode()
    params = post.get("params")
    if params is None:
        return b""
    fields = []
    for i, item in enumerate(_expect_list(params, f"{at}.params")):
        pat = f"{at}.params[{i}]"
        param = _expect_object(item, pat)
        fields.append(
            (
                _string(param, "name", pat),
                _string(param, "value", pat, default=""),
                _string(param, "fileName", pat, default=""),
                _string(param, "contentType", pat, default=""),
            )
        )
    mime_type = _string(post, "mimeType", at, default="")
    if _base_type(mime_type).strip().lower() == "multipart/form-data":
        boundary = _parameter(mime_type, "boundary") or _parameter(
            next((v for k, v in _headers(request, where) if k.lower() == "content-type"), ""),
            "boundary",
        )
        return _multipart(fields, boundary or uuid.uuid4().hex)
    return urlencode([(name, value) for name, value, _, _ in fields]).encode("utf-8")


def _multipart(fields: list[tuple[str, str, str, str]], boundary: str) -> bytes:
    """The multipart body that `params` describe (HAR 1.2's way to record a form without its
    raw text), with the boundary of the recorded Content-Type so the header still matches."""
    out = bytearray()
    for name, value, filename, content_type in fields:
        disposition = f'form-data; name="{_quoted(name)}"'
        if filename:
            disposition += f'; filename="{_quoted(filename)}"'
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if content_type:
            out += f"Content-Type: {content_type}\r\n".encode()
        out += b"\r\n" + value.encode() + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


def _quoted(text: str) -> str:
    """A name in a Content-Disposition, escaped the way browsers do (WHATWG HTML)."""
    return text.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


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
        decoded = (text, _codec(declared)) if _looks_textual(mime_type, text) else None
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
    return _parameter(mime_type, "charset").lower()


def _parameter(mime_type: str, name: str) -> str:
    for param in mime_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == name:
            return value.strip().strip('"')
    return ""


def _codec(charset: str) -> str:
    """The charset if it is a text encoding Python knows, else UTF-8 (a HAR's text is already
    Unicode). `idna`, `base64` or a name with a NUL would fail on the body, not here."""
    return charset if text_codec(charset) else "utf-8"


def _encode(text: str, charset: str) -> bytes:
    try:
        return text.encode(_codec(charset))
    except UnicodeError:
        return text.encode()


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
    except UnicodeError:
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
        raise InteropError(f"{where}.startedDateTime: expected a string, found {kind_of(raw)}")
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InteropError(
            f"{where}.startedDateTime: {raw[:40]!r} is not an ISO 8601 date"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
