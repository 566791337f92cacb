"""What the response says: who answered (server family), machine-readable error codes, the
page title, WWW-Authenticate, rate-limit and cache headers. Only a head and a tail window of
the body are ever looked at, so a 20 MB body costs no more than a small one."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from reqscope.core.model import Response
from reqscope.core.textdecode import text_codec

HeaderMap = Mapping[str, list[str]]

HEAD_WINDOW = 32 * 1024
TAIL_WINDOW = 16 * 1024
_JSON_PARSE_LIMIT = 256 * 1024
_ERROR_CODE_KEYS = frozenset(
    {"code", "error", "reason", "status", "type", "errorcode", "error_code", "__type"}
)
_XML_CODE_RE = re.compile(r"<Code>\s*([^<]{1,200}?)\s*</Code>")
_JSON_CODE_RE = re.compile(
    r'"(?:code|error|reason|status|type|errorCode|error_code|__type)"\s*:\s*"([^"]{1,120})"'
)
# S3 website endpoints (and similar HTML renderings of an XML error) list the code as an item.
_HTML_CODE_RE = re.compile(r"<li>\s*Code:\s*([A-Za-z][\w.-]{1,80})\s*</li>", re.IGNORECASE)
_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_WWW_ERROR_RE = re.compile(r'\berror\s*=\s*"?([^",]*)"?', re.IGNORECASE)
_WWW_SCOPE_RE = re.compile(r'\bscope\s*=\s*"([^"]*)"|\bscope\s*=\s*([^,\s]*)', re.IGNORECASE)
_CACHE_HIT_RE = re.compile(r"\bhit\b|tcp_hit|tcp_mem_hit", re.IGNORECASE)
_FIRST_INT_RE = re.compile(r"-?\d+")
_STRUCTURED_REMAINING_RE = re.compile(r"(?:\bremaining=|;\s*r=)(\d+)", re.IGNORECASE)


def body_window(response: Response) -> str:
    """The text that rules scan: the whole body when small, else its head and tail."""
    if response.is_binary:
        return ""
    text = response.text
    if not text and response.body:
        raw = response.body
        if len(raw) > HEAD_WINDOW + TAIL_WINDOW:
            raw = raw[:HEAD_WINDOW] + b"\n" + raw[-TAIL_WINDOW:]
        text = raw.decode(text_codec(response.charset) or "utf-8", errors="replace")
        if "\x00" in text[:1024]:
            return ""  # binary without the flag: nothing readable to match
    if len(text) > HEAD_WINDOW + TAIL_WINDOW:
        return text[:HEAD_WINDOW] + "\n" + text[-TAIL_WINDOW:]
    return text


def body_kind(response: Response, media: str, window: str) -> str:
    if response.is_binary:
        return "binary"
    if not response.body and not response.text:
        return "empty"
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if "html" in media:
        return "html"
    if media.endswith("/xml") or media.endswith("+xml"):
        return "xml"
    head = window.lstrip()[:256].lower()
    if head.startswith(("{", "[")):
        return "json"
    if head.startswith(("<!doctype html", "<html", "<head", "<body")) or "<html" in head:
        return "html"
    if head.startswith("<?xml") or head.startswith("<"):
        return "xml"
    if not window and response.body:
        return "binary"
    return "text"


def page_title(window: str) -> str:
    match = _TITLE_RE.search(window, 0, HEAD_WINDOW)
    if match is None:
        return ""
    return " ".join(html.unescape(match.group(1)).split())


def error_codes(headers: HeaderMap, window: str, kind: str, body_size: int) -> list[str]:
    codes: list[str] = []
    for name in ("x-ms-error-code", "x-amz-error-code", "x-error-code"):
        codes.extend(v.strip() for v in headers.get(name, []) if v.strip())
    for value in headers.get("x-amzn-errortype", []):
        code = value.split(":", 1)[0].strip()
        if code:
            codes.append(code)
    if kind == "json":
        parsed: Any = None
        if body_size <= _JSON_PARSE_LIMIT:
            try:
                parsed = json.loads(window)
            except ValueError:
                parsed = None
        if parsed is not None:
            _collect_json_codes(parsed, codes, depth=0)
        else:
            codes.extend(_JSON_CODE_RE.findall(window))
    elif kind in ("xml", "html", "text"):
        codes.extend(_XML_CODE_RE.findall(window))
        if kind == "html":
            codes.extend(_HTML_CODE_RE.findall(window))
    return list(dict.fromkeys(codes))


def _collect_json_codes(value: Any, codes: list[str], depth: int) -> None:
    if depth > 4:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if key.lower() in _ERROR_CODE_KEYS:
                if isinstance(item, str) and 0 < len(item) <= 120:
                    codes.append(item)
                elif isinstance(item, int) and not isinstance(item, bool):
                    codes.append(str(item))
            if isinstance(item, dict | list):
                _collect_json_codes(item, codes, depth + 1)
    elif isinstance(value, list):
        for item in value[:50]:
            _collect_json_codes(item, codes, depth + 1)


def server_families(headers: HeaderMap, set_cookie_names: list[str]) -> list[str]:
    """Who answered, from Server, Via and vendor headers (several can apply: CloudFront + WAF)."""
    # A proxy chain can send several Server headers; each is judged on its own.
    servers = [value.strip().lower() for value in headers.get("server", [])]
    via = " ".join(headers.get("via", [])).lower()
    x_cache = " ".join(headers.get("x-cache", [])).lower()
    names = headers.keys()

    def prefixed(*prefixes: str) -> bool:
        return any(name.startswith(prefixes) for name in names)

    def server_is(*exact: str) -> bool:
        return any(value in exact for value in servers)

    def server_starts(*prefixes: str) -> bool:
        return any(value.startswith(prefixes) for value in servers)

    def server_has(*parts: str) -> bool:
        return any(part in value for value in servers for part in parts)

    found: list[str] = []
    checks: list[tuple[str, bool]] = [
        ("cloudflare", server_is("cloudflare") or "cf-ray" in names or "cf-mitigated" in names),
        ("cloudfront", "x-amz-cf-id" in names or server_is("cloudfront") or "cloudfront" in via
         or "cloudfront" in x_cache),
        ("aws", prefixed("x-amz-", "x-amzn-") or server_is("amazons3", "amazon")
         or server_starts("awselb")),
        ("aws_s3", server_is("amazons3")),
        ("aws_apigateway", "x-amz-apigw-id" in names
         or ("x-amzn-requestid" in names and "x-amzn-errortype" in names)),
        ("aws_elb", server_starts("awselb")),
        ("aws_waf", "x-amzn-waf-action" in names),
        ("google", prefixed("x-goog-", "x-guploader-") or "x-cloud-trace-context" in names
         or server_is("google frontend", "gws", "esf", "gse", "sffe")),
        ("azure", prefixed("x-ms-") or "x-azure-ref" in names),
        ("azure_frontdoor", "x-azure-ref" in names or "x-fd-healthprobe" in names),
        ("github", prefixed("x-github-") or server_is("github.com")),
        ("gitlab", prefixed("x-gitlab-")),
        ("akamai", server_starts("akamaighost", "akamainetstorage")
         or "akamai-grn" in names or prefixed("x-akamai-")),
        ("fastly", prefixed("fastly-", "x-fastly-")
         or "cache-" in " ".join(headers.get("x-served-by", [])).lower()),
        ("imperva", "x-iinfo" in names
         or "imperva" in " ".join(headers.get("x-cdn", [])).lower()
         or any(n.startswith(("incap_ses", "visid_incap")) for n in set_cookie_names)),
        ("sucuri", "x-sucuri-id" in names or server_has("sucuri")),
        ("ddos_guard", server_has("ddos-guard")),
        ("f5", server_has("big-ip", "bigip")
         or any(n.startswith(("TS01", "BIGipServer")) for n in set_cookie_names)),
        ("iis", server_has("microsoft-iis")),
        ("apache", server_starts("apache")),
        ("nginx", server_starts("nginx")),
        ("openresty", server_starts("openresty")),
        ("litespeed", server_has("litespeed")),
        ("envoy", server_is("envoy") or prefixed("x-envoy-")),
        ("kong", prefixed("x-kong-") or "kong" in via),
        ("varnish", "x-varnish" in names or "varnish" in via),
        ("haproxy", server_has("haproxy")),
        ("jetty", server_starts("jetty")),
        ("tornado", server_starts("tornadoserver")),
        ("kubernetes", "audit-id" in names or "x-kubernetes-pf-flowschema-uid" in names),
        ("shopify", prefixed("x-shopify-")),
        ("jenkins", "x-jenkins" in names),
    ]  # fmt: skip
    for family, matched in checks:
        if matched:
            found.append(family)
    return found


def set_cookie_names(headers: HeaderMap) -> list[str]:
    names: list[str] = []
    for value in headers.get("set-cookie", []):
        name = value.split("=", 1)[0].strip()
        if name:
            names.append(name)
    return names


def www_authenticate(headers: HeaderMap) -> tuple[str, str, str, str]:
    """(whole value, scheme, RFC 6750 error, scope)."""
    value = ", ".join(headers.get("www-authenticate", []))
    if not value:
        return "", "", "", ""
    scheme = value.split(None, 1)[0].rstrip(",").lower()
    error = _WWW_ERROR_RE.search(value)
    scope = _WWW_SCOPE_RE.search(value)
    scope_text = (scope.group(1) or scope.group(2) or "") if scope else ""
    return value, scheme, error.group(1).strip() if error else "", scope_text


def oauth_scopes(headers: HeaderMap) -> tuple[list[str], list[str], bool]:
    """(scopes the token has, scopes the endpoint accepts, the token has none of them) from
    `X-OAuth-Scopes` and `X-Accepted-OAuth-Scopes` (GitHub's convention, copied by others).
    "Has none" needs both headers: an absent X-OAuth-Scopes says nothing about the token."""
    granted_values = headers.get("x-oauth-scopes")
    accepted = _scope_list(", ".join(headers.get("x-accepted-oauth-scopes", [])))
    if granted_values is None:
        return [], accepted, False
    granted = _scope_list(", ".join(granted_values))
    missing = bool(accepted) and not any(_scope_covers(granted, scope) for scope in accepted)
    return granted, accepted, missing


def _scope_list(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\s]+", value) if part.strip()]


def _scope_covers(granted: list[str], scope: str) -> bool:
    """A granted scope covers its sub-scopes: `repo` covers `repo:status`, `admin:org` covers
    `write:org` and `read:org`, `write:x` covers `read:x`."""
    lowered = {g.lower() for g in granted}
    scope = scope.lower()
    if scope in lowered or any(scope.startswith(g + ":") for g in lowered):
        return True
    level, sep, target = scope.partition(":")
    if not sep:
        return False
    stronger = {"read": ("write", "admin"), "write": ("admin",)}.get(level, ())
    return any(f"{s}:{target}" in lowered for s in stronger)


def http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else None


def retry_after_seconds(value: str | None, reference: datetime) -> float | None:
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = http_date(value)
    return (when - reference).total_seconds() if when is not None else None


def first_int(headers: HeaderMap, *names: str) -> int | None:
    for name in names:
        for value in headers.get(name, []):
            match = _FIRST_INT_RE.search(value)
            if match:
                return int(match.group())
    return None


def ratelimit(headers: HeaderMap) -> tuple[int | None, int | None, str]:
    """(limit, remaining, raw reset) from the X-RateLimit-*, RateLimit-* and RateLimit families."""
    limit = first_int(headers, "x-ratelimit-limit", "ratelimit-limit", "x-rate-limit-limit")
    remaining = first_int(
        headers, "x-ratelimit-remaining", "ratelimit-remaining", "x-rate-limit-remaining"
    )
    if remaining is None:
        for value in headers.get("ratelimit", []):
            match = _STRUCTURED_REMAINING_RE.search(value)
            if match:
                remaining = int(match.group(1))
                break
    reset = ""
    for name in ("x-ratelimit-reset", "ratelimit-reset", "x-rate-limit-reset"):
        if headers.get(name):
            reset = headers[name][0].strip()
            break
    return limit, remaining, reset


def cache_facts(headers: HeaderMap) -> tuple[bool, str, float | None]:
    """(served by a cache?, the header that says so, Age in seconds)."""
    age = first_int(headers, "age")
    age_s = float(age) if age is not None else None
    for name in ("x-cache", "x-cache-status", "x-proxy-cache"):
        for value in headers.get(name, []):
            if _CACHE_HIT_RE.search(value) and "miss" not in value.lower():
                return True, f"{name}: {value}", age_s
    for value in headers.get("cf-cache-status", []):
        if value.strip().upper() in ("HIT", "STALE", "UPDATING", "REVALIDATED"):
            return True, f"cf-cache-status: {value}", age_s
    if age_s is not None and age_s > 0:
        return True, f"age: {age}", age_s
    return False, "", age_s
