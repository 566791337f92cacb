from __future__ import annotations

import base64
from pathlib import Path

import pytest

from reqscope import __version__
from reqscope.core.model import (
    ApiKeyLocation,
    Auth,
    AuthKind,
    BodyKind,
    ErrorKind,
    FormField,
    Header,
    Request,
)
from reqscope.core.wire import WireError, check_url, to_wire, with_query_param

URL = "http://127.0.0.1:8080/path"


def test_headers_keep_order_and_duplicates_and_skip_disabled() -> None:
    request = Request(
        url=URL,
        headers=(
            Header("X-B", "1"),
            Header("X-A", " 2 "),
            Header("X-B", "3"),
            Header("X-Off", "no", enabled=False),
        ),
    )
    wire = to_wire(request)
    assert wire.headers == (
        ("X-B", "1"),
        ("X-A", "2"),
        ("X-B", "3"),
        ("User-Agent", f"reqscope/{__version__}"),
    )


def test_user_agent_only_added_when_absent() -> None:
    wire = to_wire(Request(url=URL, headers=(Header("user-agent", "curl/8"),)))
    assert [v for k, v in wire.headers if k.lower() == "user-agent"] == ["curl/8"]


def test_bearer_auth() -> None:
    wire = to_wire(Request(url=URL, auth=Auth(kind=AuthKind.BEARER, token="tok123")))
    assert wire.header("Authorization") == "Bearer tok123"


def test_explicit_authorization_header_wins_over_auth() -> None:
    request = Request(
        url=URL,
        headers=(Header("Authorization", "Token mine"),),
        auth=Auth(kind=AuthKind.BEARER, token="other"),
    )
    assert [v for k, v in to_wire(request).headers if k == "Authorization"] == ["Token mine"]


def test_basic_auth_is_base64_of_user_colon_password() -> None:
    wire = to_wire(
        Request(url=URL, auth=Auth(kind=AuthKind.BASIC, username="ana", password="p:ss é"))
    )
    scheme, _, token = (wire.header("Authorization") or "").partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(token).decode() == "ana:p:ss é"


def test_api_key_in_header_and_in_query() -> None:
    header = to_wire(
        Request(url=URL, auth=Auth(kind=AuthKind.API_KEY, token="k1", key_name="X-Api-Key"))
    )
    assert header.header("X-Api-Key") == "k1"
    query = to_wire(
        Request(
            url=URL + "?a=1",
            auth=Auth(
                kind=AuthKind.API_KEY,
                token="k 2&",
                key_name="api_key",
                location=ApiKeyLocation.QUERY,
            ),
        )
    )
    assert query.url == URL + "?a=1&api_key=k%202%26"
    assert query.header("api_key") is None


def test_api_key_without_name_is_an_error() -> None:
    with pytest.raises(WireError) as info:
        to_wire(Request(url=URL, auth=Auth(kind=AuthKind.API_KEY, token="k")))
    assert info.value.kind is ErrorKind.INVALID_REQUEST


def test_json_body_gets_default_content_type_unless_set() -> None:
    wire = to_wire(Request(method="POST", url=URL, body_kind=BodyKind.JSON, body='{"a": "é"}'))
    assert wire.header("Content-Type") == "application/json"
    assert wire.body == '{"a": "é"}'.encode()
    custom = to_wire(
        Request(
            url=URL,
            body_kind=BodyKind.JSON,
            body="{}",
            headers=(Header("Content-Type", "application/vnd.api+json"),),
        )
    )
    assert [v for k, v in custom.headers if k == "Content-Type"] == ["application/vnd.api+json"]


def test_raw_body_round_trips_binary_bytes_through_surrogateescape() -> None:
    data = bytes(range(256))
    wire = to_wire(
        Request(url=URL, body_kind=BodyKind.RAW, body=data.decode("utf-8", "surrogateescape"))
    )
    assert wire.body == data
    assert wire.header("Content-Type") is None


