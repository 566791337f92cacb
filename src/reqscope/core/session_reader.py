"""Reading a session file's TOML into the model, strictly: a wrong type, a bad enum value or an
unknown key (a typo would otherwise lose data silently) is a SessionFileError that names the
key path (`requests[2].headers[0]`) and, found by searching the text, its line.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import math
import re
import tomllib
from collections.abc import Callable, Iterator
from datetime import datetime
from enum import StrEnum
from typing import Any, NoReturn, TypeVar

from reqscope.core.errors import SessionFileError
from reqscope.core.model import (
    ApiKeyLocation,
    Auth,
    AuthKind,
    BodyKind,
    Capture,
    ErrorKind,
    Exchange,
    Expectation,
    FormField,
    Header,
    RedirectHop,
    Request,
    RequestOptions,
    Response,
    SentRequest,
    Session,
    Timings,
    TlsInfo,
    TransportError,
    Variable,
)
from reqscope.core.textdecode import text_codec
from reqscope.core.wire import MAX_TIMEOUT

FORMAT_VERSION = 1
DISABLED = "disabled"  # optional third item of a header pair: kept in the file, not sent

EXPECT_TARGETS = ("status", "header", "body", "json", "duration_ms")
EXPECT_OPS = ("equals", "in", "matches", "contains", "absent", "max")
CAPTURE_SOURCES = ("json", "header", "regex")

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_AT_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_AT_END = re.compile(r"\s*\(at end of document\)$")

E = TypeVar("E", bound=StrEnum)
Path = tuple[str | int, ...]


def derived_text(body: bytes, charset: str, is_binary: bool) -> str:
    """The text a response body decodes to, so files need not store both. A charset that is
    no text encoding (unknown, `idna`, a NUL in the name) decodes as UTF-8, like a browser's
    fallback, rather than failing the whole file."""
    if is_binary or not charset or not body:
        return ""
    try:
        return body.decode(text_codec(charset) or "utf-8", errors="replace")
    except (LookupError, ValueError):
        return body.decode("utf-8", errors="replace")


def parse_session(text: str, source: str) -> Session:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line = _syntax_error(str(exc), text)
        raise SessionFileError(source, f"invalid TOML: {message}", line=line) from None
    root = _Table(_Locator(source, text), data, ())
    _check_format(root)
    variables = tuple(_variable(t) for t in root.tables("variables"))
    _check_unique_names(root, variables)
    session = Session(
        name=root.string("name", "session"),
        variables=variables,
        requests=tuple(_request(t) for t in root.tables("requests")),
        history=tuple(_exchange(t) for t in root.tables("history")),
        ignore=root.strings("ignore"),
    )
    root.done()
    return session


def _check_format(root: _Table) -> None:
    if "format" not in root.data:
        root.fail("missing 'format = 1' at the top: is this a reqscope session file?")
    version = root.integer("format", FORMAT_VERSION)
    if version > FORMAT_VERSION:
        root.fail(
            f"written by a newer reqscope (format {version}); "
            f"this one reads format {FORMAT_VERSION}",
            "format",
        )
    if version < 1:
        root.fail(f"unknown format {version}; this reqscope reads format {FORMAT_VERSION}")


def _check_unique_names(root: _Table, variables: tuple[Variable, ...]) -> None:
    seen: set[str] = set()
    for index, var in enumerate(variables):
        if var.name in seen:
            root.fail(f"variable {var.name!r} is defined twice", "variables", index, "name")
        seen.add(var.name)


def _variable(t: _Table) -> Variable:
    name = t.string("name", required=True)
    if not _VARIABLE_NAME.fullmatch(name):
        t.fail(
            f"invalid variable name {name!r}: use letters, digits, '_' or '-', "
            "starting with a letter or '_'",
            "name",
        )
    var = Variable(name=name, value=t.string("value"), secret=t.boolean("secret", False))
    t.done()
    return var


def _request(t: _Table) -> Request:
    req = Request(
        name=t.string("name", "request"),
        method=t.string("method", "GET"),
        url=t.string("url"),
        headers=tuple(_header(t, index, item) for index, item in t.items("headers")),
        body_kind=t.enum("body_kind", BodyKind, BodyKind.NONE),
        body=_template_text(t, "body"),
        form=tuple(_form_field(f) for f in t.tables("form")),
        auth=_auth(t.table("auth")),
        options=_options(t.table("options")),
        expect=tuple(_expectation(e) for e in t.tables("expect")),
        captures=tuple(_capture(c) for c in t.tables("captures")),
        description=t.string("description"),
    )
    if not req.method or any(ch.isspace() for ch in req.method):
        t.fail(f"invalid method {req.method!r}", "method")
    t.done()
    return req


def _header(t: _Table, index: int, item: Any) -> Header:
    pair = _pair(t, "headers", index, item, allow_disabled=True)
    return Header(pair[0], pair[1], enabled=len(pair) == 2)


def _pair(t: _Table, key: str, index: int, item: Any, *, allow_disabled: bool) -> list[str]:
    shape = '["Name", "value"]' + (' or ["Name", "value", "disabled"]' if allow_disabled else "")
    ok = isinstance(item, list) and all(isinstance(part, str) for part in item)
    if ok and allow_disabled and len(item) == 3:
        ok = item[2] == DISABLED
    elif ok:
        ok = len(item) == 2
    if not ok:
        t.fail(f"expected {shape}, got {_show(item)}", key, index)
    return list(item)


def _form_field(t: _Table) -> FormField:
    fld = FormField(
        name=t.string("name", required=True),
        value=_template_text(t, "value"),
        file=t.string("file"),
        filename=t.string("filename"),
        content_type=t.string("content_type"),
        enabled=t.boolean("enabled", True),
    )
    t.done()
    return fld


def _auth(t: _Table | None) -> Auth:
    if t is None:
        return Auth()
    auth = Auth(
        kind=t.enum("kind", AuthKind, AuthKind.NONE),
        token=t.string("token"),
        username=t.string("username"),
        password=t.string("password"),
        key_name=t.string("key_name"),
        location=t.enum("location", ApiKeyLocation, ApiKeyLocation.HEADER),
    )
    t.done()
    return auth


_SECONDS: dict[str, Any] = {"maximum": MAX_TIMEOUT, "unit": " seconds (a day)"}


def _options(t: _Table | None) -> RequestOptions:
    defaults = RequestOptions()
    if t is None:
        return defaults
    options = RequestOptions(
        timeout=t.number("timeout", defaults.timeout, positive=True, **_SECONDS),
        connect_timeout=t.optional_number("connect_timeout", positive=True, **_SECONDS),
        follow_redirects=t.boolean("follow_redirects", defaults.follow_redirects),
        max_redirects=t.integer("max_redirects", defaults.max_redirects, minimum=0),
        verify=t.boolean("verify", defaults.verify),
        ca_bundle=t.string("ca_bundle"),
        client_cert=t.string("client_cert"),
        client_key=t.string("client_key"),
        proxy=t.string("proxy"),
        http2=t.boolean("http2", defaults.http2),
        max_body_bytes=t.integer("max_body_bytes", defaults.max_body_bytes, minimum=1),
    )
    t.done()
    return options


def _expectation(t: _Table) -> Expectation:
    exp = Expectation(
        target=t.choice("target", EXPECT_TARGETS),
        op=t.choice("op", EXPECT_OPS),
        value=t.string("value"),
        key=t.string("key"),
    )
    t.done()
    return exp


def _capture(t: _Table) -> Capture:
    capture = Capture(
        variable=t.string("variable", required=True),
        source=t.choice("source", CAPTURE_SOURCES),
        expr=t.string("expr", required=True),
        secret=t.boolean("secret", False),
    )
    t.done()
    return capture


def _exchange(t: _Table) -> Exchange:
    sent = t.table("request")
    if sent is None:
        t.fail("a recorded exchange needs a [history.request] table", "request")
    response = t.table("response")
    error = t.table("error")
    timings = t.table("timings")
    tls = t.table("tls")
    ex = Exchange(
        request=_sent_request(sent),
        response=_response(response) if response is not None else None,
        error=_error(error) if error is not None else None,
        timings=_timings(timings) if timings is not None else Timings(),
        redirects=tuple(_redirect(hop) for hop in t.tables("redirects")),
        tls=_tls(tls) if tls is not None else None,
        started_at=t.timestamp("started_at"),
        request_name=t.string("request_name"),
    )
    t.done()
    return ex


def _sent_request(t: _Table) -> SentRequest:
    sent = SentRequest(
        method=t.string("method", required=True),
        url=t.string("url", required=True),
        headers=_wire_headers(t),
        body=_body_bytes(t),
        http_version=t.string("http_version", "HTTP/1.1"),
    )
    t.done()
    return sent


def _response(t: _Table) -> Response:
    status = t.integer("status", 0, required=True, minimum=100)
    if status > 999:
        t.fail(f"invalid status {status}", "status")
    body = _body_bytes(t)
    charset = t.string("charset")
    is_binary = t.boolean("is_binary", False)
    text = t.string("text") if "text" in t.data else derived_text(body, charset, is_binary)
    resp = Response(
        status=status,
        reason=t.string("reason"),
        http_version=t.string("http_version", "HTTP/1.1"),
        headers=_wire_headers(t),
        body=body,
        text=text,
        charset=charset,
        is_binary=is_binary,
        truncated=t.boolean("truncated", False),
        size=t.integer("size", 0, minimum=0),
    )
    t.done()
    return resp


def _wire_headers(t: _Table) -> tuple[tuple[str, str], ...]:
    pairs = (
        _pair(t, "headers", index, item, allow_disabled=False) for index, item in t.items("headers")
    )
    return tuple((pair[0], pair[1]) for pair in pairs)


def _body_bytes(t: _Table) -> bytes:
    encoded = _base64_bytes(t, "body")
    return t.string("body").encode("utf-8") if encoded is None else encoded


def _template_text(t: _Table, key: str) -> str:
    """A request's body or form value: text, or `key_base64` bytes that are not UTF-8, held
    as `surrogateescape` text (what the wire encodes back to the same bytes)."""
    encoded = _base64_bytes(t, key)
    return t.string(key) if encoded is None else encoded.decode("utf-8", "surrogateescape")


def _base64_bytes(t: _Table, key: str) -> bytes | None:
    """The bytes of `key_base64`, or None when the file gives `key` (or neither)."""
    coded = f"{key}_base64"
    if key in t.data and coded in t.data:
        t.fail(f"give either {key!r} or {coded!r}, not both", coded)
    if coded not in t.data:
        return None
    try:
        return base64.b64decode(t.string(coded), validate=True)
    except (binascii.Error, ValueError):
        t.fail("invalid base64", coded)


def _error(t: _Table) -> TransportError:
    error = TransportError(
        kind=t.enum("kind", ErrorKind, None),
        message=t.string("message", required=True),
        detail=t.string("detail"),
    )
    t.done()
    return error


def _timings(t: _Table) -> Timings:
    timings = Timings(
        dns_ms=t.optional_number("dns_ms"),
        connect_ms=t.optional_number("connect_ms"),
        tls_ms=t.optional_number("tls_ms"),
        send_ms=t.optional_number("send_ms"),
        wait_ms=t.optional_number("wait_ms"),
        receive_ms=t.optional_number("receive_ms"),
        total_ms=t.number("total_ms", 0.0),
        reused_connection=t.boolean("reused_connection", False),
    )
    t.done()
    return timings


def _redirect(t: _Table) -> RedirectHop:
    hop = RedirectHop(
        method=t.string("method", required=True),
        url=t.string("url", required=True),
        status=t.integer("status", 0, required=True),
        location=t.string("location", required=True),
        dropped_headers=t.strings("dropped_headers"),
        next_method=t.string("next_method"),
        next_url=t.string("next_url"),
    )
    t.done()
    return hop


def _tls(t: _Table) -> TlsInfo:
    tls = TlsInfo(
        version=t.string("version"),
        cipher=t.string("cipher"),
        peer_subject=t.string("peer_subject"),
        peer_issuer=t.string("peer_issuer"),
        peer_not_before=t.string("peer_not_before"),
        peer_not_after=t.string("peer_not_after"),
        peer_san=t.strings("peer_san"),
    )
    t.done()
    return tls


# --- typed access with key paths ------------------------------------------------------------


class _Table:
    """One TOML table being read: typed getters that remember which keys were used, so
    `done()` can refuse the rest as unknown."""

    def __init__(self, locator: _Locator, data: dict[str, Any], path: Path) -> None:
        self.locator = locator
        self.data = data
        self.path = path
        self._used: set[str] = set()

    def fail(self, message: str, *keys: str | int) -> NoReturn:
        path = (*self.path, *keys)
        raise SessionFileError(
            self.locator.source,
            message,
            line=self.locator.line_of(path),
            key=_format_path(path),
        )

    def done(self) -> None:
        unknown = [key for key in self.data if key not in self._used]
        if unknown:
            key = unknown[0]
            close = difflib.get_close_matches(key, list(self._used), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.fail(f"unknown key {key!r}{hint}", key)

    def _get(self, key: str, kind: str, check: Callable[[Any], bool], required: bool) -> Any:
        self._used.add(key)
        if key not in self.data:
            if required:
                self.fail(f"missing required key {key!r}", key)
            return None
        value = self.data[key]
        if not check(value):
            self.fail(f"expected {kind}, got {_show(value)}", key)
        return value

    def string(self, key: str, default: str = "", *, required: bool = False) -> str:
        value = self._get(key, "a string", lambda v: isinstance(v, str), required)
        return default if value is None else str(value)

    def boolean(self, key: str, default: bool, *, required: bool = False) -> bool:
        value = self._get(key, "true or false", lambda v: isinstance(v, bool), required)
        return default if value is None else bool(value)

    def integer(
        self, key: str, default: int, *, required: bool = False, minimum: int | None = None
    ) -> int:
        value = self._get(key, "an integer", _is_int, required)
        if value is None:
            return default
        if minimum is not None and value < minimum:
            self.fail(f"must be at least {minimum}, got {value}", key)
        return int(value)

    def number(
        self,
        key: str,
        default: float,
        *,
        positive: bool = False,
        maximum: float | None = None,
        unit: str = "",
    ) -> float:
        value = self.optional_number(key, positive=positive, maximum=maximum, unit=unit)
        return default if value is None else value

    def optional_number(
        self, key: str, *, positive: bool = False, maximum: float | None = None, unit: str = ""
    ) -> float | None:
        value = self._get(key, "a number", _is_number, False)
        if value is None:
            return None
        if math.isnan(value):  # TOML allows nan, which compares false with everything
            self.fail("must be a number, got nan", key)
        if positive and not value > 0:
            self.fail(f"must be a positive number, got {value}", key)
        if maximum is not None and value > maximum:
            self.fail(f"must be at most {maximum:g}{unit}, got {value}", key)
        return float(value)

    def timestamp(self, key: str) -> datetime | None:
        value = self._get(key, "a date-time", lambda v: isinstance(v, datetime), False)
        return value if isinstance(value, datetime) else None

    def enum(self, key: str, cls: type[E], default: E | None) -> E:
        """A StrEnum member by value; `default` None makes the key required."""
        choices = tuple(member.value for member in cls)
        return cls(self.choice(key, choices, None if default is None else default.value))

    def choice(self, key: str, choices: tuple[str, ...], default: str | None = None) -> str:
        """One of `choices`; `default` None makes the key required."""
        value = self._get(key, "a string", lambda v: isinstance(v, str), default is None)
        if value is None:
            return str(default)
        if value not in choices:
            close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.fail(f"{value!r} is not one of {', '.join(choices)}{hint}", key)
        return str(value)

    def strings(self, key: str) -> tuple[str, ...]:
        items = list(self.items(key))
        for index, item in items:
            if not isinstance(item, str):
                self.fail(f"expected a string, got {_show(item)}", key, index)
        return tuple(str(item) for _, item in items)

    def items(self, key: str) -> Iterator[tuple[int, Any]]:
        value = self._get(key, "an array", lambda v: isinstance(v, list), False)
        return enumerate(value or [])

    def table(self, key: str) -> _Table | None:
        value = self._get(key, "a table", lambda v: isinstance(v, dict), False)
        return None if value is None else _Table(self.locator, value, (*self.path, key))

    def tables(self, key: str) -> list[_Table]:
        tables: list[_Table] = []
        for index, item in self.items(key):
            if not isinstance(item, dict):
                self.fail(f"expected a table, got {_show(item)}", key, index)
            tables.append(_Table(self.locator, item, (*self.path, key, index)))
        return tables


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _format_path(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _syntax_error(message: str, text: str) -> tuple[str, int | None]:
    match = _AT_LINE.search(message)
    if match:
        return message[: match.start()], int(match.group(1))
    match = _AT_END.search(message)
    if match:
        return message[: match.start()] + " at the end of the file", text.count("\n") + 1
    return message, None


class _Locator:
    """Finds the line of a key path by searching the text: the n-th `[[requests]]` header,
    then a `[requests.auth]` header or a `key =` line inside it, or the n-th line of a
    multi-line array. Best effort: a key written in a way it does not recognise (a dotted key,
    an inline table) gets the line of the nearest table found, or None."""

    _KEY = r"(?:[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')"
    _HEADER = re.compile(rf"^\[\[?\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*\]\]?\s*(?:#.*)?$")
    # Indented headers are legal TOML but look like array items (`    ["A"],`): when
    # indented, only bare keys count.
    _INDENTED_HEADER = re.compile(
        r"^\s+\[\[?\s*([A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*\]\]?\s*(?:#.*)?$"
    )

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self._text = text
        self._lines: list[str] = []
        self._names: list[str | None] = []

    def line_of(self, path: Path) -> int | None:
        if not self._lines:
            # Only an error needs a line: indexing a big file up front was half its load time.
            self._lines = self._text.splitlines()
            self._names = [self._header_name(line) for line in self._lines]
        start, end = -1, len(self._lines)  # start: the current table's header line (-1: root)
        prefix = ""
        found: int | None = None
        i = 0
        while i < len(path):
            part = path[i]
            i += 1
            if isinstance(part, int):
                continue
            following = path[i] if i < len(path) else None
            index = following if isinstance(following, int) else None
            name = f"{prefix}.{part}" if prefix else part
            headers = [n for n in range(start + 1, end) if self._names[n] == name]
            if headers:
                index = index or 0
                if index >= len(headers):
                    return found
                i += 1 if i < len(path) and isinstance(path[i], int) else 0
                start = headers[index]
                end = next(
                    (
                        n
                        for n in range(start + 1, end)
                        if (h := self._names[n]) is not None and not h.startswith(name + ".")
                    ),
                    end,
                )
                prefix, found = name, start + 1
                continue
            return self._assignment(part, index, start, end) or found
        return found

    def _assignment(self, key: str, index: int | None, start: int, end: int) -> int | None:
        own_end = next((n for n in range(start + 1, end) if self._names[n] is not None), end)
        pattern = re.compile(
            rf"^\s*(?:\"{re.escape(key)}\"|'{re.escape(key)}'|{re.escape(key)})\s*="
        )
        for n in range(start + 1, own_end):
            if pattern.match(self._lines[n]):
                item = n + 1 + index if index is not None else n
                if index is not None and self._lines[n].rstrip().endswith("[") and item < own_end:
                    return item + 1
                return n + 1
        return None

    @classmethod
    def _header_name(cls, line: str) -> str | None:
        match = cls._HEADER.match(line) or cls._INDENTED_HEADER.match(line)
        if match is None:
            return None
        return ".".join(part.strip().strip("\"'") for part in match.group(1).split("."))
