"""The engine against the real lab on 127.0.0.1: what goes out, what comes back, and every
failure turned into data."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from reqscope.core.engine import Engine
from reqscope.core.model import (
    ApiKeyLocation,
    Auth,
    AuthKind,
    BodyKind,
    ErrorKind,
    Exchange,
    FormField,
    Header,
    Request,
    RequestOptions,
)
from reqscope.lab.server import LabServer, running_lab


@pytest.fixture(scope="module")
def lab() -> Iterator[LabServer]:
    """One lab for the module: these tests need no fresh lab state, and stopping a lab
    costs about a second (serve_forever's poll interval)."""
    with running_lab() as server:
        yield server


@pytest.fixture
def engine() -> Iterator[Engine]:
    with Engine() as eng:
        yield eng


def echoed(exchange: Exchange) -> dict[str, Any]:
    assert exchange.error is None, exchange.error
    assert exchange.response is not None
    data: dict[str, Any] = json.loads(exchange.response.text)
    return data


def echoed_header(exchange: Exchange, name: str) -> list[str]:
    return [v for k, v in echoed(exchange)["headers"] if k.lower() == name.lower()]


def test_get_echo_records_request_and_response(engine: Engine, lab: LabServer) -> None:
    exchange = engine.send(Request(url=f"{lab.url}/echo?x=1&x=2"), request_name="first")
    data = echoed(exchange)
    assert data["method"] == "GET"
    assert data["query"] == [["x", "1"], ["x", "2"]]
    assert exchange.status == 200
    assert exchange.request_name == "first"
    assert exchange.started_at is not None
    assert exchange.started_at.tzinfo is not None
    response = exchange.response
    assert response is not None
    assert response.reason == "OK"
    assert response.http_version == "HTTP/1.1"
    assert response.header("content-type") == "application/json"
    assert response.charset == "utf-8"
    assert response.size == len(response.body)
    sent = exchange.request
    assert sent.method == "GET"
    assert sent.url == f"{lab.url}/echo?x=1&x=2"
    names = [name.lower() for name, _ in sent.headers]
    assert names[0] == "host"
    assert {"accept-encoding", "user-agent"} <= set(names)
    # What we say we sent is what the server received.
    assert [[k.lower(), v] for k, v in sent.headers] == [[k.lower(), v] for k, v in data["headers"]]


def test_custom_method(engine: Engine, lab: LabServer) -> None:
    assert echoed(engine.send(Request(method="PURGE", url=f"{lab.url}/echo")))["method"] == "PURGE"


def test_header_order_and_duplicates_reach_the_server(engine: Engine, lab: LabServer) -> None:
    request = Request(
        url=f"{lab.url}/echo",
        headers=(Header("X-Z", "1"), Header("X-A", "2"), Header("X-Z", "3")),
    )
    received = [(k, v) for k, v in echoed(engine.send(request))["headers"] if k.startswith("X-")]
    assert received == [("X-Z", "1"), ("X-A", "2"), ("X-Z", "3")]


@pytest.mark.parametrize(
    ("kind", "body", "form", "content_type", "expected"),
    [
        (BodyKind.RAW, "plain text", (), None, "plain text"),
        (BodyKind.JSON, '{"a": 1}', (), "application/json", '{"a": 1}'),
        (
            BodyKind.FORM,
            "",
            (FormField("a", "1 2"), FormField("b", "é")),
            "application/x-www-form-urlencoded",
            "a=1+2&b=%C3%A9",
        ),
    ],
)
def test_bodies(
    engine: Engine,
    lab: LabServer,
    kind: BodyKind,
    body: str,
    form: tuple[FormField, ...],
    content_type: str | None,
    expected: str,
) -> None:
    exchange = engine.send(
        Request(method="POST", url=f"{lab.url}/echo", body_kind=kind, body=body, form=form)
    )
    assert echoed(exchange)["body"] == expected
    assert echoed_header(exchange, "Content-Type") == ([content_type] if content_type else [])
    assert exchange.request.body == expected.encode()


def test_multipart_with_file(engine: Engine, lab: LabServer, tmp_path: Path) -> None:
    upload = tmp_path / "data.bin"
    upload.write_bytes(b"\x00\x01binary\xff")
    exchange = engine.send(
        Request(
            method="POST",
            url=f"{lab.url}/echo",
            body_kind=BodyKind.MULTIPART,
            form=(FormField("note", "hi"), FormField("upload", file=str(upload))),
        )
    )
    data = echoed(exchange)
    assert data["body_base64"] is True
    received = base64.b64decode(data["body"])
    assert b'name="upload"; filename="data.bin"' in received
    assert b"\x00\x01binary\xff" in received
    assert echoed_header(exchange, "Content-Type")[0].startswith("multipart/form-data; boundary=")


def test_missing_multipart_file_is_an_error_not_an_exception(
    engine: Engine, lab: LabServer
) -> None:
    exchange = engine.send(
        Request(
            url=f"{lab.url}/echo",
            body_kind=BodyKind.MULTIPART,
            form=(FormField("f", file="/nonexistent/reqscope.bin"),),
        )
    )
    assert exchange.response is None
    assert exchange.error is not None
    assert exchange.error.kind is ErrorKind.REQUEST_BODY


@pytest.mark.parametrize(
    ("auth", "header", "value"),
    [
        (Auth(kind=AuthKind.BEARER, token="t0k"), "Authorization", "Bearer t0k"),
        (
            Auth(kind=AuthKind.BASIC, username="u", password="p"),
            "Authorization",
            "Basic dTpw",
        ),
        (Auth(kind=AuthKind.API_KEY, token="k3y", key_name="X-Api-Key"), "X-Api-Key", "k3y"),
    ],
)
def test_auth_kinds(engine: Engine, lab: LabServer, auth: Auth, header: str, value: str) -> None:
    exchange = engine.send(Request(url=f"{lab.url}/echo", auth=auth))
    assert echoed_header(exchange, header) == [value]


def test_api_key_in_query(engine: Engine, lab: LabServer) -> None:
    auth = Auth(
        kind=AuthKind.API_KEY, token="k3y", key_name="api_key", location=ApiKeyLocation.QUERY
    )
    exchange = engine.send(Request(url=f"{lab.url}/echo?a=1", auth=auth))
    assert echoed(exchange)["query"] == [["a", "1"], ["api_key", "k3y"]]


def test_same_origin_redirects_keep_authorization(engine: Engine, lab: LabServer) -> None:
    exchange = engine.send(
        Request(url=f"{lab.url}/redirect/3", auth=Auth(kind=AuthKind.BEARER, token="secret"))
    )
    assert echoed(exchange)["path"] == "/echo"
    assert echoed_header(exchange, "Authorization") == ["Bearer secret"]
    assert [hop.status for hop in exchange.redirects] == [302, 302, 302]
    assert all(hop.dropped_headers == () for hop in exchange.redirects)
    assert exchange.redirects[0].url == f"{lab.url}/redirect/3"
    assert exchange.redirects[0].location == "/redirect/2"
    assert exchange.redirects[-1].next_url == f"{lab.url}/echo"
    # The SentRequest is the first hop.
    assert exchange.request.url == f"{lab.url}/redirect/3"


def test_cross_origin_redirect_drops_and_records_authorization(
    engine: Engine, lab: LabServer
) -> None:
    exchange = engine.send(
        Request(
            url=f"{lab.url}/redirect-cross/1",
            headers=(Header("Cookie", "sid=1"), Header("X-Keep", "yes")),
            auth=Auth(kind=AuthKind.BEARER, token="secret"),
        )
    )
    assert echoed_header(exchange, "Authorization") == []
    assert echoed_header(exchange, "Cookie") == []
    assert echoed_header(exchange, "X-Keep") == ["yes"]
    (hop,) = exchange.redirects
    assert hop.dropped_headers == ("Cookie", "Authorization")
    assert hop.next_url == f"http://127.0.0.1:{lab.state.other_port}/echo"


def test_303_turns_post_into_get_and_drops_the_body(engine: Engine, lab: LabServer) -> None:
    exchange = engine.send(
        Request(
            method="POST",
            url=f"{lab.url}/redirect/1?status=303",
            body_kind=BodyKind.JSON,
            body="{}",
        )
    )
    data = echoed(exchange)
    assert data["method"] == "GET"
    assert data["body"] == ""
    (hop,) = exchange.redirects
    assert (hop.method, hop.next_method) == ("POST", "GET")
    assert hop.dropped_headers == ("Content-Type",)


def test_307_keeps_method_and_body(engine: Engine, lab: LabServer) -> None:
    exchange = engine.send(
        Request(
            method="PUT", url=f"{lab.url}/redirect/2?status=307", body_kind=BodyKind.RAW, body="x"
        )
    )
    data = echoed(exchange)
    assert (data["method"], data["body"]) == ("PUT", "x")


def test_too_many_redirects(engine: Engine, lab: LabServer) -> None:
    exchange = engine.send(
        Request(url=f"{lab.url}/redirect/10", options=RequestOptions(max_redirects=3))
    )
    assert exchange.response is None
    assert exchange.error is not None
    assert exchange.error.kind is ErrorKind.TOO_MANY_REDIRECTS
    assert len(exchange.redirects) == 4


def test_not_following_redirects_returns_the_3xx(engine: Engine, lab: LabServer) -> None:
    exchange = engine.send(
        Request(url=f"{lab.url}/redirect/2", options=RequestOptions(follow_redirects=False))
    )
    assert exchange.status == 302
    assert exchange.redirects == ()


def test_cookies_set_along_a_redirect_chain_are_sent_but_not_kept(
    engine: Engine, lab: LabServer
) -> None:
    chained = engine.send(Request(url=f"{lab.url}/cookies/set?flavour=oat"))
    assert echoed(chained)["cookies"] == {"flavour": "oat"}
    later = engine.send(Request(url=f"{lab.url}/cookies"))
    assert echoed(later)["cookies"] == {}


@pytest.mark.parametrize("path", ["/gzip", "/brotli"])
def test_compressed_bodies_are_decoded(engine: Engine, lab: LabServer, path: str) -> None:
    exchange = engine.send(Request(url=lab.url + path))
    assert echoed(exchange)["path"] == path
    assert exchange.response is not None
    assert exchange.response.header("content-encoding") in ("gzip", "br")


def test_binary_body_is_detected(engine: Engine, lab: LabServer) -> None:
    exchange = engine.send(Request(url=f"{lab.url}/bytes/2048"))
    response = exchange.response
    assert response is not None
    assert response.is_binary
    assert response.text == ""
    assert len(response.body) == 2048


def test_undeclared_charset_is_decoded(engine: Engine, lab: LabServer) -> None:
    exchange = engine.send(Request(url=f"{lab.url}/charset/shift_jis?declare=0"))
    response = exchange.response
    assert response is not None
    assert response.charset == "shift_jis"
    assert "ひらがな" in response.text


def test_big_body_is_truncated_at_the_cap(engine: Engine, lab: LabServer) -> None:
    exchange = engine.send(
        Request(url=f"{lab.url}/json/1", options=RequestOptions(max_body_bytes=10_000))
    )
    response = exchange.response
    assert response is not None
    assert response.truncated
    assert len(response.body) == 10_000
    assert response.size > 10_000
    assert response.text.startswith('{\n  "items"')


def test_chunked_stream(engine: Engine, lab: LabServer) -> None:
    exchange = engine.send(Request(url=f"{lab.url}/stream/5"))
    response = exchange.response
    assert response is not None
    assert response.header("transfer-encoding") == "chunked"
    assert [json.loads(line)["id"] for line in response.text.splitlines()] == [0, 1, 2, 3, 4]


def test_connection_reuse_and_timings(engine: Engine, lab: LabServer) -> None:
    first = engine.send(Request(url=f"{lab.url}/echo"))
    second = engine.send(Request(url=f"{lab.url}/echo"))
    assert not first.timings.reused_connection
    assert first.timings.connect_ms is not None
    assert first.timings.dns_ms is None  # an IP literal needs no lookup
    assert second.timings.reused_connection
    assert second.timings.connect_ms is None
    assert second.timings.tls_ms is None
    for timings in (first.timings, second.timings):
        assert timings.send_ms is not None
        assert timings.wait_ms is not None
        assert timings.receive_ms is not None
        assert timings.total_ms >= timings.wait_ms


def test_dns_is_timed_for_a_host_name(engine: Engine, lab: LabServer) -> None:
    exchange = engine.send(Request(url=f"http://localhost:{lab.port}/echo"))
    assert exchange.status == 200
    assert exchange.timings.dns_ms is not None
    assert exchange.timings.connect_ms is not None


def test_refused_connection(engine: Engine) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    exchange = engine.send(Request(url=f"http://127.0.0.1:{port}/"))
    assert exchange.response is None
    assert exchange.error is not None
    assert exchange.error.kind is ErrorKind.CONNECT_REFUSED
    assert str(port) in exchange.error.message


def test_dns_failure(engine: Engine) -> None:
    exchange = engine.send(Request(url="http://reqscope-test.invalid/"))
    assert exchange.error is not None
    assert exchange.error.kind is ErrorKind.DNS
    assert "reqscope-test.invalid" in exchange.error.message


def test_connect_timeout(engine: Engine) -> None:
    # A listener whose accept queue is full: further SYNs are dropped, so connect hangs.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        try:
            exchange = engine.send(
                Request(url=f"http://127.0.0.1:{port}/", options=RequestOptions(timeout=0.3))
            )
        finally:
            for filler in fillers:
                filler.close()
    assert exchange.error is not None
    assert exchange.error.kind is ErrorKind.CONNECT_TIMEOUT


def test_read_timeout(engine: Engine, lab: LabServer) -> None:
    exchange = engine.send(
        Request(url=f"{lab.url}/delay/3000", options=RequestOptions(timeout=0.3))
    )
    assert exchange.error is not None
    assert exchange.error.kind is ErrorKind.READ_TIMEOUT
    assert exchange.timings.total_ms < 3000


def test_total_timeout_while_data_keeps_flowing(engine: Engine, lab: LabServer) -> None:
    # Each chunk arrives well within the read timeout; the whole takes longer than allowed.
    exchange = engine.send(
        Request(url=f"{lab.url}/stream/20?delay_ms=100", options=RequestOptions(timeout=0.35))
    )
    assert exchange.response is None
    assert exchange.error is not None
    assert exchange.error.kind is ErrorKind.TOTAL_TIMEOUT
    assert exchange.timings.total_ms < 2000


@pytest.mark.parametrize(
    "url",
    ["example.com/x", "ftp://example.com/", "http://example.com:99999/", "http://exa mple.com/"],
)
def test_invalid_urls_are_errors(engine: Engine, url: str) -> None:
    exchange = engine.send(Request(url=url))
    assert exchange.error is not None
    assert exchange.error.kind is ErrorKind.INVALID_URL
    assert exchange.request.url == url


def test_redirect_to_unsupported_scheme_is_an_error(engine: Engine, lab: LabServer) -> None:
    exchange = engine.send(Request(url=f"{lab.url}/redirect-to?url=ftp://example.com/f"))
    assert exchange.error is not None
    assert exchange.error.kind is ErrorKind.INVALID_URL
    assert len(exchange.redirects) == 1


def test_http2_option_over_plain_http_falls_back_to_http11(engine: Engine, lab: LabServer) -> None:
    exchange = engine.send(Request(url=f"{lab.url}/echo", options=RequestOptions(http2=True)))
    assert exchange.status == 200
    assert exchange.request.http_version == "HTTP/1.1"


def test_concurrent_sends_from_threads(engine: Engine, lab: LabServer) -> None:
    def send(index: int) -> str:
        exchange = engine.send(Request(url=f"{lab.url}/echo?i={index}"))
        return str(echoed(exchange)["query"][0][1])

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(send, range(30)))
    assert results == [str(i) for i in range(30)]


def test_a_closed_engine_refuses_to_send(lab: LabServer) -> None:
    engine = Engine()
    engine.close()
    with pytest.raises(RuntimeError):
        engine.send(Request(url=f"{lab.url}/echo"))
