"""Side-by-side rows for the diff screen: status, headers matched by name, JSON bodies
pretty-printed and aligned line by line."""

from __future__ import annotations

import json

from reqscope.core.model import Exchange, Response, SentRequest
from reqscope.core.replay.sidebyside import (
    ADDED,
    CHANGED,
    EQUAL,
    REMOVED,
    SECTION,
    side_by_side,
)


def exchange(status: int, headers: tuple[tuple[str, str], ...], body: object) -> Exchange:
    text = json.dumps(body)
    response = Response(
        status=status, headers=headers, body=text.encode(), text=text, charset="utf-8"
    )
    return Exchange(request=SentRequest("GET", "http://127.0.0.1:1/"), response=response)


def test_rows_align_status_headers_and_body() -> None:
    old = exchange(200, (("Server", "a"), ("Via", "kong")), {"orders": [1, 2], "n": 1})
    new = exchange(429, (("server", "b"), ("Retry-After", "60")), {"orders": [1, 3], "n": 1})
    diff = side_by_side(old, new)
    rows = [(row.left, row.right, row.tag) for row in diff.rows]
    assert rows[:6] == [
        ("status", "status", SECTION),
        ("200", "429", CHANGED),
        ("headers", "headers", SECTION),
        ("Server: a", "server: b", CHANGED),
        ("Via: kong", "", REMOVED),
        ("", "Retry-After: 60", ADDED),
    ]
    body = rows[7:]
    assert ("    2", "    3", CHANGED) in body
    assert ('  "n": 1', '  "n": 1', EQUAL) in body
    assert diff.changed == 5
    assert diff.next_change(0) == 1
    assert diff.next_change(5) is not None and rows[diff.next_change(5) or 0][2] == CHANGED


def test_identical_bodies_are_all_equal_rows() -> None:
    same = exchange(200, (), {"a": [1, 2, 3]})
    diff = side_by_side(same, same)
    assert diff.changed == 0
    assert {row.tag for row in diff.rows} == {SECTION, EQUAL}
