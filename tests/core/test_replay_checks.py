"""JSON paths, expectations and captures on exchanges built as data (no transport involved:
these are pure functions of an Exchange)."""

from __future__ import annotations

import json

import pytest

from reqscope.core.errors import ReplayError
from reqscope.core.model import (
    Capture,
    ErrorKind,
    Exchange,
    Expectation,
    Response,
    SentRequest,
    Timings,
    TransportError,
    Variable,
)
from reqscope.core.replay.captures import apply_captures
from reqscope.core.replay.expectations import check_expectation, validate
from reqscope.core.replay.jsonpath import find, format_path, matches, parse_path

DOC = {
    "user": {"id": 7, "name": "alice", "roles": ["admin", "dev"]},
    "items": [{"id": 1, "tags": ["a"]}, {"id": 2, "tags": []}],
    "a/b": {"~x": True},
    "odd key": None,
}


def exchange(
    status: int = 200,
    body: object = DOC,
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),),
    total_ms: float = 12.0,
) -> Exchange:
    raw = body if isinstance(body, str) else json.dumps(body)
    response = Response(
        status=status,
        reason={200: "OK", 403: "Forbidden"}.get(status, ""),
        headers=headers,
        body=raw.encode(),
        text=raw,
        charset="utf-8",
    )
    sent = SentRequest("GET", "http://127.0.0.1:1/x")
    return Exchange(request=sent, response=response, timings=Timings(total_ms=total_ms))


# --- JSON paths ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.user.name", ["alice"]),
        ("user.name", ["alice"]),
        ("$.user.roles[1]", ["dev"]),
        ("$.user.roles[-1]", ["dev"]),
        ("$.items[*].id", [1, 2]),
        ("$..id", [7, 1, 2]),
        ("$['odd key']", [None]),
        ('$["a/b"]["~x"]', [True]),
        ("/user/roles/0", ["admin"]),
        ("/a~1b/~0x", [True]),
        ("", [DOC]),
        ("$.nothing.here", []),
        ("$.items[5]", []),
    ],
)
def test_json_paths_and_pointers_select_values(path: str, expected: list[object]) -> None:
    assert find(DOC, parse_path(path)) == expected


@pytest.mark.parametrize("path", ["$.a[", "$.a[x]", "$..", "$a", "$.items[1"])
def test_bad_json_paths_are_errors_that_quote_the_path(path: str) -> None:
    with pytest.raises(ReplayError, match="invalid JSON path"):
        parse_path(path)


def test_ignore_patterns_match_concrete_paths_and_what_is_under_them() -> None:
    concrete = (*parse_path("$.items[3].meta"), *parse_path("$.stamp")[0:1])
    assert format_path(concrete) == "$.items[3].meta.stamp"
    assert matches(parse_path("$.items[*].meta"), concrete)
    assert matches(parse_path("$..stamp"), concrete)
    assert matches(parse_path("/items/3"), concrete)
    assert not matches(parse_path("$.items[2]"), concrete)
    assert not matches(parse_path("$..other"), concrete)


# --- expectations -------------------------------------------------------------------------


def check(target: str, op: str, value: str = "", key: str = "", ex: Exchange | None = None):  # type: ignore[no-untyped-def]
    return check_expectation(Expectation(target, op, value, key), ex or exchange())


@pytest.mark.parametrize(
    ("value", "status", "passed"),
    [
        ("200", 200, True),
        ("2xx", 204, True),
        ("2XX", 403, False),
        ("200,201", 201, True),
        ("2xx, 403", 403, True),
        ("201", 200, False),
    ],
)
def test_status_exact_list_and_class(value: str, status: int, passed: bool) -> None:
    assert check("status", "equals", value, ex=exchange(status)).passed is passed
    assert check("status", "in", value, ex=exchange(status)).passed is passed


def test_a_failed_status_says_expected_and_actual() -> None:
    result = check("status", "equals", "2xx", ex=exchange(403))
    assert not result.passed
    assert result.message == "status: FAILED: expected 2xx, got 403 Forbidden"


def test_header_equals_matches_contains_absent() -> None:
    ex = exchange(headers=(("WWW-Authenticate", 'Bearer error="insufficient_scope"'),))
    assert check("header", "matches", r"error=\"insufficient_\w+", "www-authenticate", ex).passed
    assert check("header", "contains", "insufficient", "WWW-Authenticate", ex).passed
    assert not check("header", "equals", "Bearer", "WWW-Authenticate", ex).passed
    assert check("header", "absent", key="Set-Cookie", ex=ex).passed
    missing = check("header", "equals", "x", "X-Missing", ex)
    assert (missing.passed, missing.actual) == (False, "no such header")


