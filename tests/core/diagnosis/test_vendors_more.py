"""The seven platform vendors added to kb/vendors (Vercel, Netlify, Heroku, Shopify, Stripe,
Slack, Atlassian): each one's examples are diagnosed with its cause first through the real
engine, their counterexamples are not claimed, Slack's refusals-with-200 are recognised while
its successes are not, and Atlassian's XSRF fix action really gets a request through."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from diagnosis_helpers import exchange

from reqscope.core.diagnosis import apply_fix_action, diagnose
from reqscope.core.diagnosis.examples import example_exchange
from reqscope.core.diagnosis.kb import KnowledgeBase, Rule, builtin_rule_files, load_rule_files
from reqscope.core.engine import Engine
from reqscope.core.model import Finding, Header, Request

NEW_VENDOR_FILES = ("vercel", "netlify", "heroku", "shopify", "stripe", "slack", "atlassian")
MIN_VENDORS = 36
# Built-in rules only, compiled once (the autouse fixture clears the process-wide cache).
BUILTIN: KnowledgeBase = load_rule_files(builtin_rule_files(), [])


def _rules_of(stem: str) -> list[Rule]:
    return [
        r
        for r in BUILTIN.rules
        if Path(r.source).parent.name == "vendors" and Path(r.source).stem == stem
    ]


def _new_rules() -> list[Rule]:
    return [rule for stem in NEW_VENDOR_FILES for rule in _rules_of(stem)]


def _examples() -> list[object]:
    return [
        pytest.param(rule, index, id=f"{rule.id}[{index}]")
        for rule in _new_rules()
        for index in range(len(rule.examples))
    ]


def _counterexamples() -> list[object]:
    return [
        pytest.param(rule, index, id=f"{rule.id}[counter {index}]")
        for rule in _new_rules()
        for index in range(len(rule.counterexamples))
    ]


def test_every_new_vendor_file_has_rules_and_the_vendor_count_grew() -> None:
    for stem in NEW_VENDOR_FILES:
        rules = _rules_of(stem)
        assert rules, f"kb/vendors/{stem}.toml has no rules"
        assert all(rule.id.startswith(f"{stem}.") for rule in rules), stem
        assert all(rule.references and rule.fixes for rule in rules), stem
    vendor_paths = {str(p) for p in builtin_rule_files() if p.parent.name == "vendors"}
    vendors = {rule.vendor for rule in BUILTIN.rules if rule.source in vendor_paths}
    assert len(vendors) >= MIN_VENDORS, sorted(vendors)


@pytest.mark.parametrize(("rule", "index"), _examples())
def test_new_vendor_example_ranks_its_cause_first(rule: Rule, index: int) -> None:
    exchange_, history = example_exchange(rule.examples[index])
    findings = diagnose(exchange_, history, kb=BUILTIN)
    assert findings, f"{rule.id} example {index}: no finding"
    top = findings[0]
    assert (top.cause, top.rule_id) == (rule.cause, rule.id), [
        (f.cause, round(f.score, 3), f.rule_id) for f in findings[:3]
    ]
    assert top.evidence and "(none)" not in top.evidence[0], top.evidence


@pytest.mark.parametrize(("rule", "index"), _counterexamples())
def test_new_vendor_counterexample_is_not_claimed(rule: Rule, index: int) -> None:
    exchange_, history = example_exchange(rule.counterexamples[index])
    findings = diagnose(exchange_, history, kb=BUILTIN)
    assert rule.id not in {f.rule_id for f in findings}


def test_slack_refusal_with_http_200_is_recognised_but_success_is_not() -> None:
    def slack_answers(body: str) -> list[Finding]:
        return diagnose(
            exchange(
                "https://slack.com/api/chat.postMessage",
                method="POST",
                headers={"Authorization": "Bearer xoxb-EXAMPLE"},
                status=200,
                response_headers={"Content-Type": "application/json; charset=utf-8"},
                response_body=body,
            ),
            kb=BUILTIN,
        )

    refused = slack_answers('{"ok":false,"error":"missing_scope","needed":"chat:write"}')
    assert refused[0].rule_id == "slack.missing-scope"
    assert any("chat:write" in line for line in refused[0].evidence)
    assert slack_answers('{"ok":true,"channel":"C0123456789"}') == []


@pytest.mark.parametrize(
    ("url", "status", "headers", "body"),
    [
        # Slack-shaped errors from another host are not Slack's.
        ("https://api.example.com/rpc", 200, {}, '{"ok":false,"error":"invalid_auth"}'),
        # Heroku ids only count on api.heroku.com.
        ("https://api.example.com/apps", 403, {}, '{"id":"forbidden","message":"no"}'),
        # A Vercel-hosted 200 and a plain Vercel 404 are not refusals by the platform.
        ("https://a.vercel.app/", 200, {"x-vercel-id": "iad1::x-1-2"}, "<html>ok</html>"),
        ("https://a.vercel.app/x", 404, {"x-vercel-id": "iad1::x-1-2"}, "404: NOT_FOUND"),
        # A Netlify 404 is not the Basic-Auth gate.
        ("https://a.netlify.app/x", 404, {"x-nf-request-id": "01KJD9FATBP38BK9EPSN617QKP"}, ""),
        # A Shopify storefront 401 is not the Admin API.
        ("https://shop.myshopify.com/account", 401, {}, ""),
    ],
)
def test_near_misses_get_no_finding_from_the_new_vendors(
    url: str, status: int, headers: dict[str, str], body: str
) -> None:
    new_ids = {rule.id for rule in _new_rules()}
    findings = diagnose(
        exchange(url, status=status, response_headers=headers, response_body=body), kb=BUILTIN
    )
    assert [f.rule_id for f in findings if f.rule_id in new_ids] == []


class _XsrfHandler(BaseHTTPRequestHandler):
    """Answers like Jira's REST layer: a form-encoded write without X-Atlassian-Token: no-check
    is refused with 403 "XSRF check failed"."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.headers.get("X-Atlassian-Token", "").lower() == "no-check":
            status, body = 201, b'{"id":"10000","key":"PROJ-1"}'
            content_type = "application/json"
        else:
            status, body = 403, b"XSRF check failed"
            content_type = "text/plain;charset=UTF-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def jira_like() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _XsrfHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_atlassian_xsrf_is_diagnosed_over_http_and_its_fix_action_works(jira_like: str) -> None:
    request = Request(
        method="POST",
        url=f"{jira_like}/rest/api/2/issue",
        headers=(
            Header("Authorization", "Bearer EXAMPLE"),
            Header("Content-Type", "application/x-www-form-urlencoded"),
        ),
        body="summary=x",
    )
    with Engine() as engine:
        refused = engine.send(request)
        findings = diagnose(refused, kb=BUILTIN)
        assert refused.response is not None and refused.response.status == 403
        assert (findings[0].cause, findings[0].rule_id) == ("csrf", "atlassian.xsrf-check-failed")
        action = findings[0].fixes[0].action
        assert action is not None
        retried = engine.send(apply_fix_action(request, action))
    assert retried.response is not None and retried.response.status == 201
