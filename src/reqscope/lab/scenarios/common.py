"""Small helpers the scenario modules share: how a scenario request is written down, and how
a route reads credentials, forms and the User-Agent from a lab request."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from typing import Any
from urllib.parse import parse_qs

from reqscope.lab.routing import LabRequest

BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)

# Default User-Agents of HTTP libraries and tools, which bot protection refuses on sight.
LIBRARY_UA = re.compile(
    r"^(python-httpx/|python-requests/|python-urllib/|aiohttp/|curl/|wget/|go-http-client/"
    r"|okhttp/?|java/|apache-httpclient/|axios/|node-fetch/|node$|undici|libwww-perl/|ruby$)",
    re.IGNORECASE,
)


def req(
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: str = "",
    wait: float = 0,
) -> dict[str, Any]:
    """One scenario request in the shape `Scenario` and `resolve_scenario_request` use."""
    spec: dict[str, Any] = {"method": method, "path": path, "headers": dict(headers or {})}
    if body:
        spec["body"] = body
    if wait:
        spec["wait"] = wait
    return spec


def is_library_user_agent(user_agent: str | None) -> bool:
    """True for a missing, empty or library-default User-Agent."""
    return not user_agent or not user_agent.strip() or bool(LIBRARY_UA.match(user_agent.strip()))


def bearer_token(request: LabRequest) -> str | None:
    """The token of `Authorization: Bearer <token>` (the scheme is case-insensitive)."""
    scheme, _, token = (request.header("Authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def basic_credentials(request: LabRequest) -> tuple[str, str] | None:
    scheme, _, encoded = (request.header("Authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = (
            base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def basic_header(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def form_fields(request: LabRequest) -> dict[str, str]:
    """Fields of an application/x-www-form-urlencoded body (first value of each)."""
    parsed = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in parsed.items()}


def host_is_ip_literal(request: LabRequest) -> bool:
    host = request.header("Host") or ""
    # "[::1]:8080" or "127.0.0.1:8080" or "www.example.com"
    host = host[1 : host.find("]")] if host.startswith("[") else host.rsplit(":", 1)[0]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
