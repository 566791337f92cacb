"""The generic experiments: changes worth trying on any refusal, whatever the diagnosis
found. Each looks at the refused request (and the facts of its exchange) and returns an
Experiment, or None when the change does not apply (no credentials to remove, already https).

Each says which causes it tests, so a success confirms them and an unchanged refusal speaks
against them (verdicts.py).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from reqscope.core import urls
from reqscope.core.diagnosis.facts import Facts
from reqscope.core.model import (
    ApiKeyLocation,
    AuthKind,
    Exchange,
    FixAction,
    Request,
)
from reqscope.core.probes import csrf
from reqscope.core.probes.experiment import Experiment
from reqscope.core.redact import MASK, is_sensitive_header, is_sensitive_query_param

BROWSER_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
# Causes a success *without* the credentials confirms: the credentials themselves broke it.
CREDENTIAL_CAUSES = ("invalid_credentials", "malformed_auth_header", "expired_token")
_BODY_TYPES = {
    "json": "application/json",
    "form": "application/x-www-form-urlencoded",
    "xml": "application/xml",
}
# Headers the HTTP library sets per connection: differences in them say nothing.
_CONNECTION_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "accept-encoding"}
)
# What a header tells about, for an experiment made of header changes.
_HEADER_CAUSES = {
    "authorization": CREDENTIAL_CAUSES,
    "cookie": ("missing_credentials", "expired_token", "csrf"),
    "user-agent": ("bot_detection",),
    "content-type": ("wrong_content_type",),
    "origin": ("csrf", "cors", "referer_blocked"),
    "referer": ("referer_blocked", "csrf"),
}


@dataclass(frozen=True, slots=True)
class PlanContext:
    """What the planner knows: the refused request (expanded), its exchange and facts, the
    causes the diagnosis found (best first) and the session's earlier exchanges."""

    request: Request
    exchange: Exchange
    facts: Facts
    causes: tuple[str, ...]
    history: tuple[Exchange, ...]


Variant = Callable[[PlanContext], Experiment | None]


def earlier_success(ctx: PlanContext) -> Experiment | None:
    """The same request worked before: send it with the headers it had then."""
    sent = ctx.exchange.request
    for past in reversed(ctx.history):
        status = past.status
        if status is None or not 200 <= status < 300:
            continue
        if past.request.method.upper() != sent.method.upper() or past.request.url != sent.url:
            continue
        actions = _header_differences(past.request.headers, sent.headers)
        if not actions:
            return None
        causes: list[str] = []
        for action in actions:
            causes.extend(_HEADER_CAUSES.get(action.name.lower(), ()))
        names = ", ".join(dict.fromkeys(a.name for a in actions))
        return Experiment(
            "earlier_success",
            "earlier_success",
            f"with the headers of its last success ({names})",
            actions,
            tuple(dict.fromkeys(causes)),
            source="history",
            can_rule_out=False,
        )
    return None


def _header_differences(
    then: Sequence[tuple[str, str]], now: Sequence[tuple[str, str]]
) -> tuple[FixAction, ...]:
    def first_values(pairs: Sequence[tuple[str, str]]) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            if name.lower() not in _CONNECTION_HEADERS:
                found.setdefault(name.lower(), (name, value))
        return found

    before, after = first_values(then), first_values(now)
    actions: list[FixAction] = []
    for key, (name, value) in before.items():
        if MASK in value:
            continue  # a redacted history keeps no value to copy
        if key not in after or after[key][1] != value:
            actions.append(FixAction("set_header", name, value))
    actions.extend(
        FixAction("remove_header", name) for key, (name, _) in after.items() if key not in before
    )
    return tuple(actions)


def no_credentials(ctx: PlanContext) -> Experiment | None:
    """Without any credential. A 2xx: the credentials broke it. A 401: they are recognised
    but lack permission (verdicts.py reads that)."""
    request = ctx.request
    names: list[str] = [
        h.name for h in request.headers if h.enabled and is_sensitive_header(h.name)
    ]
    auth = request.auth
    if auth.kind in (AuthKind.BEARER, AuthKind.BASIC):
        names.append("Authorization")
    if auth.kind is AuthKind.API_KEY and auth.location is ApiKeyLocation.HEADER and auth.key_name:
        names.append(auth.key_name)
    actions = [FixAction("remove_header", name) for name in dict.fromkeys(names)]
    params = [p.name for p in urls.query_params(request.url) if is_sensitive_query_param(p.name)]
    if auth.kind is AuthKind.API_KEY and auth.location is ApiKeyLocation.QUERY and auth.key_name:
        params.append(auth.key_name)
    actions += [FixAction("remove_query_param", name) for name in dict.fromkeys(params)]
    if not actions:
        return None
    return Experiment(
        "no_credentials", "no_credentials", "without credentials", tuple(actions), CREDENTIAL_CAUSES
    )


def user_agent(ctx: PlanContext) -> Experiment | None:
    if ctx.facts.ua_kind == "browser":
        return None
    return Experiment(
        "user_agent",
        "user_agent",
        "with a browser User-Agent",
        (FixAction("set_user_agent", value=BROWSER_USER_AGENT),),
        ("bot_detection",),
    )


