"""Bad input that used to crash the core: non-text charsets, timeouts a socket cannot take,
session files that are not regular files, bytes that are not UTF-8 in a URL or header, a
Location header httpx cannot parse, near-duplicate evidence, and the templating fast path."""

from __future__ import annotations

import json
import math
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from reqscope.core.diagnosis.engine import _distinct
from reqscope.core.engine import Engine
from reqscope.core.errors import InteropError, SessionFileError
from reqscope.core.interop.curl import request_from_curl
from reqscope.core.interop.har import read_har_exchanges
from reqscope.core.interop.har_session import session_from_exchanges
from reqscope.core.model import (
    Auth,
    AuthKind,
    ErrorKind,
    FormField,
    Header,
    Request,
    RequestOptions,
    Variable,
)
from reqscope.core.session_reader import derived_text
from reqscope.core.store import dumps_session, load_session, loads_session
from reqscope.core.templating import expand_request
from reqscope.core.textdecode import text_codec
from reqscope.lab.server import LabServer

SESSION = """format = 1
name = "s"

[[requests]]
name = "a"
url = "http://127.0.0.1:1/"
[requests.options]
{option}
"""


# --- 1. charsets that are not text encodings ---------------------------------------------


@pytest.mark.parametrize("charset", ["idna", "utf\x008", "base64", "no-such-charset"])
def test_derived_text_falls_back_to_utf8_for_a_charset_that_is_no_text_encoding(
    charset: str,
) -> None:
    assert derived_text("café a..b".encode(), charset, False) == "café a..b"


def test_text_codec_accepts_text_encodings_only() -> None:
    assert text_codec("ISO-8859-1") == "iso8859-1"
    assert [text_codec(name) for name in ("idna", "base64", "utf\x008", "zzz", "")] == [""] * 5


def _har(tmp_path: Path, content: dict[str, object]) -> Path:
    entry = {
        "startedDateTime": "2024-01-01T00:00:00Z",
        "time": 1,
        "request": {"method": "GET", "url": "http://127.0.0.1/x", "headers": []},
        "response": {"status": 403, "statusText": "Forbidden", "headers": [], "content": content},
    }
    path = tmp_path / "a.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": [entry]}}))
    return path


@pytest.mark.parametrize("charset", ["idna", "utf\x008", "base64"])
@pytest.mark.parametrize("encoded", [False, True])
def test_a_har_response_with_a_non_text_charset_imports_and_saves(
    tmp_path: Path, charset: str, encoded: bool
) -> None:
    content: dict[str, object] = {"mimeType": f"text/html; charset={charset}", "text": "a..b"}
    if encoded:
        content.update(text="YS4uYg==", encoding="base64")
    session = session_from_exchanges(read_har_exchanges(_har(tmp_path, content)))
    response = session.history[0].response
    assert response is not None
    assert (response.text, response.charset, response.body) == ("a..b", "utf-8", b"a..b")
    assert loads_session(dumps_session(session)).history[0].response == response


# --- 2. timeouts a socket cannot take ------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("timeout = inf", "must be at most 86400 seconds"),
        ("timeout = 1e300", "must be at most 86400 seconds"),
        ("timeout = nan", "must be a number, got nan"),
        ("connect_timeout = inf", "must be at most 86400 seconds"),
        ("connect_timeout = -inf", "must be a positive number"),
    ],
)
def test_a_session_timeout_out_of_range_is_a_file_error(option: str, message: str) -> None:
    with pytest.raises(SessionFileError) as caught:
        loads_session(SESSION.format(option=option), "s.toml")
    key = option.partition(" ")[0]
    assert str(caught.value).startswith("s.toml:8:")
    assert message in str(caught.value) and f"requests[0].options.{key}" in str(caught.value)


@pytest.mark.parametrize("option", ["-m", "--max-time", "--connect-timeout"])
@pytest.mark.parametrize("value", ["1e300", "inf", "nan", "86401"])
def test_a_curl_timeout_out_of_range_is_refused(option: str, value: str) -> None:
    with pytest.raises(InteropError, match=option.lstrip("-")[:3]):
        request_from_curl(f"curl {option} {value} http://127.0.0.1:1/")


def test_a_curl_timeout_of_a_day_is_accepted() -> None:
    imported = request_from_curl("curl -m 86400 --connect-timeout 0.5 http://127.0.0.1:1/")
    assert imported.request.options.timeout == 86400
    assert imported.request.options.connect_timeout == 0.5


@pytest.mark.parametrize(
    "options",
    [
        RequestOptions(timeout=math.inf),
        RequestOptions(timeout=1e300),
        RequestOptions(timeout=math.nan),
        RequestOptions(timeout=5, connect_timeout=1e300),
        RequestOptions(timeout=0, connect_timeout=math.nan),
    ],
)
def test_the_engine_clamps_timeouts_built_in_code(lab: LabServer, options: RequestOptions) -> None:
    with Engine() as engine:
        exchange = engine.send(Request(url=f"{lab.url}/status/204", options=options))
    assert exchange.error is None
    assert exchange.response is not None and exchange.response.status == 204


