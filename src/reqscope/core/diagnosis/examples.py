"""Inline examples of rule files (section 8 of docs/knowledge-base.md): checked for shape at
load time, turned into Exchanges when `rules check` runs them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

from reqscope.core.model import (
    ErrorKind,
    Exchange,
    RedirectHop,
    Response,
    SentRequest,
    TransportError,
)

EXAMPLE_KEYS = frozenset(
    {"name", "request", "response", "error", "redirects", "history", "started_at", "expect"}
)
REQUEST_KEYS = frozenset({"method", "url", "headers", "body"})
RESPONSE_KEYS = frozenset({"status", "reason", "headers", "body"})
ERROR_KEYS = frozenset({"kind", "message", "detail"})
HOP_KEYS = frozenset({"method", "url", "status", "location", "dropped_headers"})
HISTORY_KEYS = frozenset(
    {"method", "url", "status", "request_headers", "response_headers", "seconds_before"}
)
EXPECTS = ("fires", "top")


def example_problems(example: dict[str, Any], *, counter: bool = False) -> list[str]:
    """What is wrong with the shape of one example (empty when it is usable)."""
    problems: list[str] = []
    allowed = EXAMPLE_KEYS - {"expect"} if counter else EXAMPLE_KEYS
    problems.extend(f"unknown key {k!r}" for k in sorted(set(example) - allowed))
    request = example.get("request")
    if not isinstance(request, dict) or not isinstance(request.get("url"), str):
        problems.append("`request` needs at least a `url` string")
    else:
        problems.extend(_table_problems(request, REQUEST_KEYS, "request"))
    has_response = "response" in example
    if has_response == ("error" in example):
        problems.append("give exactly one of `response` (with a status) or `error`")
    if has_response:
        response = example["response"]
        if not isinstance(response, dict) or not _is_status(response.get("status")):
            problems.append("`response.status` must be an int 100-599")
        else:
            problems.extend(_table_problems(response, RESPONSE_KEYS, "response"))
    if "error" in example:
        error = example["error"]
        kinds = {k.value for k in ErrorKind}
        if not isinstance(error, dict) or error.get("kind") not in kinds:
            problems.append(f"`error.kind` must be one of {', '.join(sorted(kinds))}")
        else:
            problems.extend(_table_problems(error, ERROR_KEYS, "error"))
    for key, keys in (("redirects", HOP_KEYS), ("history", HISTORY_KEYS)):
        items = example.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            problems.append(f"`{key}` must be an array of tables")
            continue
        for i, item in enumerate(items):
            if not isinstance(item.get("url"), str) or not _is_status(item.get("status")):
                problems.append(f"`{key}[{i}]` needs `url` and `status`")
            problems.extend(_table_problems(item, keys, f"{key}[{i}]"))
    if "started_at" in example and _parse_time(example["started_at"]) is None:
        problems.append("`started_at` must be an ISO 8601 time such as 2024-05-01T10:00:00Z")
    if example.get("expect", "fires") not in EXPECTS:
        problems.append(f"`expect` must be one of {', '.join(EXPECTS)}")
    return problems


def _table_problems(table: dict[str, Any], keys: frozenset[str], where: str) -> list[str]:
    problems = [f"unknown key {where}.{k}" for k in sorted(set(table) - keys)]
    for key in ("headers", "request_headers", "response_headers"):
        value = table.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            problems.append(f"`{where}.{key}` must be a table of strings")
    for key in ("method", "body", "reason", "message", "detail", "location"):
        if key in table and not isinstance(table[key], str):
            problems.append(f"`{where}.{key}` must be a string")
    return problems


def _is_status(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599


def _parse_time(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _pairs(table: object) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in table.items()) if isinstance(table, dict) else ()


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _response(status: int, headers: object, body: str = "", reason: str | None = None) -> Response:
    raw = body.encode("utf-8")
    return Response(
        status=status,
        reason=_reason(status) if reason is None else reason,
        headers=_pairs(headers),
        body=raw,
        text=body,
        charset="utf-8" if body else "",
        size=len(raw),
    )


def example_exchange(example: dict[str, Any]) -> tuple[Exchange, list[Exchange]]:
    """The exchange an example describes, and its session history (oldest first)."""
    started = _parse_time(example.get("started_at")) or datetime.now(UTC)
    req = example["request"]
    sent = SentRequest(
        method=str(req.get("method", "GET")).upper(),
        url=req["url"],
        headers=_pairs(req.get("headers", {})),
        body=str(req.get("body", "")).encode("utf-8"),
    )
    response = None
    error = None
    if "response" in example:
        res = example["response"]
        response = _response(
            res["status"], res.get("headers"), res.get("body", ""), res.get("reason")
        )
    else:
        err = example["error"]
        error = TransportError(
            ErrorKind(err["kind"]), err.get("message", ""), err.get("detail", "")
        )
    hops = tuple(
        RedirectHop(
            method=str(h.get("method", "GET")),
            url=h["url"],
            status=h["status"],
            location=str(h.get("location", "")),
            dropped_headers=tuple(h.get("dropped_headers", ())),
        )
        for h in example.get("redirects", [])
    )
    history = [
        Exchange(
            request=SentRequest(
                method=str(h.get("method", "GET")).upper(),
                url=h["url"],
                headers=_pairs(h.get("request_headers", {})),
            ),
            response=_response(h["status"], h.get("response_headers")),
            started_at=started - timedelta(seconds=float(h.get("seconds_before", 60))),
        )
        for h in example.get("history", [])
    ]
    history.sort(key=lambda e: e.started_at or started)
    exchange = Exchange(
        request=sent, response=response, error=error, redirects=hops, started_at=started
    )
    return exchange, history
