"""Exchanges for the diagnosis tests, built directly (no network needed for pure logic)."""

from __future__ import annotations

from datetime import UTC, datetime

from reqscope.core.model import Exchange, Response, SentRequest

NOW = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)


def exchange(
    url: str = "https://api.example.com/v1/items",
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    status: int | None = 403,
    response_headers: dict[str, str] | None = None,
    response_body: str = "",
    binary: bytes | None = None,
    started_at: datetime | None = NOW,
) -> Exchange:
    response = None
    if status is not None:
        raw = binary if binary is not None else response_body.encode()
        response = Response(
            status=status,
            reason="",
            headers=tuple((response_headers or {}).items()),
            body=raw,
            text="" if binary is not None else response_body,
            is_binary=binary is not None,
            size=len(raw),
        )
    return Exchange(
        request=SentRequest(
            method=method, url=url, headers=tuple((headers or {}).items()), body=body
        ),
        response=response,
        started_at=started_at,
    )