def test_json_equals_contains_matches_absent() -> None:
    assert check("json", "equals", "7", "$.user.id").passed
    assert check("json", "equals", "7.0", "$.user.id").passed
    assert not check("json", "equals", '"7"', "$.user.id").passed
    assert check("json", "equals", "alice", "$.user.name").passed  # bare text is a string
    assert check("json", "contains", "admin", "$.user.roles").passed
    assert check("json", "contains", "lic", "$.user.name").passed
    assert check("json", "contains", '{"id": 2}', "$.items[1]").passed
    assert check("json", "matches", "^al", "$.user.name").passed
    assert check("json", "absent", key="$.user.password").passed
    failed = check("json", "equals", "8", "$.user.id")
    assert "expected '8', got 7" in failed.message


def test_json_on_a_body_that_is_not_json_fails_and_says_so() -> None:
    result = check("json", "equals", "1", "$.a", exchange(body="<html>nope</html>"))
    assert (result.passed, result.actual) == (False, "a body that is not JSON")


def test_body_and_duration() -> None:
    assert check("body", "contains", '"alice"').passed
    assert check("body", "matches", r'"id": \d+').passed
    assert not check("body", "absent").passed
    assert check("duration_ms", "max", "20", ex=exchange(total_ms=12.0)).passed
    slow = check("duration_ms", "max", "5", ex=exchange(total_ms=12.0))
    assert slow.message == "duration_ms: FAILED: expected at most 5 ms, got 12 ms"


def test_no_response_fails_every_check_with_the_transport_error() -> None:
    error = TransportError(ErrorKind.CONNECT_REFUSED, "connection refused by 127.0.0.1:9")
    ex = Exchange(request=SentRequest("GET", "http://127.0.0.1:9/"), error=error)
    result = check("status", "equals", "200", ex=ex)
    assert not result.passed
    assert result.actual == "no response (connection refused by 127.0.0.1:9)"


@pytest.mark.parametrize(
    ("exp", "message"),
    [
        (Expectation("status", "equals", "abc"), "use a code"),
        (Expectation("status", "max", "200"), "does not apply"),
        (Expectation("header", "equals", "x"), "needs key"),
        (Expectation("json", "matches", "(", "$.a"), "invalid regex"),
        (Expectation("json", "equals", "1", "$.a["), "invalid JSON path"),
        (Expectation("duration_ms", "max", "soon"), "number of milliseconds"),
    ],
)
def test_invalid_expectations_are_refused_before_running(exp: Expectation, message: str) -> None:
    with pytest.raises(ReplayError, match=message):
        validate(exp)


# --- captures -----------------------------------------------------------------------------


def test_captures_from_json_header_and_regex() -> None:
    ex = exchange(
        body={"access_token": "tok-123456", "n": 3},
        headers=(("X-Trace", "abc-1"), ("Content-Type", "application/json")),
    )
    captures = (
        Capture("token", "json", "$.access_token", secret=True),
        Capture("n", "json", "/n"),
        Capture("trace", "header", "x-trace"),
        Capture("digits", "regex", r'"n": (\d+)'),
        Capture("whole", "regex", r"tok-\d+"),
    )
    taken = apply_captures(captures, ex)
    assert [(c.capture.variable, c.value, c.secret) for c in taken] == [
        ("token", "tok-123456", True),
        ("n", "3", False),
        ("trace", "abc-1", False),
        ("digits", "3", False),
        ("whole", "tok-123456", False),
    ]


def test_a_capture_into_a_declared_secret_variable_is_secret() -> None:
    taken = apply_captures(
        (Capture("sid", "header", "X-Session"),),
        exchange(headers=(("X-Session", "s-998877"),)),
        (Variable("sid", secret=True),),
    )
    assert taken[0].secret


def test_a_capture_that_finds_nothing_says_why() -> None:
    taken = apply_captures(
        (Capture("t", "json", "$.token"), Capture("h", "header", "X-None")), exchange()
    )
    assert [(c.ok, c.problem) for c in taken] == [
        (False, "nothing at $.token"),
        (False, "no 'X-None' header"),
    ]


# --- "expect this" --------------------------------------------------------------------------


def test_expect_this_pins_status_media_type_and_stable_json_fields() -> None:
    from reqscope.core.redact import Redactor
    from reqscope.core.replay.suggest import expectations_from

    body = {
        "error": "forbidden",
        "code": 1003,
        "request_id": "r-77",
        "createdAt": "2025-01-01",
        "access_token": "tok-998877",
        "echo": "s3cret-value",
        "nested": {"a": 1},
    }
    ex = exchange(
        403,
        body,
        headers=(
            ("Content-Type", "application/json; charset=utf-8"),
            ("WWW-Authenticate", 'Bearer error="insufficient_scope", scope="x"'),
        ),
    )
    expect = expectations_from(ex, Redactor(["s3cret-value"]))
    assert expect == (
        Expectation("status", "equals", "403"),
        Expectation("header", "contains", "application/json", "Content-Type"),
        Expectation("header", "contains", 'error="insufficient_scope"', "WWW-Authenticate"),
        Expectation("json", "equals", '"forbidden"', "$.error"),
        Expectation("json", "equals", "1003", "$.code"),
    )
    assert all(check_expectation(e, ex).passed for e in expect)
