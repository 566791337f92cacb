"""The lab's generic routes over a real socket, read with plain httpx (not our engine, so a
bug in one cannot hide a bug in the other)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import brotli  # type: ignore[import-untyped]
import httpx
import pytest

import reqscope.lab.generic as generic
from reqscope.lab.server import LabServer, running_lab


@pytest.fixture(scope="module")
def lab() -> Iterator[LabServer]:
    with running_lab() as server:
        yield server


@pytest.fixture
def client(lab: LabServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=lab.url, timeout=10) as http:
        yield http


def test_every_generic_route_has_a_summary() -> None:
    routes = [r for r in generic.router.routes if r.handler.__module__ == generic.__name__]
    assert len(routes) >= 15
    assert all(route.summary for route in routes)


def test_echo(client: httpx.Client) -> None:
    response = client.request(
        "PATCH",
        "/echo?b=2&a=1&a=3",
        headers=[("X-Two", "2"), ("X-One", "1"), ("X-Two", "again")],
        content=b"hello",
    )
    data = response.json()
    assert data["method"] == "PATCH"
    assert data["path"] == "/echo"
    assert data["query"] == [["b", "2"], ["a", "1"], ["a", "3"]]
    assert [h for h in data["headers"] if h[0].startswith("X-")] == [
        ["X-Two", "2"],
        ["X-One", "1"],
        ["X-Two", "again"],
    ]
    assert (data["body"], data["body_base64"]) == ("hello", False)
    assert data["client_ip"] == "127.0.0.1"


def test_echo_binary_body_is_base64(client: httpx.Client) -> None:
    data = client.post("/echo", content=b"\xff\x00").json()
    assert (data["body"], data["body_base64"]) == ("/wA=", True)


@pytest.mark.parametrize("code", [200, 201, 204, 403, 418, 503])
def test_status(client: httpx.Client, code: int) -> None:
    response = client.get(f"/status/{code}")
    assert response.status_code == code
    if code != 204:
        assert response.json() == {"status": code}


@pytest.mark.parametrize("path", ["/status/99", "/status/600", "/status/x", "/delay/30001"])
def test_out_of_range_is_a_400(client: httpx.Client, path: str) -> None:
    assert client.get(path).status_code == 400


def test_delay(client: httpx.Client) -> None:
    assert client.get("/delay/50").json()["delayed_ms"] == 50


def test_redirect_chain(client: httpx.Client) -> None:
    first = client.get("/redirect/3")
    assert (first.status_code, first.headers["location"]) == (302, "/redirect/2")
    assert client.get("/redirect/1").headers["location"] == "/echo"
    kept = client.get("/redirect/2?status=307")
    assert (kept.status_code, kept.headers["location"]) == (307, "/redirect/1?status=307")
    followed = client.get("/redirect/4", follow_redirects=True)
    assert followed.json()["path"] == "/echo"
    assert len(followed.history) == 4


def test_redirect_cross_goes_to_the_sibling(client: httpx.Client, lab: LabServer) -> None:
    response = client.get("/redirect-cross/2")
    assert response.headers["location"] == f"http://127.0.0.1:{lab.state.other_port}/redirect/1"
    followed = client.get("/redirect-cross/1", follow_redirects=True)
    assert followed.url.port == lab.state.other_port


def test_redirect_to(client: httpx.Client) -> None:
    response = client.get("/redirect-to", params={"url": "/status/201", "status": "308"})
    assert (response.status_code, response.headers["location"]) == (308, "/status/201")
    assert client.get("/redirect-to").status_code == 400


def test_gzip_and_brotli(client: httpx.Client) -> None:
    # Read the bytes as they came over the wire and decompress them ourselves.
    with client.stream("GET", "/gzip") as response:
        assert response.headers["content-encoding"] == "gzip"
        wire = b"".join(response.iter_raw())
    assert json.loads(gzip.decompress(wire))["encoding"] == "gzip"
    with client.stream("GET", "/brotli") as response:
        assert response.headers["content-encoding"] == "br"
        wire = b"".join(response.iter_raw())
    assert json.loads(brotli.decompress(wire))["encoding"] == "br"


def test_big_json_is_deterministic_and_about_the_size_asked(client: httpx.Client) -> None:
    response = client.get("/json/1")
    assert 1024 * 1024 <= len(response.content) < 1024 * 1024 + 200
    data = response.json()
    assert data["count"] == len(data["items"])
    assert response.content == generic.big_json(1)
    assert client.get("/json/101").status_code == 400


def test_bytes(client: httpx.Client) -> None:
    first = client.get("/bytes/1000")
    assert first.headers["content-type"] == "application/octet-stream"
    assert len(first.content) == 1000
    assert first.content == client.get("/bytes/1000").content
    assert client.get("/bytes/0").content == b""


def test_ansi_body_is_full_of_escapes_and_markup(client: httpx.Client) -> None:
    text = client.get("/ansi").text
    assert "\x1b[2J" in text
    assert "\x1b]52;" in text
    assert "\x1b]8;;" in text
    assert "[bold red]" in text
    assert "[link=" in text


def test_stream_is_chunked(client: httpx.Client) -> None:
    with client.stream("GET", "/stream/4?delay_ms=10") as response:
        assert response.headers["transfer-encoding"] == "chunked"
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert [line["id"] for line in lines] == [0, 1, 2, 3]
    assert client.get("/stream/10000?delay_ms=5000").status_code == 400


def test_cookies(client: httpx.Client) -> None:
    response = client.get("/cookies/set?flavour=oat&size=big")
    assert response.status_code == 302
    assert response.headers.get_list("set-cookie") == ["flavour=oat; Path=/", "size=big; Path=/"]
    shown = client.get("/cookies", headers={"Cookie": "a=1; b=2"}).json()
    assert shown == {"cookies": {"a": "1", "b": "2"}}


@pytest.mark.parametrize("name", ["latin-1", "shift_jis", "gb18030", "utf-16"])
def test_charset(client: httpx.Client, name: str) -> None:
    declared = client.get(f"/charset/{name}")
    canonical = generic.CHARSET_ALIASES.get(name, name)
    assert declared.headers["content-type"] == f"text/plain; charset={canonical}"
    assert declared.content == generic.CHARSET_SAMPLES[canonical].encode(canonical)
    bare = client.get(f"/charset/{name}?declare=0")
    assert bare.headers["content-type"] == "text/plain"
    assert bare.content == declared.content
    assert client.get("/charset/klingon").status_code == 404
