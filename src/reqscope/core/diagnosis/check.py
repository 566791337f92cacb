"""`rules check`: validate rule files and run every rule's examples and counterexamples."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from reqscope.core.diagnosis.engine import diagnose_facts, match_rule
from reqscope.core.diagnosis.examples import example_exchange
from reqscope.core.diagnosis.facts import extract_facts
from reqscope.core.diagnosis.kb import (
    KnowledgeBase,
    Rule,
    builtin_rule_files,
    load_rule_files,
    parse_rule_file,
    user_rule_files,
)
from reqscope.core.errors import RulesError


@dataclass(slots=True)
class CheckReport:
    files: list[str] = field(default_factory=list)
    rules: int = 0
    examples: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def example_failures(rule: Rule, kb: KnowledgeBase) -> list[str]:
    """What goes wrong when the rule's examples run against the knowledge base."""
    failures: list[str] = []
    where = f"{rule.source}: rule {rule.id}"
    for i, example in enumerate(rule.examples):
        exchange, history = example_exchange(example)
        facts = extract_facts(exchange, history)
        label = f"{where}: examples[{i}]" + (f" ({example['name']})" if "name" in example else "")
        if match_rule(rule, facts) is None:
            failures.append(f"{label}: the example does not trigger the rule")
            continue
        if example.get("expect") == "top" and rule.effect == "finding":
            findings = diagnose_facts(facts, kb).findings
            top = findings[0] if findings else None
            if top is None or top.cause != rule.cause:
                got = f"{top.cause} (rule {top.rule_id})" if top else "no finding"
                failures.append(f"{label}: expected {rule.cause} ranked first, got {got}")
    for i, example in enumerate(rule.counterexamples):
        exchange, history = example_exchange(example)
        if match_rule(rule, extract_facts(exchange, history)) is not None:
            failures.append(f"{where}: counterexamples[{i}]: the counterexample triggers the rule")
    return failures


def check_rules(extra_dirs: Iterable[str | Path] = ()) -> CheckReport:
    """Check the built-in files, the config directory and `extra_dirs`; never raises for
    problems in the files (they are listed in the report)."""
    report = CheckReport()
    builtin = builtin_rule_files()
    user = user_rule_files(extra_dirs)
    for path in [*builtin, *user]:
        report.files.append(str(path))
        _, problems = parse_rule_file(path)
        report.problems.extend(problems)
    if report.problems:
        return report
    try:
        kb = load_rule_files(builtin, user)
    except RulesError as exc:  # across files: a duplicate id
        report.problems.append(str(exc))
        return report
    report.rules = len(kb.rules)
    for rule in kb.rules:
        report.examples += len(rule.examples) + len(rule.counterexamples)
        report.problems.extend(example_failures(rule, kb))
    return report
