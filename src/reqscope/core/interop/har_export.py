"""Exchanges written as a HAR 1.2 document, the format devtools and HAR viewers read.

One entry per exchange: its first request as sent and its final response, with the redirect
chain in the entry's `comment`. Unless asked, the document is redacted (by header name and by
known secret value), since a HAR is meant to be shared.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from reqscope import __version__
from reqscope.core.model import Exchange, SentRequest
from reqscope.core.redact import Redactor

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_har(
    exchanges: Sequence[Exchange],
    *,
    include_secrets: bool = False,
    redactor: Redactor | None = None,
) -> dict[str, Any]:
    """A HAR 1.2 document of the exchanges, redacted (by header name and by known secret
    value) unless `include_secrets`. An exchange without a start time gets the epoch, since
    `startedDateTime` is required and inventing "now" would make exports differ run to run."""
    masker = redactor if redactor is not None else Redactor()
    entries = []
    for exchange in exchanges:
        shown = exchange if include_secrets else masker.exchange(exchange)
        entries.append(_entry(shown))
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "reqscope", "version": __version__},
            "entries": entries,
        }
    }


def _entry(exchange: Exchange) -> dict[str, Any]:
    started = (exchange.started_at or _EPOCH).astimezone(UTC)
    entry: dict[str, Any] = {
        "startedDateTime": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "time": exchange.timings.total_ms,
        "request": _har_request(exchange.request),
        "response": _har_response(exchange),
        "cache": {},
        "timings": _har_timings(exchange),
    }
    if exchange.redirects:
        chain = " -> ".join(f"{hop.status} {hop.url}" for hop in exchange.redirects)
        entry["comment"] = f"followed redirects: {chain}"
    return entry


def _pairs(headers: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in headers]


def _har_request(sent: SentRequest) -> dict[str, Any]:
    cookies = []
    for name, value in sent.headers:
        if name.lower() == "cookie":
            for pair in value.split(";"):
                key, _, cookie_value = pair.strip().partition("=")
                if key:
                    cookies.append({"name": key, "value": cookie_value})
    try:
        query = parse_qsl(urlsplit(sent.url).query, keep_blank_values=True)
    except ValueError:
        query = []
    request: dict[str, Any] = {
        "method": sent.method,
        "url": sent.url,
        "httpVersion": sent.http_version,
        "cookies": cookies,
        "headers": _pairs(sent.headers),
        "queryString": [{"name": k, "value": v} for k, v in query],
        "headersSize": -1,
        "bodySize": len(sent.body),
    }
    if sent.body:
        mime = next((v for k, v in sent.headers if k.lower() == "content-type"), "")
        post: dict[str, Any] = {"mimeType": mime}
        try:
            post["text"] = sent.body.decode("utf-8")
        except UnicodeDecodeError:
            post["text"] = base64.b64encode(sent.body).decode("ascii")
            post["encoding"] = "base64"  # not in HAR 1.2; our reader and others accept it
        request["postData"] = post
    return request


def _har_response(exchange: Exchange) -> dict[str, Any]:
    response = exchange.response
    if response is None:
        message = exchange.error.message if exchange.error else ""
        return {
            "status": 0,
            "statusText": "",
            "httpVersion": "",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_error": message,
        }
    mime = response.header("content-type") or ""
    content: dict[str, Any] = {"size": response.size or len(response.body), "mimeType": mime}
    if response.is_binary:
        content["text"] = base64.b64encode(response.body).decode("ascii")
        content["encoding"] = "base64"
    elif response.body:
        content["text"] = response.text
    return {
        "status": response.status,
        "statusText": response.reason,
        "httpVersion": response.http_version,
        "cookies": [],
        "headers": _pairs(response.headers),
        "content": content,
        "redirectURL": response.header("location") or "",
        "headersSize": -1,
        "bodySize": len(response.body),
    }


def _har_timings(exchange: Exchange) -> dict[str, float]:
    timings = exchange.timings

    def ms(value: float | None) -> float:
        return -1 if value is None else value

    connect = timings.connect_ms
    if connect is not None and timings.tls_ms is not None:
        connect += timings.tls_ms  # HAR counts the TLS handshake inside `connect`
    return {
        "blocked": -1,
        "dns": ms(timings.dns_ms),
        "connect": ms(connect),
        "ssl": ms(timings.tls_ms),
        "send": max(ms(timings.send_ms), 0),
        "wait": max(ms(timings.wait_ms), 0),
        "receive": max(ms(timings.receive_ms), 0),
    }
