"""The lab's 403 scenarios: one route (or more) per cause in causes.toml, each answering the
way a real vendor does. Importing this package registers every scenario route in
`reqscope.lab.routing.router`.

A scenario's requests (`Scenario.refused`, `.fixed`, `.setup`) are dicts
`{"method", "path", "headers", "body", "wait"}`; only `path` is required. Values taken from
the setup responses, or from the clock, are written as placeholders that
`resolve_scenario_request` fills in:

    {{setup[N].json.a.b.0}}   a value from setup response N's JSON body (dotted path,
                              integers index lists)
    {{setup[N].cookie.NAME}}  the value of cookie NAME set by setup response N (Set-Cookie)
    {{setup[N].header.NAME}}  the first value of header NAME in setup response N
    {{now:FORMAT}}            the current UTC time, formatted with strftime FORMAT

`wait` (seconds, default 0) asks the sender to pause before sending that request, e.g. for
a rate-limit window to pass.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from http.cookies import CookieError, SimpleCookie
from typing import Any

from reqscope.core.errors import TemplateError
from reqscope.core.model import Response
from reqscope.lab.routing import Route, router

__all__ = ["SCENARIO_MODULES", "resolve_scenario_request", "scenario_routes"]

# Importing each module registers its routes.
SCENARIO_MODULES = (
    "identity",
    "authorization",
    "integrity",
    "signing",
    "traffic",
    "bots",
    "resource",
    "google",
    "github",
)
for _module in SCENARIO_MODULES:
    importlib.import_module(f"{__name__}.{_module}")

_PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}")
_SETUP_REF = re.compile(r"setup\[(\d+)\]\.(json|cookie|header)\.(.+)")


def scenario_routes() -> list[Route]:
    """Every registered route that reproduces a refusal, in registration order."""
    return [route for route in router.routes if route.scenario is not None]


def resolve_scenario_request(
    template: Mapping[str, Any],
    setup_responses: Sequence[Response] = (),
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A scenario request with its placeholders filled in and every key present:
    `{"method": str, "path": str, "headers": dict[str, str], "body": str, "wait": float}`.
    Raises TemplateError naming the placeholder when a value cannot be found."""
    clock = now or datetime.now(UTC)

    def fill(text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: _lookup(m.group(1), setup_responses, clock), text)

    headers = template.get("headers") or {}
    return {
        "method": str(template.get("method", "GET")).upper(),
        "path": fill(str(template["path"])),
        "headers": {str(name): fill(str(value)) for name, value in headers.items()},
        "body": fill(str(template.get("body", ""))),
        "wait": float(template.get("wait", 0)),
    }


def _lookup(expr: str, responses: Sequence[Response], clock: datetime) -> str:
    if expr.startswith("now:"):
        return clock.strftime(expr[4:])
    found = _SETUP_REF.fullmatch(expr)
    if found is None:
        raise TemplateError(f"unknown scenario placeholder {{{{{expr}}}}}")
    index, kind, key = int(found.group(1)), found.group(2), found.group(3)
    if index >= len(responses):
        raise TemplateError(
            f"{{{{{expr}}}}} needs setup response {index}, only {len(responses)} given"
        )
    response = responses[index]
    value: str | None
    if kind == "header":
        value = response.header(key)
    elif kind == "cookie":
        value = _set_cookies(response).get(key)
    else:
        value = _json_value(response, key)
    if value is None:
        raise TemplateError(f"{{{{{expr}}}}}: setup response {index} has no {kind} {key!r}")
    return value


def _set_cookies(response: Response) -> dict[str, str]:
    jar: dict[str, str] = {}
    for line in response.header_values("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(line)
        except CookieError:
            continue
        jar.update({name: morsel.value for name, morsel in cookie.items()})
    return jar


def _json_value(response: Response, path: str) -> str | None:
    try:
        node: Any = json.loads(response.text or response.body.decode("utf-8", "replace"))
    except ValueError:
        return None
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node if isinstance(node, str) else json.dumps(node)
