"""Facts: everything the diagnosis knows about one exchange, extracted once, named and typed.

The names are the vocabulary of the rule files (docs/knowledge-base.md section 3), so
`FACT_TYPES` is a contract: `rules check` validates fact tests against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from reqscope.core.diagnosis import request_facts as rq
from reqscope.core.diagnosis import response_facts as rs
from reqscope.core.model import Exchange, SentRequest

HISTORY_LIMIT = 200  # the most recent exchanges considered
BURST_WINDOW_S = 60.0
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


@dataclass(frozen=True, slots=True)
class Facts:
    """What the exchange says. Field names are the rule files' fact names."""

    # response
    status: int | None = None
    reason: str = ""
    content_type: str = ""
    body_kind: str = "empty"
    body_size: int = 0
    title: str = ""
    error_codes: tuple[str, ...] = ()
    server: str = ""
    server_family: tuple[str, ...] = ()
    set_cookie_names: tuple[str, ...] = ()
    www_authenticate: str = ""
    www_auth_scheme: str = ""
    www_auth_error: str = ""
    www_auth_scope: str = ""
    oauth_scopes: tuple[str, ...] = ()
    oauth_accepted_scopes: tuple[str, ...] = ()
    oauth_scope_missing: bool = False
    retry_after_s: float | None = None
    ratelimit_limit: int | None = None
    ratelimit_remaining: int | None = None
    ratelimit_reset: str = ""
    cache_hit: bool = False
    cache_status: str = ""
    age_s: float | None = None
    clock_skew_s: float | None = None
    allow_excludes_method: bool = False
    error_kind: str = ""
    error_message: str = ""
    error_detail: str = ""
    # request
    method: str = "GET"
    method_unsafe: bool = False
    url: str = ""
    scheme: str = ""
    host: str = ""
    path: str = ""
    path_is_directory: bool = False
    query_params: tuple[str, ...] = ()
    user_agent: str = ""
    ua_kind: str = "none"
    auth_present: bool = False
    auth_scheme: str = ""
    auth_problem: str = ""
    auth_normalized: str = ""
    api_key_present: bool = False
    api_key_names: tuple[str, ...] = ()
    cookie_names: tuple[str, ...] = ()
    session_cookie_present: bool = False
    signed_url: bool = False
    signed_url_expired: bool = False
    credentials_present: bool = False
    jwt_present: bool = False
    jwt_exp_in_s: float | None = None
    jwt_expired: bool = False
    jwt_not_yet_valid: bool = False
    jwt_iat_age_s: float | None = None
    jwt_aud: tuple[str, ...] = ()
    jwt_aud_mismatch: bool = False
    jwt_scopes: tuple[str, ...] = ()
    jwt_issuer: str = ""
    csrf_cookie_present: bool = False
    csrf_header_present: bool = False
    csrf_in_body: bool = False
    origin: str = ""
    origin_cross_site: bool = False
    referer: str = ""
    referer_present: bool = False
    preflight: bool = False
    request_content_type: str = ""
    request_body_kind: str = "empty"
    content_type_mismatch: bool = False
    request_attack_pattern: str = ""
    redirect_count: int = 0
    redirect_dropped_auth: bool = False
    redirect_cross_host: bool = False
    # history
    history_same_ok: bool = False
    history_same_ok_ago_s: float | None = None
    history_recent_requests: int = 0
    history_rate_limited: bool = False
    history_auth_accepted: bool = False
    history_prior_401_without_credentials: bool = False
    # not facts: the material conditions and templates read directly
    body_text: str = field(default="", repr=False)
    response_headers: dict[str, list[str]] = field(default_factory=dict, repr=False)
    request_headers: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def value(self, name: str) -> Any:
        return getattr(self, name)


_INTERNAL = frozenset({"body_text", "response_headers", "request_headers"})