def test_form_body_is_urlencoded() -> None:
    wire = to_wire(
        Request(
            url=URL,
            body_kind=BodyKind.FORM,
            form=(
                FormField("q", "a b&c"),
                FormField("off", "x", enabled=False),
                FormField("n", "é"),
            ),
        )
    )
    assert wire.body == b"q=a+b%26c&n=%C3%A9"
    assert wire.header("Content-Type") == "application/x-www-form-urlencoded"


def test_form_field_with_file_needs_multipart() -> None:
    with pytest.raises(WireError) as info:
        to_wire(Request(url=URL, body_kind=BodyKind.FORM, form=(FormField("f", file="x"),)))
    assert info.value.kind is ErrorKind.REQUEST_BODY


def test_multipart_with_file_is_deterministic(tmp_path: Path) -> None:
    upload = tmp_path / "report.csv"
    upload.write_bytes(b"a,b\n1,2\n")
    request = Request(
        url=URL,
        body_kind=BodyKind.MULTIPART,
        form=(FormField("title", 'My "report"'), FormField("file", file=str(upload))),
    )
    first, second = to_wire(request), to_wire(request)
    assert first.body == second.body
    content_type = first.header("Content-Type") or ""
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.partition("boundary=")[2].encode()
    parts = first.body.split(b"--" + boundary)
    assert parts[-1] == b"--\r\n"
    assert b'name="title"\r\n\r\nMy "report"' in parts[1].replace(b"%22", b'"')
    assert b'Content-Disposition: form-data; name="title"' in parts[1]
    assert b'name="file"; filename="report.csv"' in parts[2]
    assert b"Content-Type: text/csv" in parts[2]
    assert parts[2].endswith(b"\r\n\r\na,b\n1,2\n\r\n")


def test_multipart_replaces_a_content_type_without_our_boundary() -> None:
    wire = to_wire(
        Request(
            url=URL,
            body_kind=BodyKind.MULTIPART,
            headers=(Header("Content-Type", "multipart/form-data"),),
            form=(FormField("a", "1"),),
        )
    )
    values = [v for k, v in wire.headers if k.lower() == "content-type"]
    assert len(values) == 1
    assert "boundary=reqscope-" in values[0]


def test_missing_multipart_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.bin"
    with pytest.raises(WireError) as info:
        to_wire(
            Request(
                url=URL, body_kind=BodyKind.MULTIPART, form=(FormField("f", file=str(missing)),)
            )
        )
    assert info.value.kind is ErrorKind.REQUEST_BODY
    assert "nope.bin" in str(info.value)
    assert "No such file" in str(info.value)


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("", "empty"),
        ("example.com/path", "no scheme"),
        ("ftp://example.com/", "unsupported URL scheme"),
        ("http://", "no host"),
        ("http://example.com:99999/", "invalid port"),
        ("http://example.com:abc/", "invalid port"),
        ("http://example.com:0/", "invalid port"),
        ("http://example.com/a b", "whitespace"),
        ("http://[::1/", "invalid URL"),
    ],
)
def test_invalid_urls(url: str, needle: str) -> None:
    with pytest.raises(WireError) as info:
        check_url(url)
    assert info.value.kind is ErrorKind.INVALID_URL
    assert needle in str(info.value)


def test_valid_url_is_stripped() -> None:
    assert check_url("  https://example.com:8443/x?y=1 ") == "https://example.com:8443/x?y=1"


@pytest.mark.parametrize(
    ("method", "headers"),
    [("GE T", ()), ("GET", (Header("Bad Name", "x"),)), ("GET", (Header("X", "a\r\nB: c"),))],
)
def test_invalid_method_or_header(method: str, headers: tuple[Header, ...]) -> None:
    with pytest.raises(WireError) as info:
        to_wire(Request(method=method, url=URL, headers=headers))
    assert info.value.kind is ErrorKind.INVALID_REQUEST


def test_custom_method_and_empty_method() -> None:
    assert to_wire(Request(method="PURGE", url=URL)).method == "PURGE"
    assert to_wire(Request(method="", url=URL)).method == "GET"


def test_with_query_param_keeps_fragment() -> None:
    assert with_query_param("http://h/p#frag", "k", "v") == "http://h/p?k=v#frag"