# --- 3. session files that are not regular files -------------------------------------------


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "s.toml"
    os.mkfifo(fifo)
    with pytest.raises(SessionFileError, match="not a regular file \\(a named pipe\\)"):
        load_session(fifo)


def test_a_device_is_refused() -> None:
    with pytest.raises(SessionFileError, match="/dev/zero: is not a regular file \\(a device\\)"):
        load_session("/dev/zero")


def test_a_file_over_the_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import reqscope.core.store as store

    path = tmp_path / "s.toml"
    path.write_text(SESSION.format(option="timeout = 5"))
    assert load_session(path).requests[0].options.timeout == 5
    monkeypatch.setattr(store, "MAX_SESSION_BYTES", 2**20)
    with path.open("ab") as file:
        file.truncate(2**20 + 1)  # sparse: the size is what counts
    with pytest.raises(SessionFileError, match="a session file is at most 1 MiB"):
        load_session(path)


def test_a_directory_and_a_missing_file_keep_their_messages(tmp_path: Path) -> None:
    with pytest.raises(SessionFileError, match="is a directory"):
        load_session(tmp_path)
    with pytest.raises(SessionFileError, match="no such file"):
        load_session(tmp_path / "missing.toml")


# --- 4. bytes that are not UTF-8, and host names no resolver takes ----------------------------

RAW = "\udcff"  # what surrogateescape makes of the byte 0xff in argv


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        ({"url": "/a" + RAW}, ErrorKind.INVALID_URL),
        ({"url": "/a?q=" + RAW}, ErrorKind.INVALID_URL),
        ({"url": "/a#" + RAW}, ErrorKind.INVALID_URL),
        ({"headers": (Header("X-A", "v" + RAW),)}, ErrorKind.INVALID_REQUEST),
        ({"headers": (Header("X-A" + RAW, "v"),)}, ErrorKind.INVALID_REQUEST),
        ({"auth": Auth(AuthKind.BEARER, token="t" + RAW)}, ErrorKind.INVALID_REQUEST),
        ({"auth": Auth(AuthKind.BASIC, username="u" + RAW)}, ErrorKind.INVALID_REQUEST),
        ({"form": (FormField("n" + RAW, "v"),), "body_kind": "form"}, ErrorKind.INVALID_REQUEST),
    ],
)
def test_bytes_that_are_not_utf8_are_a_clear_error(
    lab: LabServer, change: dict[str, object], kind: ErrorKind
) -> None:
    from reqscope.core.model import BodyKind

    request = Request(method="POST", url=f"{lab.url}/echo")
    if "url" in change:
        change = {**change, "url": f"{lab.url}{change['url']}"}
    if "body_kind" in change:
        change = {**change, "body_kind": BodyKind(change["body_kind"])}
    with Engine() as engine:
        exchange = engine.send(replace(request, **change))  # type: ignore[arg-type]
    assert exchange.response is None and exchange.error is not None
    assert exchange.error.kind is kind
    assert "not UTF-8" in exchange.error.message or "invalid header name" in exchange.error.message


@pytest.mark.parametrize(
    ("host", "reason"),
    [("a..b", "label empty or too long"), ("a" * 64 + ".test", "label"), ("xn--", "A-label")],
)
def test_a_host_name_idna_refuses_is_an_invalid_url(host: str, reason: str) -> None:
    with Engine() as engine:
        exchange = engine.send(Request(url=f"http://{host}:1/"))
    assert exchange.error is not None and exchange.error.kind is ErrorKind.INVALID_URL
    assert "invalid host name" in exchange.error.message and reason in exchange.error.message


# --- 5. a Location httpx cannot parse --------------------------------------------------------


@pytest.fixture
def bad_location() -> Iterator[str]:
    """A raw server that answers every request with a 302 to `Location: <the path's value>`:
    /bracket -> http://[bad, /control -> a control character."""
    locations = {b"/bracket": b"http://[bad", b"/control": b"/a\x01b"}
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)

    def serve() -> None:
        for _ in range(16):
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(10)
                data = b""
                while b"\r\n\r\n" not in data and len(data) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                path = data.split(b" ", 2)[1] if data.count(b" ") >= 2 else b"/"
                conn.sendall(
                    b"HTTP/1.1 302 Found\r\nLocation: " + locations.get(path, b"/")
                    + b"\r\nContent-Length: 5\r\nConnection: close\r\n\r\nmoved"
                )  # fmt: skip

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()
        thread.join(timeout=10)


