"""Fetch-a-fresh-CSRF-token support: where to fetch one, and how to send it back. The
framework conventions are data (csrf.toml); this module only reads a response with them.

The result is a list of FixActions (set the token header, carry the cookies the fetch set),
so the change a CSRF probe made is shown and applied like any other fix.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from http.cookies import CookieError, SimpleCookie
from importlib import resources
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from reqscope.core.model import Exchange, FixAction, Request


@dataclass(frozen=True, slots=True)
class _Endpoint:
    vendor: str
    path: re.Pattern[str]
    fetch: str
    token_field: str
    header_field: str
    header: str


@dataclass(frozen=True, slots=True)
class _Conventions:
    cookies: dict[str, str]  # lower-case cookie name -> header name
    pages: tuple[tuple[re.Pattern[str], str], ...]
    endpoints: tuple[_Endpoint, ...]


@cache
def _conventions() -> _Conventions:
    text = resources.files("reqscope.core.probes").joinpath("csrf.toml").read_text("utf-8")
    data = tomllib.loads(text)
    cookies = {str(c["name"]).lower(): str(c["header"]) for c in data.get("cookie", [])}
    pages = tuple(
        (re.compile(str(p["pattern"]), re.IGNORECASE), str(p["header"]))
        for p in data.get("page", [])
    )
    endpoints = tuple(
        _Endpoint(
            str(e["vendor"]),
            re.compile(str(e["path"]), re.IGNORECASE),
            str(e["fetch"]),
            str(e.get("token_field", "")),
            str(e.get("header_field", "")),
            str(e["header"]),
        )
        for e in data.get("endpoint", [])
    )
    return _Conventions(cookies, pages, endpoints)


def cookie_pairs(request: Request) -> list[tuple[str, str]]:
    """The name=value pairs of the request's enabled Cookie headers, in order."""
    pairs: list[tuple[str, str]] = []
    for header in request.headers:
        if header.enabled and header.name.lower() == "cookie":
            for part in header.value.split(";"):
                name, sep, value = part.strip().partition("=")
                if sep and name:
                    pairs.append((name, value))
    return pairs


def has_csrf_header(request: Request) -> bool:
    known = {h.lower() for h in _conventions().cookies.values()}
    known |= {h.lower() for _, h in _conventions().pages}
    known |= {e.header.lower() for e in _conventions().endpoints}
    return any(h.enabled and h.name.lower() in known for h in request.headers)


def echo_cookie_actions(request: Request) -> tuple[FixAction, ...]:
    """When the request already carries a known CSRF cookie: send its value in the header the
    framework reads (no fetch needed). Empty when it carries none."""
    for name, value in cookie_pairs(request):
        header = _conventions().cookies.get(name.lower())
        if header and value:
            return (FixAction("set_header", header, value),)
    return ()


def fetch_url(request: Request) -> str:
    """Where a fresh token comes from: a known token endpoint for this URL, else the page the
    request came from (its Referer, on the same host), else the URL itself."""
    parts = urlsplit(request.url)
    for endpoint in _conventions().endpoints:
        found = endpoint.path.search(parts.path)
        if found:
            path = endpoint.fetch.format(**found.groupdict())
            return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    referer = next(
        (h.value for h in request.headers if h.enabled and h.name.lower() == "referer"), ""
    )
    ref = urlsplit(referer)
    if ref.scheme in ("http", "https") and ref.netloc.lower() == parts.netloc.lower():
        return urlunsplit((ref.scheme, ref.netloc, ref.path or "/", ref.query, ""))
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def token_actions(request: Request, fetched: Exchange) -> tuple[FixAction, ...]:
    """The change that sends the token `fetched` handed out: the token header, and the
    request's cookies updated with the ones the fetch set (a token is often bound to its
    session cookie). Empty when the response holds no token reqscope knows how to read."""
    response = fetched.response
    if response is None:
        return ()
    set_cookies = _set_cookies(response.header_values("set-cookie"))
    header, token = _token(request, response.text, set_cookies)
    if not token:
        return ()
    actions = [FixAction("set_header", header, token)]
    if set_cookies:
        jar = dict(cookie_pairs(request))
        jar.update(set_cookies)
        cookie = "; ".join(f"{name}={value}" for name, value in jar.items())
        actions.append(FixAction("set_header", "Cookie", cookie))
    return tuple(actions)


def _token(request: Request, body: str, set_cookies: dict[str, str]) -> tuple[str, str]:
    conventions = _conventions()
    path = urlsplit(request.url).path
    for endpoint in conventions.endpoints:
        if endpoint.path.search(path):
            data = _json(body)
            token = data.get(endpoint.token_field) if isinstance(data, dict) else None
            if isinstance(token, str) and token:
                named = data.get(endpoint.header_field) if isinstance(data, dict) else None
                return (named if isinstance(named, str) and named else endpoint.header), token
    for name, value in set_cookies.items():
        header = conventions.cookies.get(name.lower())
        if header and value:
            return header, value
    for pattern, header in conventions.pages:
        found = pattern.search(body)
        if found:
            return header, found.group(1)
    return "", ""


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _set_cookies(lines: list[str]) -> dict[str, str]:
    jar: dict[str, str] = {}
    for line in lines:
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(line)
        except CookieError:
            continue
        jar.update({name: morsel.value for name, morsel in cookie.items()})
    return jar
