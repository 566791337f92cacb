"""Replay against the lab over real sockets: captures flowing, skips, fail-fast, --only,
concurrency, regressions against a recording and --record's redacted write-back."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from reqscope.core.errors import ReplayError, TemplateError
from reqscope.core.model import (
    BodyKind,
    Capture,
    Expectation,
    Header,
    Request,
    Session,
    Variable,
)
from reqscope.core.replay import (
    ERROR,
    FAILED,
    PASSED,
    SKIPPED,
    Replay,
    ReplayOptions,
    with_recordings,
)
from reqscope.core.store import load_session, save_session
from reqscope.lab.server import LabServer

TOKEN_BODY = (
    "grant_type=client_credentials&client_id=lab-client&client_secret=lab-client-secret"
    "&scope=orders:read+orders:write"
)
KONG_IGNORE = (
    "headers.x-kong-request-id",
    "headers.ratelimit-remaining",
    "headers.ratelimit-reset",
    "headers.x-ratelimit-remaining-minute",
)


def token_request(expr: str = "$.access_token") -> Request:
    return Request(
        name="token",
        method="POST",
        url="{{base_url}}/401/oauth/token",
        headers=(Header("Content-Type", "application/x-www-form-urlencoded"),),
        body_kind=BodyKind.RAW,
        body=TOKEN_BODY,
        expect=(Expectation("status", "equals", "200"),),
        captures=(Capture("token", "json", expr, secret=True),),
    )


def orders_request() -> Request:
    return Request(
        name="orders",
        method="POST",
        url="{{base_url}}/403/oauth/orders",
        headers=(Header("Authorization", "Bearer {{token}}"),),
        body_kind=BodyKind.JSON,
        body='{"item": "book"}',
        expect=(
            Expectation("status", "equals", "201"),
            Expectation("json", "equals", '"created"', "$.status"),
        ),
    )


def login_session(lab: LabServer, *extra: Request) -> Session:
    return Session(
        name="login flow",
        variables=(Variable("base_url", lab.url), Variable("token", secret=True)),
        requests=(token_request(), orders_request(), *extra),
        ignore=("json:$.id",),  # the lab gives each created order a new id
    )


def test_a_captured_token_flows_into_the_next_request_and_stays_secret(lab: LabServer) -> None:
    replay = Replay(login_session(lab), env={})
    results = list(replay.results())
    assert [(r.name, r.outcome) for r in results] == [("token", PASSED), ("orders", PASSED)]
    token = results[0].exchange
    assert token is not None and token.response is not None
    secret = token.response.text.split('"access_token":"')[1].split('"')[0]
    assert secret in replay.redactor.secrets
    assert results[0].captures[0].value == "[redacted]"
    orders = results[1].shown
    assert orders is not None
    assert ("Authorization", "Bearer [redacted]") in orders.request.headers
    assert all(secret not in value for _, value in orders.request.headers)


def test_a_capture_that_finds_nothing_skips_the_requests_that_need_it(lab: LabServer) -> None:
    session = login_session(lab)
    session = replace(session, requests=(token_request("$.no_such_field"), orders_request()))
    results = list(Replay(session, env={}).results())
    assert [r.outcome for r in results] == [FAILED, SKIPPED]
    assert results[1].reason == (
        "needs {{token}}, which 'token' did not capture (nothing at $.no_such_field)"
    )
    assert "capture 'token' (json $.no_such_field): nothing at $.no_such_field" in (
        results[0].failures
    )


def test_fail_fast_stops_after_the_first_failure(lab: LabServer) -> None:
    failing = Request(
        name="teapot",
        url="{{base_url}}/status/418",
        expect=(Expectation("status", "equals", "2xx"),),
    )
    after = Request(name="after", url="{{base_url}}/status/200")
    session = Session(variables=(Variable("base_url", lab.url),), requests=(failing, after))
    results = list(Replay(session, env={}, options=ReplayOptions(fail_fast=True)).results())
    assert [r.outcome for r in results] == [FAILED, SKIPPED]
    assert results[0].diagnosis is not None  # a failure carries the diagnosis of the response
    assert "--fail-fast" in results[1].reason


def test_only_runs_the_named_request_and_what_it_captures_from(lab: LabServer) -> None:
    unrelated = Request(name="unrelated", url="{{base_url}}/status/200")
    session = login_session(lab, unrelated)
    replay = Replay(session, env={}, options=ReplayOptions(only=("orders",)))
    assert [r.name for r in replay.results()] == ["token", "orders"]
    with pytest.raises(ReplayError, match="no request named 'ordres'"):
        Replay(session, env={}, options=ReplayOptions(only=("ordres",)))


def test_undefined_variables_are_found_before_anything_is_sent(lab: LabServer) -> None:
    session = Session(
        variables=(Variable("base_url", lab.url),),
        requests=(Request(name="a", url="{{base_url}}/echo?x={{nope}}"),),
    )
    with pytest.raises(TemplateError, match="undefined variable 'nope'"):
        Replay(session, env={})


def test_concurrency_overlaps_independent_requests_and_keeps_dependencies(
    lab: LabServer,
) -> None:
    slow = tuple(Request(name=f"slow {n}", url="{{base_url}}/delay/500") for n in range(4))
    session = login_session(lab, *slow)
    start = time.perf_counter()
    results = list(Replay(session, env={}, options=ReplayOptions(concurrency=4)).results())
    elapsed = time.perf_counter() - start
    assert [r.name for r in results] == ["token", "orders", *(r.name for r in slow)]
    assert all(r.outcome == PASSED for r in results)  # orders still got its token
    # In order, the four delays alone take 2 s; overlapped they take about 0.5 s.
    assert elapsed < 1.9


def test_a_changed_server_behaviour_is_a_regression_with_a_diff(
    lab: LabServer, tmp_path: Path
) -> None:
    kong = Request(name="kong", url="{{base_url}}/429/kong/api/orders")
    session = Session(
        name="kong",
        variables=(Variable("base_url", lab.url),),
        requests=(kong,),
        ignore=KONG_IGNORE,
    )
    first = list(Replay(session, env={}).results())
    assert first[0].comparison is None  # nothing recorded yet
    path = tmp_path / "kong.toml"
    save_session(with_recordings(session, first), path)
    recorded = load_session(path)
    second = list(Replay(recorded, env={}).results())  # 2nd of 3 allowed: volatile fields only
    assert second[0].outcome == PASSED
    assert second[0].comparison is not None and second[0].comparison.ignored >= 3
    list(Replay(recorded, env={}).results())  # 3rd: the last one allowed
    (changed,) = Replay(recorded, env={}).results()
    assert changed.outcome == FAILED
    assert changed.comparison is not None
    described = [c.describe() for c in changed.comparison.changes]
    assert "status: 200 OK -> 429 Too Many Requests" in described
    assert "header Retry-After: added '60'" in described
    accepted = list(Replay(recorded, env={}, options=ReplayOptions(accept_changes=True)).results())
    assert accepted[0].outcome == PASSED


def test_recordings_are_written_redacted(lab: LabServer, tmp_path: Path) -> None:
    replay = Replay(login_session(lab), env={})
    results = list(replay.results())
    path = tmp_path / "login.toml"
    save_session(with_recordings(replay.session, results), path, redactor=replay.redactor)
    text = path.read_text()
    for secret in replay.redactor.secrets:
        assert secret not in text
    saved = load_session(path)
    assert [e.request_name for e in saved.history] == ["token", "orders"]
    assert '"access_token":"[redacted]"' in saved.history[0].response.text  # type: ignore[union-attr]
    # Replaying against the recording: the tokens differ, but both are redacted alike.
    again = list(Replay(saved, env={}).results())
    assert [r.outcome for r in again] == [PASSED, PASSED]


def test_a_refused_connection_is_an_error_outcome(unused_url: str) -> None:
    session = Session(
        requests=(
            Request(name="down", url=unused_url, expect=(Expectation("status", "in", "2xx"),)),
        )
    )
    (result,) = Replay(session, env={}).results()
    assert result.outcome == ERROR
    assert result.failures[0].startswith("no response: ")


@pytest.fixture
def unused_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_a_captured_value_is_data_not_a_template(lab: LabServer) -> None:
    echo = Request(
        name="echo",
        url="{{base_url}}/echo?v=%7B%7Bnope%7D%7D",
        captures=(Capture("value", "json", "$.query[0][1]"),),
    )
    again = Request(
        name="again",
        url="{{base_url}}/echo",
        headers=(Header("X-Value", "{{value}}"),),
        expect=(Expectation("json", "contains", '["X-Value", "{{nope}}"]', "$.headers"),),
    )
    session = Session(variables=(Variable("base_url", lab.url),), requests=(echo, again))
    results = list(Replay(session, env={}).results())
    assert [r.outcome for r in results] == [PASSED, PASSED], results[1].failures
