from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from har_samples import PNG_BYTES, chrome_har, firefox_har

from reqscope.core.errors import InteropError
from reqscope.core.interop.har import read_har_exchanges
from reqscope.core.model import ErrorKind


def test_chrome_entries_keep_order_headers_and_body(tmp_path: Path) -> None:
    path = tmp_path / "chrome.har"
    path.write_text(json.dumps(chrome_har()), encoding="utf-8")
    post, image, blocked = read_har_exchanges(path)

    assert post.request.method == "POST"
    assert post.request.url == "https://api.example.com/v1/items?x=1"
    assert post.request.http_version == "HTTP/2"
    assert [name for name, _ in post.request.headers] == [
        "accept",
        "authorization",
        "content-type",
        "cookie",
    ]
    assert post.request.body == '{"name":"é"}'.encode()
    assert post.response is not None
    assert post.response.status == 403
    assert post.response.header_values("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert post.response.text == "<h1>Forbidden — no</h1>"
    assert post.response.charset == "utf-8"
    assert not post.response.is_binary
    assert post.started_at == datetime(2024, 5, 2, 9, 15, 1, 123000, tzinfo=UTC)
    timings = post.timings
    assert (timings.dns_ms, timings.connect_ms, timings.tls_ms) == (10.0, 20.0, 30.0)
    assert (timings.send_ms, timings.wait_ms, timings.receive_ms) == (0.3, 90.5, 4.2)
    assert timings.total_ms == 187.4

    assert image.response is not None
    assert image.response.body == PNG_BYTES
    assert image.response.is_binary and image.response.text == ""
    assert image.response.http_version == "HTTP/3"
    assert image.timings.dns_ms is None and image.timings.connect_ms is None

    assert blocked.response is None
    assert blocked.error is not None and blocked.error.kind is ErrorKind.OTHER
    assert blocked.error.message == "net::ERR_BLOCKED_BY_CLIENT"


def test_firefox_params_cookies_charset_and_local_time() -> None:
    (login,) = read_har_exchanges(json.dumps(firefox_har()).encode())
    assert login.request.body == b"user=ana+b&next=%2Fa%26b"
    assert ("Cookie", "csrftoken=tok1") in login.request.headers
    assert [v for n, v in login.request.headers if n == "Accept"] == ["*/*", "text/html"]
    assert login.response is not None
    assert login.response.reason == "Forbidden"
    assert login.response.charset == "iso-8859-1"
    assert login.response.body == "CSRF échoué".encode("latin-1")
    assert login.response.text == "CSRF échoué"
    assert login.started_at == datetime(2024, 5, 2, 9, 15, 1, tzinfo=UTC)
    assert (login.timings.connect_ms, login.timings.tls_ms) == (1.0, 0.0)


def test_text_source_is_accepted() -> None:
    assert len(read_har_exchanges(json.dumps(firefox_har()))) == 1


def test_body_not_saved_is_marked_truncated() -> None:
    har = chrome_har()
    del har["log"]["entries"][0]["response"]["content"]["text"]
    exchange = read_har_exchanges(json.dumps(har).encode())[0]
    assert exchange.response is not None
    assert exchange.response.body == b"" and exchange.response.truncated
    assert exchange.response.size == 25


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda h: h["log"]["entries"][2]["response"].update(status="403"),
            "log.entries[2].response.status: expected a number, found a string",
        ),
        (
            lambda h: h["log"]["entries"][1]["request"].pop("url"),
            "log.entries[1].request.url: missing",
        ),
        (
            lambda h: h["log"]["entries"][0]["request"]["headers"][4].update(value=None),
            "log.entries[0].request.headers[4].value: expected a string, found null",
        ),
        (lambda h: h["log"].pop("entries"), "log.entries: missing"),
        (lambda h: h.update(log=[]), "log: expected an object, found a list"),
        (
            lambda h: h["log"]["entries"][0].update(startedDateTime="yesterday"),
            "log.entries[0].startedDateTime: 'yesterday' is not an ISO 8601 date",
        ),
        (
            lambda h: h["log"]["entries"][1]["response"]["content"].update(text="@@@"),
            "log.entries[1].response.content.text: invalid base64",
        ),
    ],
)
def test_invalid_fields_are_named_by_path(mutate: object, message: str) -> None:
    har = chrome_har()
    mutate(har)  # type: ignore[operator]
    with pytest.raises(InteropError) as caught:
        read_har_exchanges(json.dumps(har).encode())
    assert str(caught.value) == f"HAR: {message}"


def test_truncated_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.har"
    path.write_text(json.dumps(chrome_har(), indent=1)[:3000], encoding="utf-8")
    with pytest.raises(InteropError, match=r"cut\.har: truncated JSON"):
        read_har_exchanges(path)


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "image.har"
    path.write_bytes(PNG_BYTES * 10)
    with pytest.raises(InteropError, match="not a HAR file"):
        read_har_exchanges(str(path))


def test_non_har_json_is_refused() -> None:
    with pytest.raises(InteropError, match=r"^HAR: log: missing$"):
        read_har_exchanges(b'{"name": "package.json"}')
    with pytest.raises(InteropError, match="invalid JSON"):
        read_har_exchanges(b"{'single': 'quotes'}")


def test_missing_file() -> None:
    with pytest.raises(InteropError, match="no such file"):
        read_har_exchanges(Path("/nonexistent/x.har"))
