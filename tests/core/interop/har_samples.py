"""HAR documents shaped like real devtools exports (fields, spellings and extensions as Chrome
and Firefox write them), shared by the HAR tests."""

from __future__ import annotations

import base64
from typing import Any

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"


def chrome_har() -> dict[str, Any]:
    """Chrome 12x "Save all as HAR with content": HTTP/2 with pseudo-headers, a POST with
    `text`, a 403 HTML page, a base64 image, and a blocked request (status 0)."""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"},
            "pages": [],
            "entries": [
                {
                    "_initiator": {"type": "script"},
                    "_priority": "High",
                    "_resourceType": "fetch",
                    "cache": {},
                    "connection": "443",
                    "request": {
                        "method": "POST",
                        "url": "https://api.example.com/v1/items?x=1",
                        "httpVersion": "http/2.0",
                        "headers": [
                            {"name": ":authority", "value": "api.example.com"},
                            {"name": ":method", "value": "POST"},
                            {"name": ":path", "value": "/v1/items?x=1"},
                            {"name": ":scheme", "value": "https"},
                            {"name": "accept", "value": "application/json"},
                            {"name": "authorization", "value": "Bearer abc.def.ghi"},
                            {"name": "content-type", "value": "application/json"},
                            {"name": "cookie", "value": "sid=s3cr3t; theme=dark"},
                        ],
                        "queryString": [{"name": "x", "value": "1"}],
                        "cookies": [
                            {"name": "sid", "value": "s3cr3t", "httpOnly": False},
                            {"name": "theme", "value": "dark"},
                        ],
                        "headersSize": -1,
                        "bodySize": 13,
                        "postData": {"mimeType": "application/json", "text": '{"name":"é"}'},
                    },
                    "response": {
                        "status": 403,
                        "statusText": "",
                        "httpVersion": "http/2.0",
                        "headers": [
                            {"name": "content-type", "value": "text/html; charset=utf-8"},
                            {"name": "set-cookie", "value": "a=1; Path=/"},
                            {"name": "set-cookie", "value": "b=2; Path=/"},
                            {"name": "cf-mitigated", "value": "challenge"},
                        ],
                        "cookies": [],
                        "content": {
                            "size": 25,
                            "mimeType": "text/html",
                            "text": "<h1>Forbidden — no</h1>",
                        },
                        "redirectURL": "",
                        "headersSize": -1,
                        "bodySize": -1,
                        "_transferSize": 412,
                        "_error": None,
                    },
                    "serverIPAddress": "203.0.113.7",
                    "startedDateTime": "2024-05-02T09:15:01.123Z",
                    "time": 187.4,
                    "timings": {
                        "blocked": 2.1,
                        "dns": 10.0,
                        "ssl": 30.0,
                        "connect": 50.0,
                        "send": 0.3,
                        "wait": 90.5,
                        "receive": 4.2,
                        "_blocked_queueing": 1.0,
                    },
                },
                {
                    "request": {
                        "method": "GET",
                        "url": "https://cdn.example.com/logo.png",
                        "httpVersion": "h3",
                        "headers": [{"name": "accept", "value": "image/*"}],
                        "queryString": [],
                        "cookies": [],
                        "headersSize": -1,
                        "bodySize": 0,
                    },
                    "response": {
                        "status": 200,
                        "statusText": "",
                        "httpVersion": "h3",
                        "headers": [{"name": "content-type", "value": "image/png"}],
                        "cookies": [],
                        "content": {
                            "size": len(PNG_BYTES),
                            "mimeType": "image/png",
                            "text": base64.b64encode(PNG_BYTES).decode(),
                            "encoding": "base64",
                        },
                        "redirectURL": "",
                        "headersSize": -1,
                        "bodySize": -1,
                    },
                    "startedDateTime": "2024-05-02T09:15:01.500Z",
                    "time": 20,
                    "timings": {
                        "blocked": -1,
                        "dns": -1,
                        "ssl": -1,
                        "connect": -1,
                        "send": 0,
                        "wait": 15,
                        "receive": 5,
                    },
                },
                {
                    "request": {
                        "method": "GET",
                        "url": "https://tracker.example.net/p.gif",
                        "httpVersion": "",
                        "headers": [],
                        "queryString": [],
                        "cookies": [],
                        "headersSize": -1,
                        "bodySize": 0,
                    },
                    "response": {
                        "status": 0,
                        "statusText": "",
                        "httpVersion": "",
                        "headers": [],
                        "cookies": [],
                        "content": {"size": 0, "mimeType": "x-unknown"},
                        "redirectURL": "",
                        "headersSize": -1,
                        "bodySize": -1,
                        "_error": "net::ERR_BLOCKED_BY_CLIENT",
                    },
                    "startedDateTime": "2024-05-02T09:15:02.000Z",
                    "time": 0,
                    "timings": {
                        "blocked": -1,
                        "dns": -1,
                        "connect": -1,
                        "send": 0,
                        "wait": 0,
                        "receive": 0,
                        "ssl": -1,
                    },
                },
            ],
        }
    }


def firefox_har() -> dict[str, Any]:
    """Firefox 12x "Save All As HAR": a form POST with `params` (and no `text`), a
    latin-1 response, offsets in local time, cookies only in the `cookies` list."""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "Firefox", "version": "125.0"},
            "browser": {"name": "Firefox", "version": "125.0"},
            "pages": [
                {
                    "startedDateTime": "2024-05-02T11:15:01.000+02:00",
                    "id": "page_1",
                    "title": "Login",
                    "pageTimings": {"onContentLoad": -1, "onLoad": -1},
                }
            ],
            "entries": [
                {
                    "pageref": "page_1",
                    "startedDateTime": "2024-05-02T11:15:01.000+02:00",
                    "request": {
                        "bodySize": 27,
                        "method": "POST",
                        "url": "http://shop.example.org/login",
                        "httpVersion": "HTTP/1.1",
                        "headers": [
                            {"name": "Host", "value": "shop.example.org"},
                            {"name": "Content-Type", "value": "application/x-www-form-urlencoded"},
                            {"name": "Accept", "value": "*/*"},
                            {"name": "Accept", "value": "text/html"},
                        ],
                        "cookies": [{"name": "csrftoken", "value": "tok1"}],
                        "queryString": [],
                        "headersSize": 320,
                        "postData": {
                            "mimeType": "application/x-www-form-urlencoded",
                            "params": [
                                {"name": "user", "value": "ana b"},
                                {"name": "next", "value": "/a&b"},
                            ],
                        },
                    },
                    "response": {
                        "status": 403,
                        "statusText": "Forbidden",
                        "httpVersion": "HTTP/1.1",
                        "headers": [
                            {"name": "Content-Type", "value": "text/plain; charset=ISO-8859-1"},
                        ],
                        "cookies": [],
                        "content": {
                            "mimeType": "text/plain; charset=ISO-8859-1",
                            "size": 14,
                            "text": "CSRF échoué",
                        },
                        "redirectURL": "",
                        "headersSize": 200,
                        "bodySize": 14,
                    },
                    "cache": {},
                    "timings": {
                        "blocked": 0,
                        "dns": 0,
                        "connect": 1,
                        "ssl": 0,
                        "send": 0,
                        "wait": 12,
                        "receive": 0,
                    },
                    "time": 13,
                    "_securityState": "insecure",
                    "serverIPAddress": "198.51.100.2",
                    "connection": "80",
                }
            ],
        }
    }