def _fact_type(default: object, name: str) -> str:
    if name.endswith("_s"):
        return "seconds"
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, tuple):
        return "list"
    if isinstance(default, str):
        return "str"
    return "int"


# fact name -> "bool" | "str" | "int" | "seconds" | "list"
FACT_TYPES: dict[str, str] = {
    f.name: _fact_type(f.default, f.name) for f in fields(Facts) if f.name not in _INTERNAL
}


def header_map(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    mapped: dict[str, list[str]] = {}
    for name, value in pairs:
        mapped.setdefault(name.lower(), []).append(value)
    return mapped


def extract_facts(
    exchange: Exchange, history: Sequence[Exchange] = (), now: datetime | None = None
) -> Facts:
    """Every fact about `exchange`; `now` stands in for the local clock when it has no send
    time (tests pass it to be deterministic)."""
    sent_at = exchange.started_at
    local_clock = sent_at or now or datetime.now(UTC)
    values: dict[str, Any] = {}
    req_headers = header_map(exchange.request.headers)
    resp_headers: dict[str, list[str]] = {}
    reference = local_clock
    response = exchange.response
    if response is not None:
        resp_headers = header_map(response.headers)
        server_date = rs.http_date(_first(resp_headers, "date"))
        if server_date is not None:
            reference = server_date
            if sent_at is not None:
                values["clock_skew_s"] = (server_date - sent_at).total_seconds()
        values.update(_response_values(response.status, response.reason, resp_headers))
        window = rs.body_window(response)
        kind = rs.body_kind(response, values["content_type"], window)
        size = max(response.size, len(response.body))
        values.update(
            body_text=window,
            body_kind=kind,
            body_size=size,
            title=rs.page_title(window) if kind in ("html", "xml", "text") else "",
            error_codes=tuple(rs.error_codes(resp_headers, window, kind, size)),
            retry_after_s=rs.retry_after_seconds(_first(resp_headers, "retry-after"), reference),
        )
    if exchange.error is not None:
        values.update(
            error_kind=str(exchange.error.kind),
            error_message=exchange.error.message,
            error_detail=exchange.error.detail,
        )
    values.update(_request_values(exchange, req_headers, reference))
    allow = ",".join(resp_headers.get("allow", []))
    if allow.strip():
        allowed = {m.strip().upper() for m in allow.split(",")}
        values["allow_excludes_method"] = values["method"] not in allowed
    values.update(_history_values(exchange, values, history))
    return Facts(**values, response_headers=resp_headers, request_headers=req_headers)


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _response_values(status: int, reason: str, headers: dict[str, list[str]]) -> dict[str, Any]:
    cookies = rs.set_cookie_names(headers)
    www, www_scheme, www_error, www_scope = rs.www_authenticate(headers)
    limit, remaining, reset = rs.ratelimit(headers)
    hit, cache_status, age = rs.cache_facts(headers)
    granted, accepted, scope_missing = rs.oauth_scopes(headers)
    return {
        "status": status,
        "reason": reason,
        "content_type": rq.media_type(_first(headers, "content-type")),
        "server": ", ".join(headers.get("server", [])),
        "server_family": tuple(rs.server_families(headers, cookies)),
        "set_cookie_names": tuple(cookies),
        "www_authenticate": www,
        "www_auth_scheme": www_scheme,
        "www_auth_error": www_error,
        "www_auth_scope": www_scope,
        "oauth_scopes": tuple(granted),
        "oauth_accepted_scopes": tuple(accepted),
        "oauth_scope_missing": scope_missing,
        "ratelimit_limit": limit,
        "ratelimit_remaining": remaining,
        "ratelimit_reset": reset,
        "cache_hit": hit,
        "cache_status": cache_status,
        "age_s": age,
    }


def _request_values(
    exchange: Exchange, headers: dict[str, list[str]], reference: datetime
) -> dict[str, Any]:
    request = exchange.request
    parts = urlsplit(request.url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    host = (parts.hostname or "").lower()
    method = request.method.upper()
    auth = rq.analyse_authorization(_first(headers, "authorization"))
    key_names = rq.api_key_names(headers, query)
    cookies = rq.cookie_pairs(headers)
    session_cookie = any(rq.is_session_cookie(name) for name, _ in cookies)
    lower_query = {k.lower(): v for k, v in query}
    signed = any(name in rq.SIGNATURE_QUERY_PARAMS for name in lower_query)
    content_type = rq.media_type(_first(headers, "content-type"))
    body = rq.analyse_request_body(request.body, content_type)
    origin = _first(headers, "origin") or ""
    origin_host = (urlsplit(origin).hostname or "").lower() if origin else ""
    referer = _first(headers, "referer") or ""
    user_agent = _first(headers, "user-agent")
    values: dict[str, Any] = {
        "method": method,
        "method_unsafe": method not in _SAFE_METHODS,
        "url": request.url,
        "scheme": parts.scheme.lower(),
        "host": host,
        "path": parts.path or "/",
        "path_is_directory": (parts.path or "/").endswith("/"),
        "query_params": tuple(k for k, _ in query),
        "user_agent": user_agent or "",
        "ua_kind": rq.ua_kind(user_agent),
        "auth_present": auth.present,
        "auth_scheme": auth.scheme,
        "auth_problem": auth.problem,
        "auth_normalized": auth.normalized,
        "api_key_present": bool(key_names),
        "api_key_names": tuple(key_names),
        "cookie_names": tuple(name for name, _ in cookies),
        "session_cookie_present": session_cookie,
        "signed_url": signed,
        "signed_url_expired": signed and _signed_url_expired(lower_query, reference),
        "credentials_present": auth.present
        or bool(key_names)
        or session_cookie
        or signed
        or "x-amz-security-token" in headers,
        "csrf_cookie_present": any(rq.is_csrf_cookie(name) for name, _ in cookies),
        "csrf_header_present": any(name in rq.CSRF_HEADERS for name in headers),
        "csrf_in_body": bool(body.fields & rq.CSRF_BODY_FIELDS),
        "origin": origin,
        "origin_cross_site": bool(origin_host) and origin_host != host,
        "referer": referer,
        "referer_present": bool(referer.strip()),
        "preflight": method == "OPTIONS" and "access-control-request-method" in headers,
        "request_content_type": content_type,
        "request_body_kind": body.kind,
        "content_type_mismatch": body.mismatch,
        "request_attack_pattern": rq.attack_pattern(request.url, request.body),
        "redirect_count": len(exchange.redirects),
        "redirect_dropped_auth": any(
            name.lower() in ("authorization", "cookie")
            for hop in exchange.redirects
            for name in hop.dropped_headers
        ),
        "redirect_cross_host": any(
            (urlsplit(hop.location).hostname or host).lower() != (urlsplit(hop.url).hostname or "")
            for hop in exchange.redirects
        ),
    }
    tokens = [auth.token]
    tokens.extend(headers[name.lower()][0] for name in key_names if name.lower() in headers)
    tokens.extend(value for name, value in cookies if rq.is_session_cookie(name))
    values.update(_jwt_values(tokens, host, reference))
    return values


def _jwt_values(candidates: list[str], host: str, reference: datetime) -> dict[str, Any]:
    claims = next((c for c in map(rq.decode_jwt_claims, candidates) if c is not None), None)
    if claims is None:
        return {}
    now_ts = reference.timestamp()
    exp = _number(claims.get("exp"))
    nbf = _number(claims.get("nbf"))
    iat = _number(claims.get("iat"))
    aud_raw = claims.get("aud")
    aud = [aud_raw] if isinstance(aud_raw, str) else [str(a) for a in aud_raw or []]
    not_before = nbf if nbf is not None else iat
    return {
        "jwt_present": True,
        "jwt_exp_in_s": exp - now_ts if exp is not None else None,
        "jwt_expired": exp is not None and exp < now_ts,
        "jwt_not_yet_valid": not_before is not None and not_before > now_ts + 60,
        "jwt_iat_age_s": now_ts - iat if iat is not None else None,
        "jwt_aud": tuple(aud),
        "jwt_aud_mismatch": bool(aud) and bool(host) and not any(host in a for a in aud),
        "jwt_scopes": tuple(rq.jwt_scopes(claims)),
        "jwt_issuer": str(claims.get("iss", "")),
    }


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _signed_url_expired(query: dict[str, str], reference: datetime) -> bool:
    now_ts = reference.timestamp()
    pairs = (("x-amz-date", "x-amz-expires"), ("x-goog-date", "x-goog-expires"))
    for date_key, expires_key in pairs:
        if date_key in query and query.get(expires_key, "").isdigit():
            try:
                start = datetime.strptime(query[date_key], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            except ValueError:
                continue
            return start.timestamp() + int(query[expires_key]) < now_ts
    if query.get("expires", "").isdigit():
        return int(query["expires"]) < now_ts
    if "se" in query:
        try:
            end = datetime.fromisoformat(query["se"].replace("Z", "+00:00"))
        except ValueError:
            return False
        if end.tzinfo is None:
            end = end.replace(tzinfo=UTC)
        return end.timestamp() < now_ts
    return False


def credential_fingerprint(request: SentRequest) -> tuple[str, ...]:
    """The credentials a request carries, to tell whether two requests used the same ones."""
    headers = header_map(request.headers)
    query = parse_qsl(urlsplit(request.url).query, keep_blank_values=True)
    parts = [f"authorization={v}" for v in headers.get("authorization", [])]
    for name in rq.api_key_names(headers, query):
        lname = name.lower()
        parts.extend(f"{lname}={v}" for v in headers.get(lname, []))
        parts.extend(f"{k}={v}" for k, v in query if k == name)
    parts.extend(f"cookie:{n}={v}" for n, v in rq.cookie_pairs(headers) if rq.is_session_cookie(n))
    return tuple(sorted(parts))


def _history_values(
    exchange: Exchange, current: dict[str, Any], history: Sequence[Exchange]
) -> dict[str, Any]:
    if not history:
        return {}
    recent = list(history)[-HISTORY_LIMIT:]
    host = current.get("host", "")
    method, url = exchange.request.method.upper(), exchange.request.url
    now = exchange.started_at
    creds = credential_fingerprint(exchange.request) if current["credentials_present"] else ()
    values: dict[str, Any] = {}
    same_ok_at: datetime | None = None
    burst = 0
    for past in recent:
        status = past.status
        past_host = (urlsplit(past.request.url).hostname or "").lower()
        if past_host != host:
            continue
        ok = status is not None and 200 <= status < 300
        if ok and past.request.method.upper() == method and past.request.url == url:
            values["history_same_ok"] = True
            same_ok_at = past.started_at or same_ok_at
        if now is not None and past.started_at is not None:
            delta = (now - past.started_at).total_seconds()
            if 0 <= delta <= BURST_WINDOW_S:
                burst += 1
        if past.response is not None and _was_rate_limited(past):
            values["history_rate_limited"] = True
        if ok and creds and credential_fingerprint(past.request) == creds:
            values["history_auth_accepted"] = True
        if status == 401 and creds and not credential_fingerprint(past.request):
            values["history_prior_401_without_credentials"] = True
    values["history_recent_requests"] = burst
    if same_ok_at is not None and now is not None:
        values["history_same_ok_ago_s"] = (now - same_ok_at).total_seconds()
    return values


def _was_rate_limited(past: Exchange) -> bool:
    assert past.response is not None
    if past.response.status == 429:
        return True
    _, remaining, _ = rs.ratelimit(header_map(past.response.headers))
    return remaining == 0
