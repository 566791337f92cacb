"""What the request itself says: credentials and how they are written, the JWT inside them,
CSRF tokens, Origin/Referer, the User-Agent and whether the body matches its Content-Type.
Pure functions over header pairs, so they serve the current exchange and the history alike."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

HeaderMap = Mapping[str, list[str]]  # lower-case name -> values in order

API_KEY_HEADERS = frozenset(
    {
        "x-api-key", "api-key", "apikey", "x-apikey", "api_key", "x-api-token", "api-token",
        "x-auth-token", "x-access-token", "private-token", "x-private-token", "job-token",
        "x-shopify-access-token", "ocp-apim-subscription-key", "x-goog-api-key",
        "x-functions-key", "x-vault-token", "x-figma-token", "x-token", "x-app-key",
        "x-rapidapi-key", "circle-token", "x-gitlab-token", "x-user-token", "x-session-token",
        "x-client-secret", "x-secret-key", "x-master-key", "x-apisix-key", "x-auth-key",
    }
)  # fmt: skip
_API_KEY_HEADER_RE = re.compile(
    r"^(x-)?([a-z0-9]+-)*(api-?key|api-?token|access-?token|auth-?token)$"
)
API_KEY_QUERY_PARAMS = frozenset(
    {
        "key", "api_key", "apikey", "api-key", "access_token", "token", "auth", "auth_token",
        "client_secret", "subscription-key", "appid", "app_key", "private_token",
    }
)  # fmt: skip
SIGNATURE_QUERY_PARAMS = frozenset({"x-amz-signature", "signature", "sig", "x-goog-signature"})
CSRF_HEADERS = frozenset(
    {"x-csrf-token", "x-csrftoken", "x-xsrf-token", "csrf-token", "x-csrf-header", "jenkins-crumb"}
)
CSRF_BODY_FIELDS = frozenset(
    {"csrfmiddlewaretoken", "_csrf", "csrf_token", "authenticity_token", "_xsrf", "_token"}
)
_CSRF_COOKIE_RE = re.compile(r"csrf|xsrf", re.IGNORECASE)
_SESSION_COOKIE_RE = re.compile(
    r"sess|^sid$|_sid$|auth|token|jwt|logged_?in|remember|login|connect\.sid", re.IGNORECASE
)
_LIBRARY_UA_RE = re.compile(
    r"^(python-httpx|python-requests|python-urllib|python/|curl/|wget/|go-http-client|java/|"
    r"okhttp|axios/|node-fetch|undici|node/|aiohttp/|libwww-perl|lwp::|apache-httpclient|"
    r"postmanruntime|httpie/|dart/|dart:io|guzzlehttp|ruby|reqwest/|scrapy/|faraday|"
    r"rest-client|http\.rb|insomnia|php/|winhttp|windowspowershell|powershell|"
    r"go-resty|restsharp|unirest|feign|electron-fetch|got |ky/|superagent|jakarta|"
    r"cpp-httplib|libcurl|urllib3|httplib2|treq|pycurl|requests-|hackney|okhttp)",
    re.IGNORECASE,
)
_PLACEHOLDER_RE = re.compile(
    r"^(undefined|null|none|nil|false|true|token|bearer|string|"
    r"<[^<>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|\$[A-Z_][A-Z0-9_]*|%[A-Z_]+%|"
    r"your[-_ ]?(api[-_ ]?)?(key|token|secret|access[-_ ]?token)[\w-]*|x{6,})$",
    re.IGNORECASE,
)
_JWT_RE = re.compile(r"^[A-Za-z0-9_-]{4,}\.([A-Za-z0-9_-]{4,})\.[A-Za-z0-9_-]*$")
_TOKEN_SCHEMES = frozenset({"bearer", "token", "basic"})
# What web application firewalls' core rule sets block on sight, by class. Searched in the
# decoded URL and the head of the body; a hint that a WAF, not the application, refused.
_ATTACK_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "sql_injection",
        re.compile(
            r"\bunion\b[\s/*]+(all[\s/*]+)?select\b|'\s*(or|and)\s+'?\w+'?\s*=\s*'?\w"
            r"|\b(or|and)\s+(\d+)\s*=\s*\d+|;\s*drop\s+table\b|\bsleep\s*\(\s*\d"
            r"|\bbenchmark\s*\(|\binformation_schema\b",
            re.IGNORECASE,
        ),
    ),
    (
        "cross_site_scripting",
        re.compile(
            r"<\s*script\b|\bjavascript\s*:|<[^>]{0,80}\bon(error|load|mouseover|focus|click)\s*="
            r"|<\s*(iframe|svg|object|embed)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "path_traversal",
        re.compile(r"\.\.[/\\]|/etc/(passwd|shadow)\b|\bwin\.ini\b|\bboot\.ini\b", re.IGNORECASE),
    ),
    (
        "command_injection",
        re.compile(
            r"(;|\||`|\$\()\s*(cat|ls|id|whoami|uname|wget|curl|nc|bash|sh)\b[^\w]",
            re.IGNORECASE,
        ),
    ),
)
_ATTACK_SCAN_BYTES = 8192
_FORM_RE = re.compile(r"^[\w.%~\[\]+-]+=[^&\s]*(&[\w.%~\[\]+-]+=[^&\s]*)*$")


@dataclass(frozen=True, slots=True)
class AuthHeaderFacts:
    present: bool = False
    scheme: str = ""
    problem: str = ""
    normalized: str = ""
    token: str = ""  # the credential part, for JWT decoding; never shown


def analyse_authorization(value: str | None) -> AuthHeaderFacts:
    """How an Authorization value is written, and what is wrong with it."""
    if value is None:
        return AuthHeaderFacts()
    if not value.strip():
        return AuthHeaderFacts(True, "", "empty")
    parts = value.split()
    first = parts[0]
    if len(parts) == 1:
        problem = "placeholder" if _PLACEHOLDER_RE.match(first) else "no_scheme"
        if problem == "placeholder" and first.lower() in _TOKEN_SCHEMES:
            problem = "empty"  # "Bearer" with nothing after it
        normalized = f"Bearer {first}" if problem == "no_scheme" and _JWT_RE.match(first) else ""
        return AuthHeaderFacts(True, "", problem, normalized, first)
    scheme = first.lower()
    if scheme not in _TOKEN_SCHEMES:
        # Structured schemes (AWS4-HMAC-SHA256, OAuth, Digest ...) legitimately contain spaces.
        return AuthHeaderFacts(True, scheme, "newline" if "\n" in value else "", "", "")
    rest = parts[1:]
    problem = ""
    if rest[0].lower() == scheme:
        problem = "doubled_scheme"
        rest = rest[1:] or [""]
    token = " ".join(rest)
    if not problem:
        if "\n" in value or "\r" in value:
            problem = "newline"
        elif len(token) >= 2 and token[0] in "\"'" and token[-1] == token[0]:
            problem = "quoted"
        elif len(rest) > 1 or value != value.strip() or "  " in value or "\t" in value:
            problem = "whitespace"
    clean = "".join(token.split()).strip("\"'")
    if not clean:
        problem = "empty"
    elif _PLACEHOLDER_RE.match(clean) and not problem:
        problem = "placeholder"
    elif scheme == "basic" and not problem and not _is_basic_credentials(clean):
        problem = "bad_basic"
    normalized = ""
    if problem in ("doubled_scheme", "quoted", "whitespace", "newline") and clean:
        normalized = f"{first} {clean}"
    return AuthHeaderFacts(True, scheme, problem, normalized, clean)


def _is_basic_credentials(token: str) -> bool:
    try:
        decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded


def decode_jwt_claims(token: str) -> dict[str, Any] | None:
    """The payload of a JWT, without verifying it (we only read what it claims)."""
    match = _JWT_RE.match(token)
    if match is None:
        return None
    payload = match.group(1)
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def jwt_scopes(claims: Mapping[str, Any]) -> list[str]:
    scopes: list[str] = []
    for key in ("scope", "scp", "roles", "permissions"):
        value = claims.get(key)
        if isinstance(value, str):
            scopes.extend(value.split())
        elif isinstance(value, list):
            scopes.extend(str(v) for v in value)
    realm = claims.get("realm_access")
    if isinstance(realm, dict) and isinstance(realm.get("roles"), list):
        scopes.extend(str(v) for v in realm["roles"])
    return scopes


def api_key_names(headers: HeaderMap, query: Iterable[tuple[str, str]]) -> list[str]:
    names = [
        name
        for name, values in headers.items()
        if (name in API_KEY_HEADERS or _API_KEY_HEADER_RE.match(name)) and any(values)
    ]
    names.extend(k for k, v in query if k.lower() in API_KEY_QUERY_PARAMS and v)
    return names


def cookie_pairs(headers: HeaderMap) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for value in headers.get("cookie", []):
        for part in value.split(";"):
            name, sep, val = part.strip().partition("=")
            if sep and name:
                pairs.append((name, val))
    return pairs


def is_csrf_cookie(name: str) -> bool:
    return bool(_CSRF_COOKIE_RE.search(name))


def is_session_cookie(name: str) -> bool:
    return not is_csrf_cookie(name) and bool(_SESSION_COOKIE_RE.search(name))


def ua_kind(user_agent: str | None) -> str:
    if user_agent is None or not user_agent.strip():
        return "none"
    if _LIBRARY_UA_RE.match(user_agent.strip()):
        return "library"
    if user_agent.startswith("Mozilla/") or user_agent.startswith("Opera/"):
        return "browser"
    return "custom"


@dataclass(frozen=True, slots=True)
class BodyFacts:
    kind: str = "empty"
    mismatch: bool = False
    fields: frozenset[str] = field(default_factory=frozenset)


def analyse_request_body(body: bytes, media_type: str) -> BodyFacts:
    """Sniff the body and compare it with what Content-Type declares."""
    if not body:
        return BodyFacts()
    sample = body[:65536]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        return BodyFacts("binary")
    stripped = text.strip()
    fields: frozenset[str] = frozenset()
    kind = "text"
    if stripped[:1] in "{[":
        try:
            parsed = json.loads(body) if len(body) <= 1_000_000 else None
        except ValueError:
            parsed = None
        if parsed is not None or len(body) > 1_000_000:
            kind = "json"
            if isinstance(parsed, dict):
                fields = frozenset(str(k) for k in parsed)
    elif stripped.startswith("<"):
        kind = "xml"
    elif stripped.startswith("--") and "content-disposition" in text[:2048].lower():
        kind = "multipart"
    elif _FORM_RE.match(stripped):
        kind = "form"
        fields = frozenset(k for k, _ in parse_qsl(stripped, keep_blank_values=True))
    declared_json = media_type == "application/json" or media_type.endswith("+json")
    mismatch = False
    if not media_type:
        mismatch = kind in ("json", "form", "xml")
    elif declared_json:
        mismatch = kind != "json"
    elif media_type == "application/x-www-form-urlencoded":
        mismatch = kind in ("json", "xml", "multipart")
    elif media_type.startswith("multipart/"):
        mismatch = kind != "multipart"
    elif media_type == "text/plain":
        mismatch = kind == "json"
    return BodyFacts(kind, mismatch, fields)


def media_type(content_type: str | None) -> str:
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def attack_pattern(url: str, body: bytes) -> str:
    """The class of attack-like text in the request (`sql_injection`, `cross_site_scripting`,
    `path_traversal`, `command_injection`), or "" when there is none."""
    target = url.split("://", 1)[-1]
    target = target[target.find("/") :] if "/" in target else ""
    texts = [unquote_plus(unquote_plus(target))]
    if body:
        head = body[:_ATTACK_SCAN_BYTES].decode("utf-8", "replace")
        texts.append(unquote_plus(head) if "=" in head[:200] else head)
    for name, pattern in _ATTACK_PATTERNS:
        if any(pattern.search(text) for text in texts):
            return name
    return ""
