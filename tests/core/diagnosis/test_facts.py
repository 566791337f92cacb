from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from diagnosis_helpers import NOW, exchange

from reqscope.core.diagnosis import FACT_TYPES, extract_facts
from reqscope.core.diagnosis.request_facts import (
    analyse_authorization,
    analyse_request_body,
    decode_jwt_claims,
    ua_kind,
)
from reqscope.core.diagnosis.response_facts import HEAD_WINDOW, TAIL_WINDOW
from reqscope.core.model import Exchange, RedirectHop, Response


def jwt(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256'})}.{part(claims)}.c2ln"


def test_every_fact_is_documented_in_the_spec() -> None:
    from pathlib import Path

    spec = (Path(__file__).parents[3] / "docs" / "knowledge-base.md").read_text()
    missing = [name for name in FACT_TYPES if f"| `{name}` |" not in spec]
    assert missing == []


@pytest.mark.parametrize(
    ("value", "scheme", "problem"),
    [
        ("Bearer abc.def", "bearer", ""),
        ("bearer abc", "bearer", ""),
        ("Bearer Bearer abc", "bearer", "doubled_scheme"),
        ('Bearer "abc"', "bearer", "quoted"),
        ("Bearer abc\n", "bearer", "newline"),
        ("Bearer  abc", "bearer", "whitespace"),
        ("Bearer abc def", "bearer", "whitespace"),
        ("abcdef123", "", "no_scheme"),
        ("", "", "empty"),
        ("Bearer", "", "empty"),
        ("Bearer undefined", "bearer", "placeholder"),
        ("Bearer {{token}}", "bearer", "placeholder"),
        ("Bearer <token>", "bearer", "placeholder"),
        ("Basic dXNlcjpwYXNz", "basic", ""),
        ("Basic notbase64!!", "basic", "bad_basic"),
        (
            "AWS4-HMAC-SHA256 Credential=AKIA/x, SignedHeaders=host, Signature=ab",
            "aws4-hmac-sha256",
            "",
        ),
    ],
)
def test_authorization_problems(value: str, scheme: str, problem: str) -> None:
    facts = analyse_authorization(value)
    assert (facts.scheme, facts.problem) == (scheme, problem)


def test_repairable_authorization_is_normalized() -> None:
    assert analyse_authorization("Bearer Bearer abc").normalized == "Bearer abc"
    assert analyse_authorization('Bearer "abc"').normalized == "Bearer abc"
    assert analyse_authorization("Bearer ab\nc").normalized == "Bearer abc"
    assert analyse_authorization("Bearer abc").normalized == ""


def test_jwt_claims_are_decoded_without_verification() -> None:
    token = jwt({"sub": "u1", "exp": 1000, "scope": "read write", "aud": "api.example.com"})
    claims = decode_jwt_claims(token)
    assert claims is not None and claims["sub"] == "u1"
    assert decode_jwt_claims("not.a-jwt") is None
    assert decode_jwt_claims("aaaa.!!!!.bbbb") is None
    assert decode_jwt_claims("aaaa.bm90IGpzb24.bbbb") is None  # payload is not JSON


def test_jwt_facts_against_the_servers_date() -> None:
    exp = NOW - timedelta(hours=2)
    token = jwt(
        {
            "exp": int(exp.timestamp()),
            "iat": int((NOW - timedelta(hours=3)).timestamp()),
            "scp": ["orders.read"],
            "aud": ["https://other.example"],
            "iss": "https://idp",
        }
    )
    facts = extract_facts(
        exchange(
            headers={"Authorization": f"Bearer {token}"},
            response_headers={"Date": "Wed, 01 May 2024 10:00:00 GMT"},
        )
    )
    assert facts.jwt_present and facts.jwt_expired
    assert facts.jwt_exp_in_s == pytest.approx(-7200)
    assert facts.jwt_iat_age_s == pytest.approx(3 * 3600)
    assert facts.jwt_scopes == ("orders.read",)
    assert facts.jwt_aud_mismatch
    assert facts.jwt_issuer == "https://idp"
    assert not facts.jwt_not_yet_valid


def test_jwt_in_a_session_cookie_is_read_too() -> None:
    token = jwt(
        {
            "exp": int((NOW + timedelta(hours=1)).timestamp()),
            "nbf": int((NOW + timedelta(hours=1)).timestamp()),
        }
    )
    facts = extract_facts(exchange(headers={"Cookie": f"session={token}"}))
    assert facts.jwt_present and not facts.jwt_expired and facts.jwt_not_yet_valid
    assert facts.session_cookie_present and facts.credentials_present


@pytest.mark.parametrize(
    ("ua", "kind"),
    [
        (None, "none"),
        ("", "none"),
        ("python-httpx/0.28.1", "library"),
        ("python-requests/2.31.0", "library"),
        ("curl/8.5.0", "library"),
        ("Go-http-client/1.1", "library"),
        ("Java/17.0.2", "library"),
        ("okhttp/4.12.0", "library"),
        ("Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0", "browser"),
        ("my-app/1.0 (ops@example.com)", "custom"),
    ],
)
def test_user_agent_kind(ua: str | None, kind: str) -> None:
    assert ua_kind(ua) == kind


@pytest.mark.parametrize(
    ("body", "content_type", "kind", "mismatch"),
    [
        (b'{"a": 1}', "application/json", "json", False),
        (b'{"a": 1}', "application/x-www-form-urlencoded", "json", True),
        (b'{"a": 1}', "", "json", True),
        (b"a=1&b=2", "application/json", "form", True),
        (b"a=1&b=2", "application/x-www-form-urlencoded", "form", False),
        (b"{broken", "application/json", "text", True),
        (b"\xff\xfe\x00binary", "application/octet-stream", "binary", False),
        (b"", "", "empty", False),
    ],
)
def test_request_body_against_content_type(
    body: bytes, content_type: str, kind: str, mismatch: bool
) -> None:
    facts = analyse_request_body(body, content_type)
    assert (facts.kind, facts.mismatch) == (kind, mismatch)


def test_credentials_api_keys_csrf_and_origin() -> None:
    facts = extract_facts(
        exchange(
            "https://api.example.com/v1/x?key=abc&X-Amz-Signature=s",
            method="POST",
            headers={
                "X-Api-Key": "k1",
                "Cookie": "csrftoken=t; sessionid=s",
                "X-CSRFToken": "t",
                "Origin": "https://app.other.example",
                "Referer": "https://app.other.example/page",
            },
        )
    )
    assert facts.api_key_present and set(facts.api_key_names) == {"x-api-key", "key"}
    assert facts.signed_url and facts.credentials_present
    assert facts.csrf_cookie_present and facts.csrf_header_present
    assert facts.origin_cross_site and facts.referer_present
    assert facts.method_unsafe and facts.cookie_names == ("csrftoken", "sessionid")


def test_no_credentials_at_all() -> None:
    facts = extract_facts(exchange(headers={"User-Agent": "curl/8.5.0", "Cookie": "theme=dark"}))
    assert not facts.credentials_present
    assert facts.ua_kind == "library"


def test_response_facts() -> None:
    facts = extract_facts(
        exchange(
            response_headers={
                "Server": "cloudflare",
                "CF-RAY": "abc-AMS",
                "Content-Type": "text/html; charset=UTF-8",
                "WWW-Authenticate": 'Bearer error="insufficient_scope", scope="repo admin"',
                "X-RateLimit-Limit": "60",
                "X-RateLimit-Remaining": "0",
                "Retry-After": "30",
                "CF-Cache-Status": "HIT",
                "Age": "12",
                "Set-Cookie": "__cf_bm=abc; path=/",
            },
            response_body="<html><head><title> Just a\n moment...</title></head></html>",
        )
    )
    assert facts.server_family == ("cloudflare",)
    assert facts.content_type == "text/html" and facts.body_kind == "html"
    assert facts.title == "Just a moment..."
    assert (facts.www_auth_scheme, facts.www_auth_error, facts.www_auth_scope) == (
        "bearer",
        "insufficient_scope",
        "repo admin",
    )
    assert (facts.ratelimit_limit, facts.ratelimit_remaining, facts.retry_after_s) == (60, 0, 30.0)
    assert facts.cache_hit and facts.cache_status == "cf-cache-status: HIT" and facts.age_s == 12
    assert facts.set_cookie_names == ("__cf_bm",)


def test_structured_ratelimit_header() -> None:
    facts = extract_facts(exchange(response_headers={"RateLimit": '"default";r=0;t=30'}))
    assert facts.ratelimit_remaining == 0


@pytest.mark.parametrize(
    ("headers", "body", "codes"),
    [
        (
            {"Content-Type": "application/xml"},
            "<Error><Code>AccessDenied</Code></Error>",
            ("AccessDenied",),
        ),
        (
            {"Content-Type": "application/json"},
            '{"error":{"code":403,"status":"PERMISSION_DENIED","details":[{"reason":"SERVICE_DISABLED"}]}}',
            ("403", "PERMISSION_DENIED", "SERVICE_DISABLED"),
        ),
        ({"x-ms-error-code": "AuthorizationFailure"}, "", ("AuthorizationFailure",)),
        (
            {"x-amzn-ErrorType": "AccessDeniedException:http://internal.amazon.com/"},
            "",
            ("AccessDeniedException",),
        ),
    ],
)
def test_error_codes(headers: dict[str, str], body: str, codes: tuple[str, ...]) -> None:
    assert (
        extract_facts(exchange(response_headers=headers, response_body=body)).error_codes == codes
    )


def test_server_families_from_vendor_headers() -> None:
    facts = extract_facts(
        exchange(
            response_headers={
                "Server": "CloudFront",
                "x-amz-cf-id": "x",
                "x-amzn-waf-action": "block",
            }
        )
    )
    assert {"cloudfront", "aws", "aws_waf"} <= set(facts.server_family)
    assert (
        "akamai"
        in extract_facts(exchange(response_headers={"Server": "AkamaiGHost"})).server_family
    )
    assert "imperva" in extract_facts(exchange(response_headers={"X-Iinfo": "1-2-3"})).server_family


def test_binary_body_does_not_break_facts() -> None:
    facts = extract_facts(
        exchange(binary=bytes(range(256)) * 100, response_headers={"Content-Type": "image/png"})
    )
    assert facts.body_kind == "binary" and facts.body_text == "" and facts.title == ""
    # A binary body not flagged as such (NULs in the text) is not scanned either.
    raw = Exchange(
        request=exchange().request, response=Response(status=403, body=b"\x00\x01garbage\x00" * 50)
    )
    assert extract_facts(raw).body_text == ""


def test_only_head_and_tail_of_a_big_body_are_scanned() -> None:
    middle = "x" * (5 * 1024 * 1024)
    body = "HEAD-MARK" + middle + "MIDDLE-MARK" + middle + "TAIL-MARK"
    facts = extract_facts(exchange(response_body=body))
    assert len(facts.body_text) <= HEAD_WINDOW + TAIL_WINDOW + 1
    assert "HEAD-MARK" in facts.body_text and "TAIL-MARK" in facts.body_text
    assert "MIDDLE-MARK" not in facts.body_text


def test_clock_skew_and_signed_url_expiry() -> None:
    facts = extract_facts(
        exchange(
            "https://b.example/k?X-Amz-Date=20240501T090000Z&X-Amz-Expires=300&X-Amz-Signature=s",
            response_headers={"Date": "Wed, 01 May 2024 10:10:00 GMT"},
        )
    )
    assert facts.clock_skew_s == pytest.approx(600)
    assert facts.signed_url and facts.signed_url_expired
    fresh = extract_facts(
        exchange(
            "https://b.example/k?X-Amz-Date=20240501T095900Z&X-Amz-Expires=300&X-Amz-Signature=s"
        )
    )
    assert fresh.signed_url and not fresh.signed_url_expired


def test_redirect_that_dropped_authorization() -> None:
    base = exchange(headers={})
    hop = RedirectHop(
        "GET", "http://api.example.com/x", 301, "https://api.example.com/x/", ("Authorization",)
    )
    facts = extract_facts(Exchange(request=base.request, response=base.response, redirects=(hop,)))
    assert facts.redirect_dropped_auth and facts.redirect_count == 1


def test_allow_header_against_the_method() -> None:
    facts = extract_facts(exchange(method="DELETE", response_headers={"Allow": "GET, HEAD"}))
    assert facts.allow_excludes_method
    assert not extract_facts(
        exchange(response_headers={"Allow": "GET, HEAD"})
    ).allow_excludes_method


def test_history_facts() -> None:
    auth = {"Authorization": "Bearer opaque-token"}
    earlier = [
        exchange(status=401, headers={}, started_at=NOW - timedelta(seconds=50)),
        exchange(status=200, headers=auth, started_at=NOW - timedelta(seconds=40)),
        exchange(
            "https://api.example.com/v1/me",
            status=200,
            headers=auth,
            started_at=NOW - timedelta(seconds=30),
        ),
        exchange("https://other.example/", status=429, started_at=NOW - timedelta(seconds=5)),
    ]
    facts = extract_facts(exchange(headers=auth), earlier)
    assert facts.history_same_ok and facts.history_same_ok_ago_s == pytest.approx(40)
    assert facts.history_auth_accepted
    assert facts.history_prior_401_without_credentials
    assert facts.history_recent_requests == 3  # the other host does not count
    assert not facts.history_rate_limited


def test_transport_error_facts() -> None:
    from reqscope.core.model import ErrorKind, TransportError

    base = exchange(status=None)
    failed = Exchange(
        request=base.request,
        error=TransportError(ErrorKind.TLS, "handshake failed", "certificate_required"),
    )
    facts = extract_facts(failed)
    assert facts.status is None
    assert (facts.error_kind, facts.error_detail) == ("tls", "certificate_required")


def test_several_server_headers_are_each_recognised() -> None:
    facts = extract_facts(
        exchange(response_headers={"Server": "BaseHTTP/0.6", "server": "nginx/1.24.0"})
    )
    assert "nginx" in facts.server_family
    assert facts.server == "BaseHTTP/0.6, nginx/1.24.0"


@pytest.mark.parametrize(
    ("granted", "accepted", "missing"),
    [
        ("gist, repo, workflow", "delete_repo", True),
        ("repo", "repo:status", False),
        ("admin:org", "read:org", False),
        ("write:packages", "read:packages", False),
        ("", "repo", True),
        ("repo", "", False),
    ],
)
def test_oauth_scope_headers(granted: str, accepted: str, missing: bool) -> None:
    headers = {"X-OAuth-Scopes": granted, "X-Accepted-OAuth-Scopes": accepted}
    facts = extract_facts(exchange(response_headers=headers))
    assert facts.oauth_scope_missing is missing
    without_granted = extract_facts(exchange(response_headers={"X-Accepted-OAuth-Scopes": "x"}))
    assert not without_granted.oauth_scope_missing  # nothing known about the token


@pytest.mark.parametrize(
    ("url", "body", "pattern"),
    [
        ("https://s.example/index.php?catid=3%20AND%203100=3100", b"", "sql_injection"),
        ("https://s.example/s?q=1%27%20UNION%20SELECT%20password", b"", "sql_injection"),
        ("https://s.example/s?q=%3Cscript%3Ealert(1)%3C/script%3E", b"", "cross_site_scripting"),
        ("https://s.example/files/../../etc/passwd", b"", "path_traversal"),
        ("https://s.example/api", b"comment=%3Cscript%3Ex%3C%2Fscript%3E", "cross_site_scripting"),
        ("https://s.example/ping?host=1.1.1.1;cat /etc/hosts", b"", "command_injection"),
        ("https://s.example/search?q=rock+and+roll&sort=asc", b"", ""),
        ("https://s.example/search?q=select+a+seat+from+the+plan+where+free", b"", ""),
        ("https://api.example/v1/items", b'{"name":"Widget","note":"1 = 1"}', ""),
    ],
)
def test_request_attack_pattern(url: str, body: bytes, pattern: str) -> None:
    facts = extract_facts(exchange(url, method="POST" if body else "GET", body=body))
    assert facts.request_attack_pattern == pattern


def test_html_rendered_error_code() -> None:
    body = "<html><ul><li>Code: AccessDenied</li><li>Message: Access Denied</li></ul></html>"
    facts = extract_facts(
        exchange(response_headers={"Content-Type": "text/html"}, response_body=body)
    )
    assert facts.error_codes == ("AccessDenied",)
