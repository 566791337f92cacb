"""The lab's routing table: plain functions from a LabRequest to a LabResponse, registered by
path. Kept apart from the server so routes are data-like, testable without sockets, and so
the generic routes and the 403 scenarios can live in their own modules.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass(frozen=True, slots=True)
class LabRequest:
    method: str
    path: str  # without the query
    query: dict[str, list[str]]
    headers: tuple[tuple[str, str], ...]  # in order, as received
    body: bytes
    client_ip: str
    port: int  # the port the lab listens on (for building same-origin URLs)
    scheme: str = "http"
    params: dict[str, str] = field(default_factory=dict)  # from `{name}` segments of the route

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def cookies(self) -> dict[str, str]:
        jar: dict[str, str] = {}
        for value in (v for k, v in self.headers if k.lower() == "cookie"):
            for part in value.split(";"):
                name, sep, val = part.strip().partition("=")
                if sep:
                    jar[name] = val
        return jar

    def arg(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default

    @property
    def origin(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @staticmethod
    def parse_query(query: str) -> dict[str, list[str]]:
        return parse_qs(query, keep_blank_values=True)


@dataclass(slots=True)
class LabResponse:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | Iterable[bytes] = b""  # an iterable is sent chunked
    reason: str = ""  # "" = the standard phrase

    @classmethod
    def json(
        cls, data: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()
    ) -> LabResponse:
        return cls(
            status,
            [("Content-Type", "application/json"), *headers],
            json.dumps(data, indent=2).encode(),
        )

    @classmethod
    def text(
        cls,
        text: str,
        status: int = 200,
        content_type: str = "text/plain; charset=utf-8",
        headers: Iterable[tuple[str, str]] = (),
    ) -> LabResponse:
        return cls(status, [("Content-Type", content_type), *headers], text.encode())

    def chunks(self) -> Iterator[bytes] | None:
        return None if isinstance(self.body, bytes) else iter(self.body)


class LabState:
    """Mutable state shared by the routes of one running lab (rate-limit windows, issued
    CSRF tokens ...). One per server, so tests on separate labs never interfere."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.data: dict[str, Any] = {}
        self.other_port: int | None = None  # a second lab port, for cross-origin redirects


Handler = Callable[[LabRequest, LabState], LabResponse]


@dataclass(frozen=True, slots=True)
class Scenario:
    """What a refusal route reproduces, and the request that succeeds (the fix), so tests,
    the demo and probes can prove a fix turns the refusal into a 2xx."""

    cause: str  # an id from causes.toml
    vendor: str  # whose behaviour it reproduces ("generic", "Cloudflare", "AWS S3" ...)
    refused: dict[str, Any]  # the refused request: {"method", "path", "headers": {..}, "body"}
    fixed: dict[str, Any]  # the request that gets a 2xx, same shape
    setup: tuple[dict[str, Any], ...] = ()  # requests to send first (stateful scenarios)


@dataclass(frozen=True, slots=True)
class Route:
    pattern: str  # "/status/{code}"
    handler: Handler
    methods: frozenset[str] | None  # None: any method
    summary: str
    scenario: Scenario | None
    regex: re.Pattern[str]


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(
        self,
        pattern: str,
        *,
        methods: Iterable[str] | None = None,
        summary: str = "",
        scenario: Scenario | None = None,
    ) -> Callable[[Handler], Handler]:
        regex = re.compile(
            "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(pattern)) + "$"
        )

        def register(handler: Handler) -> Handler:
            allowed = frozenset(m.upper() for m in methods) if methods is not None else None
            self.routes.append(Route(pattern, handler, allowed, summary, scenario, regex))
            return handler

        return register

    def match(self, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            found = route.regex.match(path)
            if found:
                return route, found.groupdict()
        return None


# The one table every lab module registers into (`from reqscope.lab.routing import router`).
router = Router()
