"""A method, header, URL or body that cannot go on the wire is an Exchange.error the engine
returns (never an exception from inside httpx): bytes that are not UTF-8 (from argv or a file,
kept as surrogates), header names with spaces or colons, line breaks (header injection) and
control characters in values, methods with spaces."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from reqscope.core.engine import Engine
from reqscope.core.model import (
    Auth,
    AuthKind,
    BodyKind,
    ErrorKind,
    FormField,
    Header,
    Request,
)
from reqscope.lab.server import LabServer

NOT_UTF8 = b"\xff".decode("utf-8", "surrogateescape")  # what `-H $'a: \xff'` arrives as


@pytest.fixture
def engine() -> Iterator[Engine]:
    with Engine() as engine:
        yield engine


@pytest.mark.parametrize(
    ("request_change", "kind", "message"),
    [
        ({"headers": (Header("a", f"x{NOT_UTF8}"),)}, ErrorKind.INVALID_REQUEST,
         r"header 'a' holds a byte that is not UTF-8 text \(\\xff at position 1\)"),
        ({"headers": (Header("Bad Name", "x"),)}, ErrorKind.INVALID_REQUEST,
         r"invalid header name 'Bad Name'.*no spaces or colons"),
        ({"headers": (Header("a:b", "x"),)}, ErrorKind.INVALID_REQUEST,
         r"invalid header name 'a:b'"),
        ({"headers": (Header("", "x"),)}, ErrorKind.INVALID_REQUEST, "empty name"),
        ({"headers": (Header("X-A", "1\r\nX-Injected: 1"),)}, ErrorKind.INVALID_REQUEST,
         "header 'X-A' contains a line break.*inject"),
        ({"headers": (Header("X-A", "1\nX-Injected: 1"),)}, ErrorKind.INVALID_REQUEST,
         "line break"),
        ({"headers": (Header("X-A", "a\x00b"),)}, ErrorKind.INVALID_REQUEST,
         r"control character '\\x00' at position 1"),
        ({"headers": (Header("X-A", "\x1b[31m"),)}, ErrorKind.INVALID_REQUEST,
         "control character"),
        ({"method": "GE T"}, ErrorKind.INVALID_REQUEST, "invalid HTTP method 'GE T'"),
        ({"method": "GET\n"}, ErrorKind.OTHER, ""),  # stripped: a trailing newline is no harm
        ({"method": "G:ET"}, ErrorKind.INVALID_REQUEST, "invalid HTTP method"),
        ({"auth": Auth(AuthKind.BEARER, token=f"t{NOT_UTF8}")}, ErrorKind.INVALID_REQUEST,
         "header 'Authorization' holds a byte that is not UTF-8"),
        ({"auth": Auth(AuthKind.BASIC, username="u", password=f"p{NOT_UTF8}")},
         ErrorKind.INVALID_REQUEST, r"basic auth password holds a byte .*\(\\xff at position 1\)"),
        ({"body_kind": BodyKind.RAW, "body": "a\ud800"}, ErrorKind.REQUEST_BODY,
         "neither text nor a byte"),
        ({"body_kind": BodyKind.FORM, "form": (FormField(f"n{NOT_UTF8}", "v"),)},
         ErrorKind.INVALID_REQUEST, "not UTF-8 text"),
    ],
)  # fmt: skip
def test_what_cannot_go_on_the_wire_is_an_error(
    lab: LabServer, engine: Engine, request_change: dict[str, object], kind: ErrorKind, message: str
) -> None:
    request = Request(url=f"{lab.url}/echo", **request_change)  # type: ignore[arg-type]
    exchange = engine.send(request)
    if kind is ErrorKind.OTHER:
        assert exchange.error is None and exchange.status == 200
        return
    assert exchange.response is None
    assert exchange.error is not None
    assert exchange.error.kind is kind
    assert re.search(message, exchange.error.message), exchange.error.message
    assert "\n" not in exchange.error.message  # one line for a person
    assert exchange.started_at is not None


def test_a_url_with_a_byte_that_is_not_utf8_is_an_invalid_url(
    lab: LabServer, engine: Engine
) -> None:
    exchange = engine.send(Request(url=f"{lab.url}/echo/{NOT_UTF8}"))
    assert exchange.error is not None
    assert exchange.error.kind is ErrorKind.INVALID_URL
    assert "not UTF-8 text (\\xff at position" in exchange.error.message


def test_text_header_values_and_binary_bodies_go_out_unchanged(
    lab: LabServer, engine: Engine
) -> None:
    blob = bytes(range(256))
    exchange = engine.send(
        Request(
            method="POST",
            url=f"{lab.url}/echo",
            headers=(Header("X-Name", "Zoë \t 日本"), Header("X-Empty", "")),
            body_kind=BodyKind.RAW,
            body=blob.decode("utf-8", "surrogateescape"),
        )
    )
    assert exchange.error is None and exchange.response is not None
    echoed = json.loads(exchange.response.body)
    headers = {name.lower(): value for name, value in echoed["headers"]}
    # UTF-8 on the wire (the lab reads header bytes as latin-1, like http.server)
    assert headers["x-name"].encode("latin-1") == "Zoë \t 日本".encode()
    assert ("X-Name", "Zoë \t 日本") in exchange.request.headers
    assert exchange.request.body == blob
