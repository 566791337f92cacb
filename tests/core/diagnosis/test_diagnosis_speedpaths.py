"""The diagnosis' fast paths (status index, cheap conditions first, one shared body scan with a
word index, literal prefilter, regexes started near their literal) never change an answer:
every rule on every KB example, every lab refusal and synthetic bodies built to hit each
shortcut is evaluated both ways and must agree exactly, evidence and order included."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from diagnosis_helpers import NOW, exchange

from reqscope.core.diagnosis import extract_facts
from reqscope.core.diagnosis.conditions import (
    Condition,
    Match,
    _quote,
    _status_line,
    describe_fact,
    mask_header,
)
from reqscope.core.diagnosis.engine import diagnose_facts, match_rule
from reqscope.core.diagnosis.examples import example_exchange
from reqscope.core.diagnosis.facts import Facts
from reqscope.core.diagnosis.kb import (
    KnowledgeBase,
    Rule,
    builtin_rule_files,
    load_rule_files,
    status_filter,
)
from reqscope.core.diagnosis.prefilter import (
    IGNORECASE_ASCII_EXTRAS,
    WORD_INDEX_MIN_CHARS,
    BodyPattern,
    BodyScan,
    body_pattern,
    fold,
    literal_words,
)
from reqscope.core.engine import Engine
from reqscope.core.model import Exchange, Response, SentRequest
from reqscope.lab.scenario_run import run_scenario
from reqscope.lab.scenarios import scenario_routes
from reqscope.lab.server import running_lab

BUILTIN: KnowledgeBase = load_rule_files(builtin_rule_files(), [])


# --- the reference: the engine as it was before any fast path, over plain regex searches ----


def reference_condition(c: Condition, facts: Facts) -> Match | None:
    lines: list[str] = []
    if c.status is not None:
        if not c.status.holds(facts.status):
            return None
        lines.append(_status_line(facts))
    for name, pattern in c.headers:
        value = next((v for v in facts.response_headers.get(name, ()) if pattern.search(v)), None)
        if value is None:
            return None
        lines.append(f"response header {name}: {_quote(value)}")
    if any(name in facts.response_headers for name in c.headers_absent):
        return None
    for name, pattern in c.request_headers:
        value = next((v for v in facts.request_headers.get(name, ()) if pattern.search(v)), None)
        if value is None:
            return None
        lines.append(f"request header {name}: {mask_header(name, value)}")
    for name in c.request_headers_absent:
        if name in facts.request_headers:
            return None
        lines.append(f"no {name} header in the request")
    code = ""
    if c.error_codes:
        code = next((x for x in facts.error_codes if x in c.error_codes), "")
        if not code:
            return None
        lines.append(f"error code {code}")
    for test in c.facts:
        if not test.holds(facts):
            return None
        lines.append(describe_fact(test.name, facts.value(test.name)))
    if c.url is not None:
        if not c.url.search(facts.url):
            return None
        lines.append(f"URL {facts.url}")
    if c.title is not None:
        if not c.title.search(facts.title):
            return None
        lines.append(f'page title "{_quote(facts.title)}"')
    body_match = ""
    for wanted in c.body:
        found = wanted.regex.search(facts.body_text)
        if found is None:
            return None
        body_match = body_match or found.group()
        lines.append(f'body contains "{_quote(found.group())}"')
    if c.body_any:
        text = facts.body_text
        found = next((m for m in (p.regex.search(text) for p in c.body_any) if m), None)
        if found is None:
            return None
        body_match = body_match or found.group()
        lines.append(f'body contains "{_quote(found.group())}"')
    return Match(tuple(lines), body_match, code)


def reference_rule(rule: Rule, facts: Facts) -> Match | None:
    if rule.gate is not None and not rule.gate.holds(facts.status):
        return None
    lines: list[str] = []
    body_match = error_code = ""
    if rule.when is not None:
        found = reference_condition(rule.when, facts)
        if found is None:
            return None
        lines.extend(found.lines)
        body_match, error_code = found.body_match, found.error_code
    if rule.any:
        alternatives = (reference_condition(c, facts) for c in rule.any)
        alternative = next((m for m in alternatives if m), None)
        if alternative is None:
            return None
        lines.extend(alternative.lines)
        body_match = body_match or alternative.body_match
        error_code = error_code or alternative.error_code
    if any(reference_condition(c, facts) is not None for c in rule.unless):
        return None
    if rule.gate is not None and facts.status is not None:
        lines.insert(0, f"status {facts.status} {facts.reason}".rstrip())
    return Match(tuple(dict.fromkeys(lines)), body_match, error_code)


def assert_same_as_reference(facts: Facts, label: str) -> int:
    """Every rule, then the whole diagnosis; returns how many rules matched."""
    scan = BodyScan(facts.body_text, BUILTIN.literal_table())
    candidates = set(BUILTIN.candidates(facts.status))
    matched = 0
    for order, rule in enumerate(BUILTIN.rules):
        expected = reference_rule(rule, facts)
        got = match_rule(rule, facts, scan) if order in candidates else None
        assert got == expected, f"{label}: rule {rule.id}"
        matched += expected is not None
    assert diagnose_facts(facts, BUILTIN) == diagnose_facts(facts, BUILTIN, plain=True), label
    return matched


def all_patterns() -> list[BodyPattern]:
    found: dict[int, BodyPattern] = {}
    for rule in BUILTIN.rules:
        for table in (rule.when, *rule.any, *rule.unless):
            if table is not None:
                found.update((id(p), p) for p in (*table.body, *table.body_any))
    return list(found.values())


def example_bodies() -> list[str]:
    bodies: list[str] = []
    for rule in BUILTIN.rules:
        for example in (*rule.examples, *rule.counterexamples):
            body = example.get("response", {}).get("body", "")
            if body and body not in bodies:
                bodies.append(body)
    return bodies


# --- equivalence -------------------------------------------------------------------------


def test_every_kb_example_is_diagnosed_exactly_as_the_reference_does() -> None:
    matched = 0
    examples = 0
    for rule in BUILTIN.rules:
        for i, example in enumerate((*rule.examples, *rule.counterexamples)):
            ex, history = example_exchange(example)
            matched += assert_same_as_reference(extract_facts(ex, history), f"{rule.id}[{i}]")
            examples += 1
    assert examples > 250 and matched > examples  # the comparison saw real matches


@pytest.fixture(scope="module")
def lab_refusals() -> Iterator[list[tuple[str, Exchange, tuple[Exchange, ...]]]]:
    with running_lab() as server, Engine() as engine:
        played = []
        for route in scenario_routes():
            assert route.scenario is not None
            run = run_scenario(engine, server.url, route.scenario, sleep=lambda _s: None)
            played.append((route.pattern, run.refused, run.setup))
        yield played


def test_every_lab_refusal_is_diagnosed_exactly_as_the_reference_does(
    lab_refusals: list[tuple[str, Exchange, tuple[Exchange, ...]]],
) -> None:
    assert len(lab_refusals) >= 40
    matched = sum(
        assert_same_as_reference(extract_facts(refused, setup), pattern)
        for pattern, refused, setup in lab_refusals
        if refused.response is not None
    )
    assert matched > len(lab_refusals)


def _big_bodies() -> list[str]:
    """Bodies past the word-index threshold and past the scanned window, with the example
    signatures in them, in upper case, with the non-ASCII letters `re` folds onto ASCII,
    and with literals repeated until the near-literal search gives up for a plain one."""
    bodies = example_bodies()
    chunks = ["".join(bodies[i : i + 12]) for i in range(0, len(bodies), 12)]
    filler = "<p>Lorem ipsum dolor sit amet, error 10 message denied</p>\n" * 75
    exotic = str.maketrans({"i": "\u0130", "s": "\u017f", "k": "\u212a", "I": "\u0131"})
    out = []
    for n, chunk in enumerate(chunks):
        out.append(filler + chunk + filler)
        if n % 3 == 0:
            out.append((chunk + filler).upper())
        if n % 3 == 1:
            out.append(chunk.translate(exotic) + filler)
    out.append('{"message": "x"}' * 3000 + '{"message": "Forbidden"}')
    out.append("error " * 9000 + "error code 1020")
    out.append(filler * 30 + "".join(bodies[:6]))  # signatures only in the tail window
    return out


@pytest.fixture(scope="module")
def big_bodies() -> list[str]:
    return _big_bodies()


def test_body_scan_answers_every_pattern_exactly_like_re_search(big_bodies: list[str]) -> None:
    patterns = all_patterns()
    assert len(patterns) > 400
    hits = 0
    for text in big_bodies:
        window = extract_facts(exchange(response_body=text)).body_text
        assert len(window) > WORD_INDEX_MIN_CHARS
        scan = BodyScan(window, BUILTIN.literal_table())
        for pattern in patterns:
            expected = pattern.regex.search(window)
            got = scan.search(pattern)
            assert _span(got) == _span(expected), (pattern.regex.pattern, window[:60])
            hits += expected is not None
    assert hits > 100


def _span(found: re.Match[str] | None) -> tuple[int, int, str] | None:
    return None if found is None else (*found.span(), found.group())


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (403, {"Content-Type": "text/html", "Server": "cloudflare"}),
        (200, {"Content-Type": "text/html"}),
        (401, {"Content-Type": "application/json", "WWW-Authenticate": "Bearer"}),
        (429, {"Content-Type": "text/plain", "Retry-After": "30"}),
        (404, {"Content-Type": "application/xml", "Server": "AmazonS3"}),
    ],
)
def test_big_synthetic_exchanges_are_diagnosed_exactly_as_the_reference_does(
    status: int, headers: dict[str, str], big_bodies: list[str]
) -> None:
    for n, body in enumerate(big_bodies[::4]):
        ex = exchange(status=status, response_headers=headers, response_body=body)
        assert_same_as_reference(extract_facts(ex, now=NOW), f"{status} body {n}")


def test_a_transport_error_and_a_binary_body_are_diagnosed_as_the_reference_does() -> None:
    failed = Exchange(request=SentRequest("GET", "https://api.example.com/"), started_at=NOW)
    binary = exchange(binary=b"\x00\x01forbidden" * 100)
    for ex in (failed, binary):
        assert_same_as_reference(extract_facts(ex), repr(ex.status))


# --- the pieces ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regex", "literals", "reach"),
    [
        (r"\berror(\s+code)?:?\s*1020\b", ("error",), 0),
        (r"rate[ _-]?limit(ed)?", ("limit",), 5),
        (r"\bcors\b.{0,60}(denied|rejected)", ("denied", "rejected"), 64),
        (r'"message"\s*:\s*"Forbidden"', ('"message"',), 0),
        (r"(?:ab|cd)+xyz", ("xyz",), None),  # what precedes xyz is unbounded
        (r"x.*(?:forbidden|denied)", ("denied", "forbidden"), None),
        (r"(a|b).*", (), None),
    ],
)
def test_literals_and_reach(regex: str, literals: tuple[str, ...], reach: int | None) -> None:
    pattern = body_pattern(re.compile(regex, re.IGNORECASE))
    assert (pattern.literals, pattern.reach) == (literals, reach)


def test_identical_regexes_share_one_pattern_so_rules_share_its_answer() -> None:
    a = body_pattern(re.compile(r"access\s+denied", re.IGNORECASE))
    b = body_pattern(re.compile(r"access\s+denied", re.IGNORECASE))
    assert a is b


@pytest.mark.parametrize(
    ("literal", "key", "others", "probes"),
    [
        ("access denied", "", (), ("access\n", "\ndenied")),
        ("<message>access denied</message>", "message", ("access", "denied"), ()),
        ("forbidden", "", (), ("forbidden",)),
        ('"forbidden"', "forbidden", (), ()),
        ("a (13) b", "13", (), ("a\n", "\nb")),
        ("</", "", (), ()),
    ],
)
def test_literal_words(
    literal: str, key: str, others: tuple[str, ...], probes: tuple[str, ...]
) -> None:
    words = literal_words(literal)
    assert (words.key, words.others, tuple(p for _, p in words.partial)) == (key, others, probes)


def test_fold_keeps_length_and_maps_what_re_ignorecase_matches_to_ascii() -> None:
    """Re-derive the table from this Python's `re`: every non-ASCII character that a
    case-insensitive ASCII literal matches."""
    everything = "".join(chr(c) for c in range(128, 0x110000) if not 0xD800 <= c < 0xE000)
    derived: dict[str, str] = {}
    for code in range(128):
        for found in re.finditer(re.escape(chr(code)), everything, re.IGNORECASE):
            derived[found.group()] = chr(code).lower()
    assert derived == IGNORECASE_ASCII_EXTRAS
    text = "Acc\u0130ss \u0130\u0131\u017f\u212a ÄÖ Straße ΣΑΣ"
    assert len(fold(text)) == len(text)
    assert fold(text).startswith("acciss iisk äö straße σας")


def test_fold_catches_what_casefold_missed() -> None:
    """A dotted capital I lower-cases to two characters with casefold, which would hide the
    literal "in" from a prefilter; the regex matches it, so must the scan."""
    pattern = body_pattern(re.compile(r"\blogin required\b", re.IGNORECASE))
    text = "LOG\u0130N REQUIRED" + " padding" * 1000
    assert pattern.regex.search(text) is not None
    assert BodyScan(text, BUILTIN.literal_table()).search(pattern) is not None
    assert BodyScan(text).search(pattern) is not None


def test_status_index_keeps_every_rule_that_can_match() -> None:
    for status in (None, 200, 301, 400, 401, 403, 404, 407, 429, 451, 500, 503):
        kept = set(BUILTIN.candidates(status))
        for order, rule in enumerate(BUILTIN.rules):
            limit = status_filter(rule)
            assert (order in kept) == (limit is None or limit.holds(status)), rule.id
    assert len(BUILTIN.candidates(200)) < len(BUILTIN.rules) // 4


def test_a_big_body_is_scanned_only_in_its_window() -> None:
    head = b"<html><title>Access Denied</title>" + b"x" * (4 * 1024 * 1024)
    raw = head + b"<p>Reference #18.4f2e1002.1617793342.2a3f8d</p>"
    binary_text = Response(status=403, body=raw, size=len(raw), charset="utf-8")
    facts = extract_facts(
        Exchange(request=SentRequest("GET", "https://x.example/"), response=binary_text)
    )
    assert len(facts.body_text) < 64 * 1024
    assert "Reference #18" in facts.body_text and "Access Denied" in facts.body_text


def test_a_rule_shared_body_regex_runs_once_per_exchange() -> None:
    pattern = body_pattern(re.compile(r"quota\s+exceeded", re.IGNORECASE))
    scan = BodyScan("Daily quota exceeded. " * 500, BUILTIN.literal_table())
    first = scan.search(pattern)
    assert first is not None and scan.search(pattern) is first


MIXED_STATUS_RULE = """
[[rule]]
id = "acme.mixed"
cause = "waf_blocked"
title = "Acme's filter refused the request"
weight = 0.9
[[rule.any]]
status = [403]
body_any = ['acme filter']
[[rule.any]]
header = { "x-acme-filter" = "^blocked$" }
[[rule.fixes]]
text = "Ask the platform team."
[[rule.examples]]
request = { url = "https://internal.example/api" }
response = { status = 200, headers = { "X-Acme-Filter" = "blocked" } }
"""


def test_a_rule_with_an_alternative_without_status_is_indexed_under_every_status(
    tmp_path: Path,
) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(MIXED_STATUS_RULE, "utf-8")
    kb = load_rule_files([path], [])
    assert 0 in kb.candidates(200) and 0 in kb.candidates(None)
    ex = exchange(status=200, response_headers={"X-Acme-Filter": "blocked"})
    facts = extract_facts(ex)
    assert [f.rule_id for f in diagnose_facts(facts, kb).findings] == ["acme.mixed"]
    assert diagnose_facts(facts, kb) == diagnose_facts(facts, kb, plain=True)
