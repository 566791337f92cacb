"""The proxy option over real sockets: the lab stands in for a forward proxy (it answers the
absolute-form request line a client sends to a proxy), and a proxy that is not there is a
`proxy` error naming it, not a failure of the target."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from reqscope.core.engine import Engine
from reqscope.core.model import ErrorKind, Request, RequestOptions
from reqscope.lab.server import LabServer, running_lab


@pytest.fixture(scope="module")
def lab() -> Iterator[LabServer]:
    with running_lab() as server:
        yield server


@pytest.fixture
def engine() -> Iterator[Engine]:
    with Engine() as eng:
        yield eng


def test_requests_go_through_the_proxy(engine: Engine, lab: LabServer) -> None:
    # The target's name does not resolve: only the proxy can have answered.
    target = "http://reqscope-proxied.invalid/some/path?q=1"
    exchange = engine.send(Request(url=target, options=RequestOptions(proxy=lab.url)))
    assert exchange.error is None, exchange.error
    assert exchange.response is not None
    # The lab has no route for an absolute-form target; its 404 echoes what it received.
    assert json.loads(exchange.response.text)["path"] == target.partition("?")[0]
    assert exchange.request.url == target
    assert (
        exchange.timings.dns_ms is None
    )  # the proxy is an IP literal; the target is not looked up


def test_a_missing_proxy_is_a_proxy_error(engine: Engine, lab: LabServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    exchange = engine.send(
        Request(url=f"{lab.url}/echo", options=RequestOptions(proxy=f"http://127.0.0.1:{port}"))
    )
    assert exchange.response is None
    assert exchange.error is not None
    assert exchange.error.kind is ErrorKind.PROXY
    assert str(port) in exchange.error.message


def test_an_unusable_proxy_url_is_a_proxy_error(engine: Engine, lab: LabServer) -> None:
    exchange = engine.send(
        Request(url=f"{lab.url}/echo", options=RequestOptions(proxy="ftp://127.0.0.1:21"))
    )
    assert exchange.error is not None
    assert exchange.error.kind is ErrorKind.PROXY
