"""The diagnosis engine with the shipped knowledge base: ranking, fallbacks, rule-outs,
history, the confusables and the negative controls. Exchanges are built directly; the
signatures used are vendor-neutral, so vendor files cannot change what these tests mean."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from diagnosis_helpers import NOW, exchange

from reqscope.core.diagnosis import diagnose, diagnose_full, load_causes, load_knowledge_base
from reqscope.core.diagnosis.examples import example_exchange
from reqscope.core.diagnosis.prefilter import body_pattern
from reqscope.core.model import Exchange

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
FORBIDDEN_HTML = "<html><head><title>403 Forbidden</title></head><body>Forbidden</body></html>"


def causes(ex: Exchange, history: list[Exchange] | None = None) -> list[str]:
    return [f.cause for f in diagnose(ex, history or [], now=NOW)]


def test_findings_are_ranked_one_per_cause_with_known_ids() -> None:
    ex = exchange(
        method="POST",
        headers={"Authorization": "Bearer opaque", "Cookie": "csrftoken=a; sessionid=s"},
        response_headers={"Retry-After": "30", "Content-Type": "application/json"},
        response_body='{"message":"CSRF token missing. Too many requests."}',
    )
    findings = diagnose(ex, now=NOW)
    assert len(findings) >= 2
    scores = [f.score for f in findings]
    assert scores == sorted(scores, reverse=True)
    assert len({f.cause for f in findings}) == len(findings)
    vocabulary = load_causes()
    for finding in findings:
        assert finding.cause in vocabulary
        assert 0 < finding.score <= 1
        assert finding.title and finding.evidence and finding.fixes


def test_no_credentials_falls_back_to_missing_credentials() -> None:
    ex = exchange(headers={"User-Agent": BROWSER}, response_body='{"message":"Forbidden"}')
    findings = diagnose(ex, now=NOW)
    assert findings[0].cause == "missing_credentials"
    assert findings[0].rule_id.startswith("fallback.")


def test_credentials_present_fall_back_to_permission_causes() -> None:
    ex = exchange(
        headers={"Authorization": "Bearer opaque", "User-Agent": BROWSER},
        response_body='{"error":"unknown_error"}',
    )
    ranked = causes(ex)
    assert ranked[0] == "insufficient_permissions"
    assert "insufficient_scope" in ranked
    assert "missing_credentials" not in ranked


def test_default_library_user_agent_and_html_falls_back_to_bot_detection() -> None:
    ex = exchange(
        "https://shop.example.com/products",
        headers={"User-Agent": "python-httpx/0.28.1"},
        response_headers={"Content-Type": "text/html"},
        response_body=FORBIDDEN_HTML,
    )
    assert causes(ex)[0] == "bot_detection"
    with_browser = exchange(
        "https://shop.example.com/products",
        headers={"User-Agent": BROWSER},
        response_headers={"Content-Type": "text/html"},
        response_body=FORBIDDEN_HTML,
    )
    assert "bot_detection" not in causes(with_browser)


def test_a_specific_signature_suppresses_the_fallbacks() -> None:
    ex = exchange(
        "https://app.example.com/form/",
        method="POST",
        response_headers={"Content-Type": "text/html"},
        response_body="<h1>Forbidden (403)</h1><p>CSRF verification failed. Request aborted.</p>",
    )
    findings = diagnose(ex, now=NOW)
    assert findings[0].cause == "csrf"
    assert not any(f.rule_id.startswith("fallback.") for f in findings)


def test_ruled_out_causes_carry_a_reason() -> None:
    ex = exchange(
        "https://api.example.com/v1/admin",
        headers={"Authorization": "Bearer opaque"},
        response_headers={"X-RateLimit-Remaining": "4999", "X-RateLimit-Limit": "5000"},
    )
    diagnosis = diagnose_full(ex, now=NOW)
    reasons = {r.cause: r.reason for r in diagnosis.ruled_out}
    assert "credentials" in reasons["missing_credentials"]
    assert "HTTPS" in reasons["https_required"]
    assert "4999" in reasons["rate_limited"]
    assert "GET" in reasons["csrf"]
    found = {f.cause for f in diagnosis.findings}
    assert not found & set(reasons), "a cause is never both found and ruled out"


def test_a_finding_wins_over_a_rule_out_of_the_same_cause() -> None:
    # https is ruled out for an https URL, unless the server says plainly that it wants TLS.
    ex = exchange(
        "https://site.example.com/app/",
        response_body="HTTP Error 403.4 - Forbidden (SSL required)",
    )
    diagnosis = diagnose_full(ex, now=NOW)
    assert diagnosis.findings[0].cause == "https_required"
    assert "https_required" not in {r.cause for r in diagnosis.ruled_out}


def _past(
    url: str, status: int, seconds_before: float, headers: dict[str, str] | None = None
) -> Exchange:
    return exchange(
        url, headers=headers, status=status, started_at=NOW - timedelta(seconds=seconds_before)
    )


def test_same_request_succeeded_earlier_suggests_expiry_or_a_limit() -> None:
    url = "https://api.example.com/v1/items"
    auth = {"Authorization": "Bearer opaque"}
    history = [_past(url, 200, 3600, auth)]
    ranked = causes(exchange(url, headers=auth, status=401), history)
    assert ranked[0] == "expired_token"
    anonymous = causes(exchange(url, status=403), [_past(url, 200, 5)])
    assert anonymous[0] == "rate_limited"


def test_a_burst_before_the_refusal_means_rate_limiting() -> None:
    url = "https://api.example.com/v1/search"
    history = [_past(url, 200, 30 - i) for i in range(25)]
    assert causes(exchange(url, status=403), history)[0] == "rate_limited"
    calm = [_past(url, 200, 3600 + i) for i in range(25)]
    assert "rate_limited" not in causes(exchange(url + "?page=2", status=403), calm)


def test_401_without_a_token_then_403_with_it_means_permissions() -> None:
    url = "https://api.example.com/admin/users"
    history = [_past(url, 401, 20)]
    ex = exchange(url, headers={"Authorization": "Bearer opaque"}, status=403)
    findings = diagnose(ex, history, now=NOW)
    assert findings[0].cause == "insufficient_permissions"
    assert any("401" in line for line in findings[0].evidence)


def test_credentials_accepted_elsewhere_rule_out_invalid_credentials() -> None:
    auth = {"Authorization": "Bearer opaque"}
    history = [_past("https://api.example.com/me", 200, 10, auth)]
    ex = exchange("https://api.example.com/admin", headers=auth, status=403)
    diagnosis = diagnose_full(ex, history, now=NOW)
    assert "invalid_credentials" in {r.cause for r in diagnosis.ruled_out}
    assert diagnosis.findings[0].cause == "insufficient_permissions"


@pytest.mark.parametrize(
    ("status", "headers", "response_headers", "body", "expected"),
    [
        (401, {}, {"WWW-Authenticate": 'Bearer realm="api"'}, "", "missing_credentials"),
        (
            401,
            {"Authorization": "Bearer opaque"},
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            "",
            "invalid_credentials",
        ),
        (404, {}, {"WWW-Authenticate": 'Bearer realm="registry"'}, "", "missing_credentials"),
        (405, {}, {"Allow": "GET, HEAD"}, "", "wrong_method"),
        (
            406,
            {},
            {"Server": "Apache", "Content-Type": "text/html"},
            "<p>This error was generated by Mod_Security.</p>",
            "waf_blocked",
        ),
        (
            409,
            {"Authorization": "Bearer opaque"},
            {"Content-Type": "application/json"},
            '{"message":"The account has been disabled."}',
            "account_disabled",
        ),
        (
            422,
            {"Authorization": "Bearer opaque"},
            {"Content-Type": "application/json"},
            '{"message":"Validation Failed","errors":[{"code":"missing_field","field":"title"}]}',
            "malformed_request",
        ),
        (429, {}, {"Retry-After": "30"}, "", "rate_limited"),
        (451, {}, {"Link": '<https://authority.example>; rel="blocked-by"'}, "", "legal_block"),
        (
            200,
            {},
            {"Content-Type": "text/html"},
            "<html><title>Request Rejected</title>The requested URL was rejected. "
            "Please consult with your administrator.</html>",
            "waf_blocked",
        ),
        (
            200,
            {"User-Agent": "curl/8.5.0"},
            {"Content-Type": "text/html"},
            "<html><body>Checking your browser before accessing the site.</body></html>",
            "bot_detection",
        ),
    ],
)
def test_confusables_are_recognised(
    status: int,
    headers: dict[str, str],
    response_headers: dict[str, str],
    body: str,
    expected: str,
) -> None:
    method = "DELETE" if status == 405 else "GET"
    ex = exchange(
        method=method,
        headers=headers,
        status=status,
        response_headers=response_headers,
        response_body=body,
    )
    assert causes(ex)[0] == expected


@pytest.mark.parametrize(
    ("status", "response_headers", "body"),
    [
        (200, {"Content-Type": "application/json"}, '{"items":[{"id":1}]}'),
        (204, {}, ""),
        (
            200,
            {"Content-Type": "text/html"},
            "<html><body>Our web application firewall blog</body></html>",
        ),
        (404, {"Content-Type": "application/json"}, '{"message":"Not Found"}'),
        (404, {"Content-Type": "text/html", "Server": "nginx"}, "<title>404 Not Found</title>"),
        (500, {"Content-Type": "text/plain"}, "Internal Server Error"),
    ],
)
def test_negative_controls_get_no_findings(
    status: int, response_headers: dict[str, str], body: str
) -> None:
    for headers in ({}, {"Authorization": "Bearer opaque", "User-Agent": "python-httpx/0.28"}):
        ex = exchange(
            headers=headers, status=status, response_headers=response_headers, response_body=body
        )
        assert causes(ex) == []


def test_transport_error_without_signature_gets_no_finding() -> None:
    assert causes(exchange(status=None)) == []


def test_binary_refusal_body_is_diagnosed_without_body_rules() -> None:
    ex = exchange(
        headers={"Authorization": "Bearer opaque"},
        response_headers={"Content-Type": "application/octet-stream"},
        binary=bytes(range(256)) * 64,
    )
    assert causes(ex)[0] == "insufficient_permissions"


def test_evidence_never_quotes_the_credential() -> None:
    secret = "ghp_0123456789abcdefSECRET"
    ex = exchange(headers={"Authorization": f"Bearer  {secret}"}, status=401)
    diagnosis = diagnose_full(ex, now=NOW)
    text = repr(diagnosis.findings) + repr(diagnosis.ruled_out)
    assert diagnosis.findings[0].cause == "malformed_auth_header"
    assert secret not in text.replace(f"Bearer {secret}", "")  # only the repair action holds it


def test_diagnosis_is_deterministic() -> None:
    ex = exchange(headers={"User-Agent": "python-requests/2.31"}, response_body=FORBIDDEN_HTML)
    assert diagnose_full(ex, now=NOW) == diagnose_full(ex, now=NOW)


def test_prefilter_never_changes_what_a_body_regex_finds() -> None:
    """Every body regex of the shipped rules, over every example body: the literal prefilter
    must give exactly the regex's own answer."""
    kb = load_knowledge_base()
    patterns = []
    bodies = ["", "Rate Limit exceeded", "ACCESS DENIED by Mod_Security", "ſecurity"]
    for rule in kb.rules:
        for condition in [rule.when, *rule.any, *rule.unless]:
            if condition is not None:
                patterns.extend(condition.body + condition.body_any)
        for example in [*rule.examples, *rule.counterexamples]:
            exchange_, _ = example_exchange(example)
            if exchange_.response is not None:
                bodies.append(exchange_.response.text)
    assert len(patterns) > 100
    for text in bodies:
        folded = text.casefold()
        for pattern in patterns:
            assert bool(pattern.search(text, folded)) == bool(pattern.regex.search(text)), (
                pattern.regex.pattern,
                text[:80],
            )


@pytest.mark.parametrize(
    ("regex", "literals"),
    [
        (r"rate[ _-]?limit(ed)?", ("limit",)),
        (r"\b(re|h)?captcha\b", ("captcha",)),
        (r"(?-i:AccessDenied)", ("accessdenied",)),
        (r"(a|b).*", ()),
        (r"(csrf|xsrf) token", (" token",)),
    ],
)
def test_prefilter_literals(regex: str, literals: tuple[str, ...]) -> None:
    assert body_pattern(re.compile(regex, re.IGNORECASE)).literals == literals