@pytest.mark.parametrize(
    ("path", "location"), [("/bracket", "http://[bad"), ("/control", "/a\x01b")]
)
def test_no_follow_shows_a_redirect_with_an_unparsable_location(
    bad_location: str, path: str, location: str
) -> None:
    with Engine() as engine:
        exchange = engine.send(
            Request(url=bad_location + path, options=RequestOptions(follow_redirects=False))
        )
        followed = engine.send(Request(url=bad_location + path))
    assert exchange.error is None and exchange.response is not None
    assert exchange.response.status == 302
    assert exchange.response.header("location") == location
    assert exchange.response.body == b"moved"
    assert followed.error is not None and followed.error.kind is ErrorKind.PROTOCOL
    assert "cannot follow the redirect: invalid Location" in followed.error.message


# --- 6. local TLS files -------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["ca_bundle", "client_cert"])
def test_an_unreadable_local_tls_file_is_reported_as_such(
    lab: LabServer, tmp_path: Path, option: str
) -> None:
    options = replace(RequestOptions(), **{option: str(tmp_path / "missing.pem")})
    with Engine() as engine:
        exchange = engine.send(Request(url=lab.url.replace("http:", "https:"), options=options))
    assert exchange.error is not None and exchange.error.kind is ErrorKind.TLS
    assert exchange.error.detail == "local_file"
    assert "missing.pem" in exchange.error.message


# --- 7. near-duplicate evidence --------------------------------------------------------------


def test_evidence_contained_in_another_line_is_dropped() -> None:
    lines = [
        "User-Agent sent: Python-urllib/3.11",
        "no Accept-Language",
        "User-Agent sent: Python-urllib/3.11 (library)",
        "User-Agent sent: Python-urllib/3.11",
    ]
    assert _distinct(lines) == (
        "User-Agent sent: Python-urllib/3.11 (library)",
        "no Accept-Language",
    )


def test_only_whole_words_count_as_contained() -> None:
    assert _distinct(["b", "x (lib)", "status 40", "status 403"]) == ("b", "x (lib)", "status 40",
                                                                     "status 403")  # fmt: skip
    assert _distinct(["a", "b", "a b"]) == ("a b",)


def test_a_merged_finding_quotes_the_user_agent_once(lab: LabServer) -> None:
    from reqscope.core.diagnosis import diagnose

    with Engine() as engine:
        exchange = engine.send(
            Request(
                url=f"{lab.url}/403/wikimedia/w/api.php?action=opensearch&search=python",
                headers=(Header("User-Agent", "Python-urllib/3.11"),),
            )
        )
    findings = diagnose(exchange)
    assert findings, exchange.response
    for finding in findings:
        for line in finding.evidence:
            others = [other for other in finding.evidence if other != line]
            assert not any(line in other for other in others), finding.evidence


# --- 8. templating keeps untouched parts as they are ---------------------------------------------


def test_expansion_keeps_parts_without_references_and_expands_the_others() -> None:
    request = Request(
        url="{{base}}/x",
        headers=(Header("A", "1"), Header("B", "{{env.TOKEN}}"), Header("C", "{{nope}}", False)),
        form=(FormField("f", "v"),),
        auth=Auth(AuthKind.BASIC, username="u", password="p"),
    )
    expansion = expand_request(request, [Variable("base", "http://h")], {"TOKEN": "tok-123"})
    sent = expansion.request
    assert sent.url == "http://h/x"
    assert sent.headers == (
        Header("A", "1"),
        Header("B", "tok-123"),
        Header("C", "{{nope}}", False),
    )
    assert sent.form is request.form and sent.auth is request.auth
    assert sent.options is request.options
    assert {"tok-123", "p"} <= expansion.secrets
    plain = Request(url="http://h/x")
    assert expand_request(plain).request is plain


def test_a_bogus_recorded_charset_still_displays_and_diagnoses() -> None:
    """A session file may carry `charset = "idna"` with no text: the body document and the
    diagnosis decode the bytes as UTF-8 instead of failing."""
    from reqscope.core.body import BodyDocument
    from reqscope.core.diagnosis import diagnose_full
    from reqscope.core.model import Exchange, Response, SentRequest

    for charset in ("idna", "base64", "no\x00such"):
        response = Response(
            status=403,
            reason="Forbidden",
            headers=(("Content-Type", f"text/html; charset={charset}"),),
            body=b"<title>Access Denied</title>",
            charset=charset,
        )
        document = BodyDocument.from_response(response)
        assert "Access Denied" in document.line(0)
        exchange = Exchange(request=SentRequest("GET", "http://127.0.0.1/x"), response=response)
        assert diagnose_full(exchange, ()).findings


@pytest.mark.parametrize("option", ["-d", "--data-binary", "--data-urlencode"])
def test_curl_data_from_a_device_is_refused_not_read_forever(option: str) -> None:
    from reqscope.core.errors import InteropError
    from reqscope.core.interop.curl import request_from_curl

    with pytest.raises(InteropError, match="not a regular file"):
        request_from_curl(f"curl http://127.0.0.1/x {option} @/dev/zero")
