"""Vendor signatures (kb/vendors/*.toml): every file is valid, at least 25 vendors are covered,
and every example of a vendor rule is diagnosed with that rule's cause ranked first."""

from __future__ import annotations

from pathlib import Path

import pytest
from diagnosis_helpers import exchange

from reqscope.core.diagnosis import diagnose
from reqscope.core.diagnosis.check import check_rules
from reqscope.core.diagnosis.examples import example_exchange
from reqscope.core.diagnosis.kb import KnowledgeBase, Rule, builtin_rule_files, load_rule_files
from reqscope.core.engine import Engine
from reqscope.core.model import Header, Request
from reqscope.lab.server import LabServer

MIN_VENDORS = 25
# Built-in rules only (never the developer's config directory), compiled once for the module:
# the autouse fixture clears the process-wide cache before every test.
BUILTIN: KnowledgeBase = load_rule_files(builtin_rule_files(), [])


def _vendor_files() -> list[Path]:
    return [p for p in builtin_rule_files() if p.parent.name == "vendors"]


def _vendor_rules() -> list[Rule]:
    vendor_paths = {str(p) for p in _vendor_files()}
    return [r for r in BUILTIN.rules if r.source in vendor_paths]


def _vendor_examples() -> list[object]:
    return [
        pytest.param(rule, index, id=f"{rule.id}[{index}]")
        for rule in _vendor_rules()
        if rule.effect == "finding"
        for index in range(len(rule.examples))
    ]


def test_rules_check_passes_on_the_whole_knowledge_base() -> None:
    report = check_rules()
    assert report.problems == []
    assert any(Path(f).parent.name == "vendors" for f in report.files)


def test_at_least_25_distinct_vendors_have_signatures() -> None:
    vendors = {rule.vendor for rule in _vendor_rules()}
    assert "generic" not in vendors
    assert len(vendors) >= MIN_VENDORS, sorted(vendors)


def test_every_vendor_file_declares_its_vendor_and_prefixes_rule_ids() -> None:
    for rule in _vendor_rules():
        stem = Path(rule.source).stem
        assert rule.id.startswith(f"{stem}."), (rule.id, rule.source)
        assert rule.vendor != "generic", rule.id


def test_every_vendor_finding_cites_documentation_and_has_fixes() -> None:
    for rule in _vendor_rules():
        if rule.effect != "finding":
            continue
        assert rule.references, f"{rule.id} has no references"
        assert rule.fixes, f"{rule.id} has no fixes"
        assert not rule.fallback, f"{rule.id}: vendor signatures are never fallbacks"


@pytest.mark.parametrize(("rule", "index"), _vendor_examples())
def test_vendor_example_ranks_the_rule_cause_first(rule: Rule, index: int) -> None:
    rule_id = rule.id
    exchange_, history = example_exchange(rule.examples[index])
    findings = diagnose(exchange_, history, kb=BUILTIN)
    assert findings, f"{rule_id} example {index}: no finding"
    assert findings[0].cause == rule.cause, (
        f"{rule_id} example {index}: expected {rule.cause}, got "
        f"{[(f.cause, f.score, f.rule_id) for f in findings[:3]]}"
    )
    assert findings[0].evidence, "a finding always quotes its evidence"


@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        (200, {"Server": "cloudflare", "CF-RAY": "8a1b2c3d4e5f6789-FRA"}, "<html>ok</html>"),
        (200, {"Server": "AmazonS3", "x-amz-request-id": "ABC"}, "file contents"),
        (404, {"Server": "nginx/1.24.0"}, "<html><title>404 Not Found</title></html>"),
        (500, {"Server": "Microsoft-IIS/10.0"}, "HTTP Error 500.0 - Internal Server Error"),
        (404, {"Content-Type": "application/json"}, '{"detail":"Not found."}'),
    ],
)
def test_negative_controls_get_no_vendor_findings(
    status: int, headers: dict[str, str], body: str
) -> None:
    vendor_ids = {rule.id for rule in _vendor_rules()}
    findings = diagnose(
        exchange(status=status, response_headers=headers, response_body=body), kb=BUILTIN
    )
    assert [f.rule_id for f in findings if f.rule_id in vendor_ids] == []


def test_a_vendor_signature_over_http_from_the_lab(lab: LabServer) -> None:
    """Akamai's edge page for a library User-Agent, sent for real and diagnosed end to end."""
    request = Request(
        method="GET",
        url=f"{lab.url}/403/akamai/products",
        headers=(Header("User-Agent", "python-requests/2.31.0"),),
    )
    with Engine() as engine:
        sent = engine.send(request)
    findings = diagnose(sent, kb=BUILTIN)
    assert findings[0].cause == "bot_detection"
    assert findings[0].rule_id == "akamai.access-denied-bot"
    assert any("Reference" in line for line in findings[0].evidence)
