"""Applies the knowledge base to an exchange's facts and ranks the findings.

Small and generic on purpose: what a refusal looks like is data (kb/*.toml); this module only
matches rules, scores causes (docs/knowledge-base.md section 4), fills evidence templates and
lists the causes ruled out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reqscope.core.diagnosis.conditions import Match
from reqscope.core.diagnosis.facts import Facts, extract_facts
from reqscope.core.diagnosis.kb import KnowledgeBase, Rule, load_knowledge_base
from reqscope.core.diagnosis.prefilter import BodyScan, PlainScan, Searcher
from reqscope.core.diagnosis.templates import render
from reqscope.core.model import Diagnosis, Exchange, Finding, Fix, FixAction, RuledOut

FURTHER_RULE_SHARE = 0.25  # how much a second matching rule of a cause adds


@dataclass(frozen=True, slots=True)
class RuleMatch:
    rule: Rule
    match: Match
    order: int


def match_rule(rule: Rule, facts: Facts, body: Searcher | None = None) -> Match | None:
    """How `rule` matches these facts, or None. `body` answers body regexes; pass one scan
    for every rule of an exchange so the body is prepared once."""
    if rule.gate is not None and not rule.gate.holds(facts.status):
        return None
    # Every table's cheap conditions before any body regex: most rules stop here.
    if rule.when is not None and not rule.when.holds_cheaply(facts):
        return None
    alternatives = [c for c in rule.any if c.holds_cheaply(facts)]
    if rule.any and not alternatives:
        return None
    searcher = body if body is not None else BodyScan(facts.body_text)
    lines: list[str] = []
    body_match = error_code = ""
    if rule.when is not None:
        found = rule.when.match(facts, searcher, cheap_checked=True)
        if found is None:
            return None
        lines.extend(found.lines)
        body_match, error_code = found.body_match, found.error_code
    if rule.any:
        matches = (c.match(facts, searcher, cheap_checked=True) for c in alternatives)
        alternative = next((m for m in matches if m), None)
        if alternative is None:
            return None
        lines.extend(alternative.lines)
        body_match = body_match or alternative.body_match
        error_code = error_code or alternative.error_code
    if any(c.match(facts, searcher) is not None for c in rule.unless):
        return None
    if rule.gate is not None and facts.status is not None:
        lines.insert(0, f"status {facts.status} {facts.reason}".rstrip())
    return Match(tuple(dict.fromkeys(lines)), body_match, error_code)


def matching_rules(facts: Facts, kb: KnowledgeBase, *, plain: bool = False) -> list[RuleMatch]:
    """Every rule that matches, in knowledge-base order. The fast path looks only at the rules
    whose status can hold and shares one body scan; `plain` evaluates every rule with plain
    regex searches: the reference the fast path must always agree with."""
    searcher: Searcher
    if plain:
        positions: Sequence[int] = range(len(kb.rules))
        searcher = PlainScan(facts.body_text)
    else:
        positions = kb.candidates(facts.status)
        searcher = BodyScan(facts.body_text, kb.literal_table())
    matches = []
    for order in positions:
        rule = kb.rules[order]
        found = match_rule(rule, facts, searcher)
        if found is not None:
            matches.append(RuleMatch(rule, found, order))
    return matches


def diagnose_facts(facts: Facts, kb: KnowledgeBase, *, plain: bool = False) -> Diagnosis:
    matched: list[RuleMatch] = []
    fallbacks: list[RuleMatch] = []
    rule_outs: list[RuleMatch] = []
    for found in matching_rules(facts, kb, plain=plain):
        rule = found.rule
        target = rule_outs if rule.effect == "rule_out" else fallbacks if rule.fallback else matched
        target.append(found)
    ruled_out_causes = {m.rule.cause for m in rule_outs}
    if not matched:
        matched = [m for m in fallbacks if m.rule.cause not in ruled_out_causes]
    findings = _rank(matched, facts)
    found_causes = {f.cause for f in findings}
    ruled_out: dict[str, RuledOut] = {}
    for m in rule_outs:
        if m.rule.cause not in found_causes and m.rule.cause not in ruled_out:
            ruled_out[m.rule.cause] = RuledOut(m.rule.cause, render(m.rule.reason, facts, m.match))
    return Diagnosis(tuple(findings), tuple(ruled_out.values()))


def _rank(matched: list[RuleMatch], facts: Facts) -> list[Finding]:
    by_cause: dict[str, list[RuleMatch]] = {}
    for m in sorted(matched, key=lambda m: (-m.rule.weight, m.order)):
        by_cause.setdefault(m.rule.cause, []).append(m)
    ranked: list[tuple[float, int, Finding]] = []
    for cause, matches in by_cause.items():
        best = matches[0]
        score = best.rule.weight
        for extra in matches[1:]:
            score += (1 - score) * extra.rule.weight * FURTHER_RULE_SHARE
        evidence: list[str] = []
        for m in matches:
            evidence.extend(_evidence(m, facts))
        finding = Finding(
            cause=cause,
            title=render(best.rule.title, facts, best.match),
            score=round(min(score, 1.0), 3),
            evidence=_distinct(evidence),
            fixes=_fixes(best, facts),
            rule_id=best.rule.id,
            references=best.rule.references,
        )
        ranked.append((finding.score, best.order, finding))
    ranked.sort(key=lambda item: (-item[0], item[1]))
    return [finding for _, _, finding in ranked]


def _distinct(lines: list[str]) -> tuple[str, ...]:
    """Evidence without repeats: several rules of one cause often quote the same fact, one
    with more words ("User-Agent sent: X (library)" and "User-Agent sent: X"). A line held
    in another is dropped; the longer line takes the place of the first one it covers."""
    kept: list[str] = []
    for line in dict.fromkeys(lines):
        if any(_within(line, other) for other in kept):
            continue
        covered = [index for index, other in enumerate(kept) if _within(other, line)]
        if covered:
            kept[covered[0]] = line
            kept = [other for index, other in enumerate(kept) if index not in covered[1:]]
        else:
            kept.append(line)
    return tuple(kept)


def _within(short: str, long: str) -> bool:
    """`short` is in `long` as whole words: "b" is not in "(lib)", "X" is in "X (library)"."""
    if not short:
        return True  # an empty line says nothing
    start = long.find(short)
    while start >= 0:
        end = start + len(short)
        if (start == 0 or not long[start - 1].isalnum() or not short[0].isalnum()) and (
            end == len(long) or not long[end].isalnum() or not short[-1].isalnum()
        ):
            return True
        start = long.find(short, start + 1)
    return False


def _evidence(m: RuleMatch, facts: Facts) -> list[str]:
    if m.rule.evidence:
        return [render(line, facts, m.match) for line in m.rule.evidence]
    return list(m.match.lines)


def _fixes(m: RuleMatch, facts: Facts) -> tuple[Fix, ...]:
    fixes = []
    for fix in m.rule.fixes:
        action = None
        if fix.action_kind:
            action = FixAction(
                kind=fix.action_kind,
                name=fix.action_name,
                value=render(fix.action_value, facts, m.match, raw=True),
            )
        fixes.append(Fix(render(fix.text, facts, m.match), action))
    return tuple(fixes)


def diagnose_full(
    exchange: Exchange,
    history: Sequence[Exchange] = (),
    *,
    kb: KnowledgeBase | None = None,
    now: datetime | None = None,
) -> Diagnosis:
    """Findings (best first) and the causes ruled out, for one exchange of a session.

    `history` is the session's earlier exchanges, oldest first. `kb` defaults to the built-in
    rules plus the user's config directory; `now` stands in for the local clock when the
    exchange has no send time.
    """
    knowledge = kb if kb is not None else load_knowledge_base()
    return diagnose_facts(extract_facts(exchange, history, now), knowledge)


def diagnose(
    exchange: Exchange,
    history: Sequence[Exchange] = (),
    *,
    kb: KnowledgeBase | None = None,
    now: datetime | None = None,
) -> list[Finding]:
    """The likely causes of a refusal, best first; empty for a normal response."""
    return list(diagnose_full(exchange, history, kb=kb, now=now).findings)
