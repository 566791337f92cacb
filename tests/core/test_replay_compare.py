"""Comparing a new exchange with the recorded one: outcome, status, headers, bodies (JSON
structurally, text by line, binary by bytes) and the ignore list."""

from __future__ import annotations

import json

import pytest

from reqscope.core.errors import ReplayError
from reqscope.core.model import (
    ErrorKind,
    Exchange,
    Response,
    SentRequest,
    TransportError,
)
from reqscope.core.replay.compare import compare_exchanges, parse_ignore

SENT = SentRequest("GET", "http://127.0.0.1:1/orders")


def exchange(
    status: int = 200,
    body: object = None,
    headers: tuple[tuple[str, str], ...] = (),
    binary: bytes | None = None,
) -> Exchange:
    if binary is not None:
        response = Response(status=status, headers=headers, body=binary, is_binary=True)
    else:
        text = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
        response = Response(
            status=status, headers=headers, body=text.encode(), text=text, charset="utf-8"
        )
    return Exchange(request=SENT, response=response)


def test_identical_exchanges_have_no_changes() -> None:
    ex = exchange(body={"a": 1}, headers=(("X-A", "1"),))
    comparison = compare_exchanges(ex, ex)
    assert not comparison.regression
    assert comparison.changes == ()


def test_status_and_header_changes() -> None:
    before = exchange(200, headers=(("Server", "nginx"), ("Via", "kong"), ("X-A", "1")))
    after = exchange(429, headers=(("server", "kong"), ("X-A", "1"), ("Retry-After", "60")))
    comparison = compare_exchanges(before, after)
    assert comparison.regression
    assert [c.describe() for c in comparison.changes] == [
        "status: 200 -> 429",
        "header Server: 'nginx' -> 'kong'",
        "header Via: removed (was 'kong')",
        "header Retry-After: added '60'",
    ]


def test_volatile_headers_are_ignored_by_default_and_counted() -> None:
    before = exchange(headers=(("Date", "Mon"), ("Content-Length", "10")))
    after = exchange(headers=(("Date", "Tue"), ("Content-Length", "12")))
    comparison = compare_exchanges(before, after)
    assert not comparison.regression
    assert comparison.ignored == 2


def test_json_bodies_are_compared_structurally() -> None:
    before = exchange(body={"a": 1, "list": [1, 2, 3], "nested": {"x": True}, "gone": "g"})
    after_text = '{"nested": {"x": 1}, "list": [1, 5], "a": 1.0, "new": null}'  # order differs
    comparison = compare_exchanges(before, exchange(body=after_text))
    assert [c.describe() for c in comparison.changes] == [
        "$.list[1]: 2 -> 5",
        "$.list[2]: removed (was 3)",
        "$.nested.x: true -> 1",
        '$.gone: removed (was "g")',
        "$.new: added null",
    ]


def test_the_ignore_list_hides_volatile_json_fields_and_headers() -> None:
    ignore = parse_ignore(
        ("headers.x-request-id", "json:$.request_id", "$.items[*].updated", "$..etag")
    )
    before = exchange(
        body={"request_id": "r1", "items": [{"id": 1, "updated": "t1", "meta": {"etag": "e1"}}]},
        headers=(("X-Request-Id", "r1"),),
    )
    after = exchange(
        body={"request_id": "r2", "items": [{"id": 1, "updated": "t2", "meta": {"etag": "e2"}}]},
        headers=(("X-Request-Id", "r2"),),
    )
    comparison = compare_exchanges(before, after, ignore)
    assert not comparison.regression
    assert comparison.ignored == 4
    changed = exchange(
        body={"request_id": "r3", "items": [{"id": 2, "updated": "t3", "meta": {"etag": "e3"}}]}
    )
    # The ignored header is gone, the ignored fields changed: only the id counts.
    assert [c.where for c in compare_exchanges(before, changed, ignore).changes] == [
        "$.items[0].id"
    ]


def test_text_bodies_report_the_first_differing_line() -> None:
    before = exchange(body="line 1\nline 2\nline 3\n")
    after = exchange(body="line 1\nLINE 2\nline 3\nline 4\n")
    (change,) = compare_exchanges(before, after).changes
    assert change.describe() == "body line 2 (and 1 more lines): 'line 2' -> 'LINE 2'"


def test_binary_bodies_compare_by_bytes_and_whole_body_can_be_ignored() -> None:
    before, after = exchange(binary=b"\x00\x01"), exchange(binary=b"\x00\x02")
    (change,) = compare_exchanges(before, after).changes
    assert change.kind == "body"
    assert not compare_exchanges(before, after, parse_ignore(("body",))).regression


def test_a_response_that_became_a_transport_error_is_an_outcome_change() -> None:
    error = TransportError(ErrorKind.CONNECT_REFUSED, "refused")
    comparison = compare_exchanges(exchange(200), Exchange(request=SENT, error=error))
    assert [c.describe() for c in comparison.changes] == [
        "outcome: 200 -> no response (connect_refused)"
    ]
    same = compare_exchanges(
        Exchange(request=SENT, error=error), Exchange(request=SENT, error=error)
    )
    assert not same.regression


def test_a_bad_json_path_in_the_ignore_list_is_an_error() -> None:
    with pytest.raises(ReplayError, match="invalid JSON path"):
        parse_ignore(("json:$.a[",))
