"""Fix actions applied to a request: what the UI's "try it" key and the probes do with a
finding's machine-readable fix. Pure: a new Request, the given one untouched."""

from __future__ import annotations

from dataclasses import replace

from reqscope import __version__
from reqscope.core import urls
from reqscope.core.model import (
    ApiKeyLocation,
    Auth,
    AuthKind,
    BodyKind,
    FixAction,
    Header,
    Request,
)

# Actions that change the request; `wait` and `fetch_csrf` ask the caller to do something
# first and leave the request as it is.
REQUEST_CHANGING_KINDS = frozenset(
    {
        "set_header", "remove_header", "set_user_agent", "set_method", "use_https",
        "set_query_param", "remove_query_param", "preflight",
    }
)  # fmt: skip
_AUTH_HEADER_KINDS = (AuthKind.BEARER, AuthKind.BASIC)


def describe_action(action: FixAction) -> str:
    """One change in words, as an imperative: "set header X-CSRFToken: abc", "switch the URL
    to https". The app's "press t to …" hint and the probes' tables both say it this way."""
    name, value = action.name, action.value
    labels = {
        "set_header": f"set header {name}: {value}",
        "remove_header": f"remove header {name}",
        "set_method": f"change the method to {value or name}",
        "use_https": "switch the URL to https",
        "set_user_agent": f"set User-Agent to {value}" if value else "set a browser User-Agent",
        "remove_query_param": f"remove query parameter {name}",
        "set_query_param": f"set query parameter {name}={value}",
        "fetch_csrf": "fetch a fresh CSRF token",
        "wait": f"wait {value} s, then resend" if value else "wait, then resend",
        "preflight": "send the CORS preflight (OPTIONS)",
    }
    return labels.get(action.kind, action.kind.replace("_", " "))


def apply_fix_action(request: Request, action: FixAction) -> Request:
    """`request` with `action` applied (unchanged for `wait`, `fetch_csrf` and unknown kinds)."""
    kind = action.kind
    if kind == "set_header":
        return _set_header(request, action.name, action.value)
    if kind == "set_user_agent":
        return _set_header(request, "User-Agent", action.value or f"reqscope/{__version__}")
    if kind == "remove_header":
        return _remove_header(request, action.name)
    if kind == "set_method":
        return replace(request, method=action.value.strip().upper() or request.method)
    if kind == "use_https":
        return replace(request, url=_https(request.url))
    if kind == "set_query_param":
        return _set_query_param(request, action.name, action.value)
    if kind == "remove_query_param":
        kept = [p for p in urls.query_params(request.url) if p.name != action.name]
        auth = request.auth
        if _auth_is_query_key(auth, action.name):
            auth = Auth()
        return replace(request, url=urls.with_query_params(request.url, kept), auth=auth)
    if kind == "preflight":
        return _preflight(request)
    return request


def _set_header(request: Request, name: str, value: str) -> Request:
    lname = name.lower()
    headers: list[Header] = []
    placed = False
    for header in request.headers:
        if header.name.lower() != lname:
            headers.append(header)
        elif not placed:
            headers.append(Header(header.name, value))
            placed = True
    if not placed:
        headers.append(Header(name, value))
    return replace(request, headers=tuple(headers))


def _remove_header(request: Request, name: str) -> Request:
    lname = name.lower()
    headers = tuple(h for h in request.headers if h.name.lower() != lname)
    auth = request.auth
    produced_by_auth = (lname == "authorization" and auth.kind in _AUTH_HEADER_KINDS) or (
        auth.kind is AuthKind.API_KEY
        and auth.location is ApiKeyLocation.HEADER
        and auth.key_name.strip().lower() == lname
    )
    if produced_by_auth:
        auth = Auth()
    return replace(request, headers=headers, auth=auth)


def _auth_is_query_key(auth: Auth, name: str) -> bool:
    return (
        auth.kind is AuthKind.API_KEY
        and auth.location is ApiKeyLocation.QUERY
        and auth.key_name.strip() == name
    )


def _https(url: str) -> str:
    if not url.lower().startswith("http://"):
        return url
    rest = url[len("http://") :]
    host_end = len(rest)
    for sep in "/?#":
        index = rest.find(sep)
        if index != -1:
            host_end = min(host_end, index)
    host = rest[:host_end]
    if host.endswith(":80"):
        host = host[:-3]
    return "https://" + host + rest[host_end:]


def _set_query_param(request: Request, name: str, value: str) -> Request:
    params = list(urls.query_params(request.url))
    new = urls.make_param(name, value)
    index = next((i for i, p in enumerate(params) if p.name == name), None)
    if index is None:
        params.append(new)
    else:
        params[index] = new
        params = [p for i, p in enumerate(params) if i <= index or p.name != name]
    return replace(request, url=urls.with_query_params(request.url, params))


def _preflight(request: Request) -> Request:
    """The CORS preflight a browser would send before `request`."""
    origin = next((h for h in request.headers if h.name.lower() == "origin" and h.enabled), None)
    custom = sorted(
        {
            h.name.lower()
            for h in request.headers
            if h.enabled
            and h.name.lower()
            not in ("origin", "accept", "accept-language", "content-language", "user-agent")
        }
    )
    headers = [Header("Origin", origin.value)] if origin else []
    headers.append(Header("Access-Control-Request-Method", request.method.upper()))
    if custom:
        headers.append(Header("Access-Control-Request-Headers", ",".join(custom)))
    return replace(
        request,
        method="OPTIONS",
        headers=tuple(headers),
        body="",
        body_kind=BodyKind.NONE,
        form=(),
        auth=Auth(),
    )
