"""The knowledge base as data: the shipped rules pass `rules check` (every example triggers its
rule), every cause is covered, broken rule files give one clear message naming the file, the
rule and the field, and user rules load from --rules and the config directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from diagnosis_helpers import NOW, exchange

from reqscope.core.diagnosis import (
    check_rules,
    diagnose,
    load_causes,
    load_knowledge_base,
)
from reqscope.core.diagnosis.kb import builtin_rule_files
from reqscope.core.errors import RulesError

VALID_RULE = """
[[rule]]
id = "{id}"
cause = "waf_blocked"
title = "Our gateway's firewall said no"
weight = 0.99
[rule.when]
status = [403]
header = {{ "x-acme-firewall" = "^blocked$" }}
[[rule.fixes]]
text = "Ask the platform team to allowlist the request."
[[rule.examples]]
request = {{ url = "https://internal.example/api" }}
response = {{ status = 403, headers = {{ "X-Acme-Firewall" = "blocked" }} }}
expect = "top"
"""


def write_rules(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, "utf-8")
    return path


def test_shipped_rules_pass_rules_check() -> None:
    report = check_rules()
    assert report.problems == []
    assert report.rules >= 100
    assert report.examples >= report.rules
    assert any("/generic/" in f for f in report.files)


def test_every_cause_has_a_generic_finding_rule() -> None:
    kb = load_knowledge_base()
    generic = {r.cause for r in kb.finding_rules() if "/generic/" in r.source}
    generic |= {r.cause for r in kb.rules if r.fallback}
    assert set(load_causes()) - generic == set()


def test_builtin_generic_files_load_before_vendor_files() -> None:
    files = [p.parent.name for p in builtin_rule_files()]
    assert files.index("generic") == 0
    assert files == sorted(files, key=lambda name: name != "generic")


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("[[rule]\nid = 'x'", ["invalid TOML"]),
        (VALID_RULE.format(id="acme.fw").replace("weight", "wieght"), ["acme.fw", "wieght"]),
        (VALID_RULE.format(id="acme.fw").replace('"waf_blocked"', '"waf"'), ["cause", "'waf'"]),
        (VALID_RULE.format(id="acme.fw").replace("^blocked$", "(blocked"), ["regular expression"]),
        (
            VALID_RULE.format(id="acme.fw").replace(
                "status = [403]", "status = [403]\nfacts = { no_such_fact = true }"
            ),
            ["when.facts.no_such_fact", "unknown fact"],
        ),
        (
            VALID_RULE.format(id="acme.fw").replace(
                "status = [403]", 'status = [403]\nfacts = { credentials_present = "yes" }'
            ),
            ["credentials_present", "does not fit a bool fact"],
        ),
        (
            VALID_RULE.format(id="acme.fw").replace("said no", "said {nope}"),
            ["title", "unknown placeholder {nope}"],
        ),
        (
            VALID_RULE.format(id="acme.fw").replace(
                'text = "Ask', 'action = { kind = "teleport" }\ntext = "Ask'
            ),
            ["fixes[0].action.kind", "teleport"],
        ),
        (VALID_RULE.format(id="acme.fw").split("[[rule.examples]]")[0], ["examples", "required"]),
        (VALID_RULE.format(id="Bad Id"), ["invalid id"]),
        ("vendor = 'acme'\n", ["no [[rule]] tables"]),
    ],
)
def test_broken_rule_files_name_file_rule_and_field(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    path = write_rules(tmp_path / "rules", "acme.toml", text)
    with pytest.raises(RulesError) as caught:
        load_knowledge_base([tmp_path / "rules"])
    message = str(caught.value)
    assert message.startswith(str(path) + ":")
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message
    report = check_rules([tmp_path / "rules"])
    assert not report.ok and all(p.startswith(str(path)) for p in report.problems)


def test_rules_check_runs_examples_and_counterexamples(tmp_path: Path) -> None:
    broken = VALID_RULE.format(id="acme.fw").replace('"X-Acme-Firewall" = "blocked"', "")
    broken += """[[rule.counterexamples]]