def content_type(ctx: PlanContext) -> Experiment | None:
    """The Content-Type the body actually has, when the declared one disagrees."""
    sniffed = _BODY_TYPES.get(ctx.facts.request_body_kind)
    if sniffed is None or not ctx.facts.content_type_mismatch:
        return None
    return Experiment(
        "content_type",
        "content_type",
        f"with Content-Type: {sniffed}",
        (FixAction("set_header", "Content-Type", sniffed),),
        ("wrong_content_type",),
    )


def fresh_csrf(ctx: PlanContext) -> Experiment | None:
    """A cookie-carrying write (or a csrf finding) without a CSRF header: echo the CSRF cookie
    the request already has, else fetch a fresh token first. Writes without cookies (API
    calls with a token) are not what CSRF protection guards."""
    wanted = (ctx.facts.method_unsafe and bool(ctx.facts.cookie_names)) or "csrf" in ctx.causes
    if not wanted or ctx.facts.csrf_header_present or csrf.has_csrf_header(ctx.request):
        return None
    echoed = csrf.echo_cookie_actions(ctx.request)
    if echoed:
        return Experiment(
            "csrf",
            "csrf",
            f"with the CSRF cookie echoed in {echoed[0].name}",
            echoed,
            ("csrf",),
        )
    url = csrf.fetch_url(ctx.request)
    return Experiment(
        "csrf",
        "csrf",
        f"with a fresh CSRF token from GET {urlsplit(url).path or '/'}",
        (FixAction("fetch_csrf"),),
        ("csrf",),
        fetch_url=url,
    )


def same_origin(ctx: PlanContext) -> Experiment | None:
    """Origin/Referer set to the target's own origin (cross-site ones are what CSRF and
    referrer checks refuse), or removed when they already were same-origin."""
    facts = ctx.facts
    target = _origin(ctx.request.url)
    present = [
        h.name for h in ctx.request.headers if h.enabled and h.name.lower() in ("origin", "referer")
    ]
    causes = ("csrf", "referer_blocked")
    if present:
        cross = any(
            _origin(h.value) != target
            for h in ctx.request.headers
            if h.enabled and h.name.lower() in ("origin", "referer")
        )
        if not cross:
            actions = tuple(FixAction("remove_header", name) for name in dict.fromkeys(present))
            return Experiment("origin", "origin", "without Origin/Referer", actions, causes)
    elif not ((facts.method_unsafe and facts.cookie_names) or set(causes) & set(ctx.causes)):
        return None
    actions = (
        FixAction("set_header", "Origin", target),
        FixAction("set_header", "Referer", target + "/"),
    )
    return Experiment(
        "origin",
        "origin",
        f"with Origin/Referer set to {target}",
        actions,
        causes,
        can_rule_out=False,  # the allowed origin may be another one
    )


def https(ctx: PlanContext) -> Experiment | None:
    """Over https: when a cause points at it, or for a host name on the default port (https
    then goes to 443). A server on an explicit port or an IP rarely speaks TLS there too."""
    if not ctx.request.url.lower().startswith("http://"):
        return None
    parts = urlsplit(ctx.request.url)
    named_default_port = parts.port in (None, 80) and not _is_ip_or_local(parts.hostname or "")
    if "https_required" not in ctx.causes and not named_default_port:
        return None
    return Experiment(
        "https", "https", "over https", (FixAction("use_https"),), ("https_required",)
    )


def preflight(ctx: PlanContext) -> Experiment | None:
    """The CORS preflight a browser would send: a refused one confirms a CORS refusal."""
    if ctx.facts.method == "OPTIONS":
        return None
    if not ("cors" in ctx.causes or ctx.facts.origin_cross_site):
        return None
    return Experiment(
        "preflight",
        "preflight",
        "the CORS preflight (OPTIONS)",
        (FixAction("preflight"),),
        ("cors",),
        diagnostic=True,
    )


def other_method(ctx: PlanContext) -> Experiment | None:
    """A method the server allows (its Allow header, else GET) when the method looks wrong."""
    facts = ctx.facts
    if not ("wrong_method" in ctx.causes or facts.status == 405 or facts.allow_excludes_method):
        return None
    allowed = [
        m.strip().upper()
        for value in facts.response_headers.get("allow", [])
        for m in value.split(",")
        if m.strip()
    ]
    safe = [m for m in ("GET", "HEAD") if not allowed or m in allowed]
    method = next((m for m in safe if m != facts.method), "")
    if not method:
        return None
    return Experiment(
        "method",
        "method",
        f"with method {method}",
        (FixAction("set_method", value=method),),
        ("wrong_method",),
    )


def accept_json(ctx: PlanContext) -> Experiment | None:
    """APIs behind a web front end sometimes refuse what looks like a page request."""
    facts = ctx.facts
    accept = ",".join(facts.request_headers.get("accept", []))
    if "json" in accept.lower():
        return None
    if facts.status != 406 and facts.body_kind not in ("html", "text"):
        return None
    return Experiment(
        "accept_json",
        "accept_json",
        "with Accept: application/json",
        (FixAction("set_header", "Accept", "application/json"),),
    )


def _is_ip_or_local(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


# Their order when no finding points at one of them: the most telling first.
GENERIC_VARIANTS: tuple[Variant, ...] = (
    earlier_success,
    no_credentials,
    user_agent,
    content_type,
    fresh_csrf,
    other_method,
    same_origin,
    https,
    preflight,
    accept_json,
)