request = { url = "https://internal.example/api" }
response = { status = 403, headers = { "X-Acme-Firewall" = "blocked" } }
"""
    broken = broken.replace("headers = {  }", 'headers = { Other = "x" }')
    write_rules(tmp_path / "rules", "acme.toml", broken)
    report = check_rules([tmp_path / "rules"])
    assert any("examples[0]: the example does not trigger the rule" in p for p in report.problems)
    assert any("counterexamples[0]: the counterexample triggers" in p for p in report.problems)


def test_expect_top_fails_when_another_cause_wins(tmp_path: Path) -> None:
    weak = VALID_RULE.format(id="acme.weak").replace("0.99", "0.1")
    weak = weak.replace(
        'headers = { "X-Acme-Firewall" = "blocked" } }',
        'headers = { "X-Acme-Firewall" = "blocked", "Retry-After" = "10" } }',
    )
    weak = weak.replace(
        'header = { "x-acme-firewall"', 'status = [429]\nheader = { "x-acme-firewall"'
    )
    weak = weak.replace("[rule.when]\nstatus = [403]\n", "[rule.when]\n")
    weak = weak.replace("status = 403, headers", "status = 429, headers")
    write_rules(tmp_path / "rules", "acme.toml", weak)
    report = check_rules([tmp_path / "rules"])
    assert any("expected waf_blocked ranked first, got rate_limited" in p for p in report.problems)


def test_missing_rules_dir_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="not a directory of rule files"):
        load_knowledge_base([tmp_path / "nope"])


def test_rules_from_a_rules_dir_are_used(tmp_path: Path) -> None:
    write_rules(tmp_path / "rules", "acme.toml", VALID_RULE.format(id="acme.fw"))
    kb = load_knowledge_base([tmp_path / "rules"])
    ex = exchange(response_headers={"X-Acme-Firewall": "blocked"})
    findings = diagnose(ex, kb=kb, now=NOW)
    assert (findings[0].cause, findings[0].rule_id) == ("waf_blocked", "acme.fw")
    assert check_rules([tmp_path / "rules"]).ok
    assert diagnose(ex, kb=load_knowledge_base(), now=NOW)[0].rule_id != "acme.fw"


def test_rules_from_the_config_dir_are_used(isolated_rules_config: Path) -> None:
    write_rules(
        isolated_rules_config / "reqscope" / "rules", "acme.toml", VALID_RULE.format(id="acme.fw")
    )
    kb = load_knowledge_base()
    assert kb.rule("acme.fw") is not None
    assert any(str(isolated_rules_config) in f for f in check_rules().files)


def test_a_user_rule_replaces_the_builtin_rule_with_its_id(tmp_path: Path) -> None:
    replacement = VALID_RULE.format(id="generic.legal-block.451")
    write_rules(tmp_path / "rules", "override.toml", replacement)
    kb = load_knowledge_base([tmp_path / "rules"])
    rules = [r for r in kb.rules if r.id == "generic.legal-block.451"]
    assert len(rules) == 1 and rules[0].cause == "waf_blocked"


def test_duplicate_ids_across_user_files_are_an_error(tmp_path: Path) -> None:
    write_rules(tmp_path / "rules", "a.toml", VALID_RULE.format(id="acme.fw"))
    write_rules(tmp_path / "rules", "b.toml", VALID_RULE.format(id="acme.fw"))
    with pytest.raises(RulesError, match=r"acme\.fw: id: also defined in"):
        load_knowledge_base([tmp_path / "rules"])


def test_non_utf8_rule_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "rules" / "binary.toml"
    path.parent.mkdir()
    path.write_bytes(b"\xff\xfe\x00rule")
    with pytest.raises(RulesError, match=r"binary\.toml: not UTF-8 text"):
        load_knowledge_base([tmp_path / "rules"])
