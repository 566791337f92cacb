"""Condition tables of rule files, compiled once at load time and matched against Facts.

Matching checks the cheap conditions (status, headers, facts) before any body regex, and
builds evidence lines only for a table that holds, so most rules are rejected without
touching the body or formatting a line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from functools import partial
from re import Pattern
from typing import Any

from reqscope.core.diagnosis.facts import FACT_TYPES, Facts
from reqscope.core.diagnosis.prefilter import BodyPattern, BodyScan, Searcher, body_pattern

CONDITION_KEYS = frozenset(
    {
        "status", "header", "header_absent", "request_header", "request_header_absent",
        "body", "body_any", "title", "error_code", "url", "facts",
    }
)  # fmt: skip
_STATUS_CLASS_RE = re.compile(r"^[1-5]xx$")
SECRET_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
_MAX_QUOTE = 160

Report = Callable[[str, str], None]  # (field, what is wrong)


@dataclass(frozen=True, slots=True)
class StatusSet:
    codes: frozenset[int] = frozenset()
    classes: frozenset[int] = frozenset()  # 4 for "4xx"
    error: bool = False  # no response

    def holds(self, status: int | None) -> bool:
        if status is None:
            return self.error
        return status in self.codes or status // 100 in self.classes


DEFAULT_STATUS = StatusSet(classes=frozenset({4}))


@dataclass(frozen=True, slots=True)
class FactTest:
    name: str
    op: str  # eq | in | contains | contains_any | range | abs_min | matches | present
    value: Any

    def holds(self, facts: Facts) -> bool:
        actual = facts.value(self.name)
        op, expected = self.op, self.value
        if op == "present":
            return bool(_present(actual) == expected)
        if op == "eq":
            if isinstance(actual, str) and isinstance(expected, str):
                return actual.lower() == expected.lower()
            return bool(actual == expected)
        if op == "in":
            return isinstance(actual, str) and actual.lower() in expected
        if op == "contains":
            return any(item.lower() == expected for item in actual)
        if op == "contains_any":
            return any(item.lower() in expected for item in actual)
        if op == "matches":
            items = actual if isinstance(actual, tuple) else (actual,)
            return any(isinstance(i, str) and expected.search(i) for i in items)
        if actual is None:
            return False
        if op == "range":
            low, high = expected
            return (low is None or actual >= low) and (high is None or actual <= high)
        return bool(abs(actual) >= expected)  # abs_min


def _present(value: object) -> bool:
    return value is not None and value not in ("", ())


@dataclass(frozen=True, slots=True)
class Match:
    """What a condition table matched: quotable evidence lines and the details templates use."""

    lines: tuple[str, ...]
    body_match: str = ""
    error_code: str = ""


@dataclass(frozen=True, slots=True)
class Condition:
    status: StatusSet | None = None
    headers: tuple[tuple[str, Pattern[str]], ...] = ()
    headers_absent: tuple[str, ...] = ()
    request_headers: tuple[tuple[str, Pattern[str]], ...] = ()
    request_headers_absent: tuple[str, ...] = ()
    body: tuple[BodyPattern, ...] = ()
    body_any: tuple[BodyPattern, ...] = ()
    title: Pattern[str] | None = None
    error_codes: frozenset[str] = frozenset()
    url: Pattern[str] | None = None
    facts: tuple[FactTest, ...] = ()

    # The cheap conditions (all but the body regexes) of this table, as one check each.
    _checks: tuple[Callable[[Facts], bool], ...] = field(init=False, repr=False, compare=False)
    # Every literal of the `body_any` patterns when each has some: one of them must be in the
    # body for any of the patterns to match, so one test can skip them all.
    _any_literals: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_checks", tuple(_cheap_checks(self)))
        gate = all(p.literals for p in self.body_any)
        literals = {lit for p in self.body_any for lit in p.literals} if gate else set()
        object.__setattr__(self, "_any_literals", tuple(sorted(literals)))

    def __reduce__(self) -> tuple[type[Condition], tuple[Any, ...]]:
        """Pickled as its fields (the knowledge-base cache): the derived checks are closures,
        rebuilt by `__post_init__` when loaded."""
        return (Condition, tuple(getattr(self, f.name) for f in fields(self) if f.init))

    def holds_cheaply(self, facts: Facts) -> bool:
        """Whether every condition but the body regexes holds: what lets a rule be dropped
        before its body patterns are looked at."""
        for check in self._checks:  # noqa: SIM110 - a plain loop: this runs for every rule
            if not check(facts):
                return False
        return True

    def match(
        self, facts: Facts, body: Searcher | None = None, *, cheap_checked: bool = False
    ) -> Match | None:
        """The evidence when every condition holds, else None. `body` answers the body
        regexes (a fresh `BodyScan` of `facts.body_text` by default); `cheap_checked` says
        the caller already knows `holds_cheaply`."""
        if not cheap_checked and not self.holds_cheaply(facts):
            return None
        searcher = body if body is not None else BodyScan(facts.body_text)
        body_match = ""
        body_lines: list[str] = []
        for wanted in self.body:
            found = searcher.search(wanted)
            if found is None:
                return None
            body_match = body_match or found.group()
            body_lines.append(f'body contains "{_quote(found.group())}"')
        if self.body_any:
            if self._any_literals and not searcher.may_contain(self._any_literals):
                return None
            found = next((m for m in map(searcher.search, self.body_any) if m), None)
            if found is None:
                return None
            body_match = body_match or found.group()
            body_lines.append(f'body contains "{_quote(found.group())}"')
        return self._evidence(facts, body_lines, body_match)

    def _evidence(self, facts: Facts, body_lines: list[str], body_match: str) -> Match:
        """The quotable lines of a condition known to hold, in the order of the table."""
        lines: list[str] = []
        if self.status is not None:
            lines.append(_status_line(facts))
        for name, pattern in self.headers:
            value = _header_hit(facts.response_headers, name, pattern)
            lines.append(f"response header {name}: {_quote(value or '')}")
        for name, pattern in self.request_headers:
            value = _header_hit(facts.request_headers, name, pattern)
            lines.append(f"request header {name}: {mask_header(name, value or '')}")
        lines.extend(f"no {name} header in the request" for name in self.request_headers_absent)
        code = ""
        if self.error_codes:
            code = _error_code(facts, self.error_codes)
            lines.append(f"error code {code}")
        lines.extend(describe_fact(t.name, facts.value(t.name)) for t in self.facts)
        if self.url is not None:
            lines.append(f"URL {facts.url}")
        if self.title is not None:
            lines.append(f'page title "{_quote(facts.title)}"')
        lines.extend(body_lines)
        return Match(tuple(lines), body_match, code)

    @property
    def has_status(self) -> bool:
        return self.status is not None


def _cheap_checks(c: Condition) -> Iterator[Callable[[Facts], bool]]:
    """One predicate per cheap condition of `c`, in the order matching reports them."""
    if c.status is not None:
        status = c.status
        yield lambda facts: status.holds(facts.status)
    for name, pattern in c.headers:
        yield partial(_has_header, "response_headers", name, pattern)
    if c.headers_absent:
        absent = c.headers_absent
        yield lambda facts: all(n not in facts.response_headers for n in absent)
    for name, pattern in c.request_headers:
        yield partial(_has_header, "request_headers", name, pattern)
    if c.request_headers_absent:
        req_absent = c.request_headers_absent
        yield lambda facts: all(n not in facts.request_headers for n in req_absent)
    if c.error_codes:
        codes = c.error_codes
        yield lambda facts: bool(_error_code(facts, codes))
    yield from (test.holds for test in c.facts)
    if c.url is not None:
        url = c.url
        yield lambda facts: bool(url.search(facts.url))
    if c.title is not None:
        title = c.title
        yield lambda facts: bool(title.search(facts.title))


def _has_header(which: str, name: str, pattern: Pattern[str], facts: Facts) -> bool:
    return _header_hit(getattr(facts, which), name, pattern) is not None


def _error_code(facts: Facts, wanted: frozenset[str]) -> str:
    return next((c for c in facts.error_codes if c in wanted), "")


def _header_hit(headers: Mapping[str, list[str]], name: str, pattern: Pattern[str]) -> str | None:
    for value in headers.get(name, ()):
        if pattern.search(value):
            return value
    return None


def _status_line(facts: Facts) -> str:
    if facts.status is None:
        return f"no response: {facts.error_message or facts.error_kind}"
    return f"status {facts.status} {facts.reason}".rstrip()


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_QUOTE else text[: _MAX_QUOTE - 1] + "…"


def mask_header(name: str, value: str) -> str:
    """Credentials are never quoted: keep the scheme, hide the rest."""
    from reqscope.core.diagnosis.request_facts import API_KEY_HEADERS

    lname = name.lower()
    if lname not in SECRET_HEADERS and lname not in API_KEY_HEADERS:
        return _quote(value)
    scheme, _, rest = value.partition(" ")
    if lname == "cookie":
        names = [p.split("=", 1)[0].strip() for p in value.split(";") if "=" in p]
        return "cookies " + ", ".join(names) + " ‹values redacted›"
    if rest and lname in ("authorization", "proxy-authorization"):
        return f"{scheme} ‹redacted, {len(rest)} chars›"
    return f"‹redacted, {len(value)} chars›"


def describe_fact(name: str, value: object) -> str:
    label = name.replace("_", " ")
    return f"{label}: {format_fact(name, value)}"


def format_fact(name: str, value: object) -> str:
    if value is None or value in ("", ()):
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    if name.endswith("_s") and isinstance(value, int | float):
        return format_seconds(float(value), relative=name in ("jwt_exp_in_s", "retry_after_s"))
    return str(value)


def format_seconds(seconds: float, *, relative: bool = False) -> str:
    magnitude = abs(seconds)
    if magnitude < 0.5:
        return "0 s"
    if magnitude < 120:
        text = f"{magnitude:.0f} s"
    elif magnitude < 7200:
        text = f"{magnitude // 60:.0f} min"
    elif magnitude < 172800:
        text = f"{magnitude // 3600:.0f} h {magnitude % 3600 // 60:.0f} min"
    else:
        text = f"{magnitude // 86400:.0f} days"
    if not relative:
        return text if seconds >= 0 else f"-{text}"
    return f"{text} ago" if seconds < 0 else f"in {text}"


# --- compiling ----------------------------------------------------------------------------


def at(report: Report, field: str) -> Callable[[str], None]:
    """A one-argument reporter for problems of one field."""

    def fail(what: str) -> None:
        report(field, what)

    return fail


def compile_regex(pattern: object, field: str, report: Report) -> Pattern[str] | None:
    if not isinstance(pattern, str):
        report(field, f"expected a regular expression string, got {type(pattern).__name__}")
        return None
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        report(field, f"invalid regular expression {pattern!r}: {exc}")
        return None


def compile_status(value: object, field: str, report: Report) -> StatusSet | None:
    if not isinstance(value, list) or not value:
        report(field, 'expected a non-empty array such as [403] or ["4xx"]')
        return None
    codes: set[int] = set()
    classes: set[int] = set()
    error = False
    for item in value:
        if isinstance(item, int) and not isinstance(item, bool) and 100 <= item <= 599:
            codes.add(item)
        elif isinstance(item, str) and _STATUS_CLASS_RE.match(item.lower()):
            classes.add(int(item[0]))
        elif item == "error":
            error = True
        else:
            report(field, f'invalid status {item!r} (an int 100-599, "4xx" or "error")')
            return None
    return StatusSet(frozenset(codes), frozenset(classes), error)


def compile_condition(table: object, field: str, report: Report) -> Condition | None:
    if not isinstance(table, dict):
        report(field, "expected a table of conditions")
        return None
    unknown = sorted(set(table) - CONDITION_KEYS)
    for key in unknown:
        report(f"{field}.{key}", f"unknown condition (known: {', '.join(sorted(CONDITION_KEYS))})")
    if not table:
        report(field, "empty condition table")
    parts: dict[str, Any] = {}
    if "status" in table:
        parts["status"] = compile_status(table["status"], f"{field}.status", report)
    for key, attr in (("header", "headers"), ("request_header", "request_headers")):
        if key in table:
            parts[attr] = _compile_header_table(table[key], f"{field}.{key}", report)
    for key, attr in (
        ("header_absent", "headers_absent"),
        ("request_header_absent", "request_headers_absent"),
    ):
        if key in table:
            parts[attr] = tuple(n.lower() for n in _strings(table[key], f"{field}.{key}", report))
    for key in ("body", "body_any"):
        if key in table:
            names = _strings(table[key], f"{field}.{key}", report)
            compiled = [compile_regex(p, f"{field}.{key}", report) for p in names]
            parts[key] = tuple(body_pattern(p) for p in compiled if p is not None)
    for key in ("title", "url"):
        if key in table:
            parts[key] = compile_regex(table[key], f"{field}.{key}", report)
    if "error_code" in table:
        codes = _strings(table["error_code"], f"{field}.error_code", report)
        parts["error_codes"] = frozenset(codes)
    if "facts" in table:
        parts["facts"] = _compile_fact_tests(table["facts"], f"{field}.facts", report)
    return Condition(**parts)


def _strings(value: object, field: str, report: Report) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        report(field, "expected a non-empty array of strings")
        return []
    return list(value)


def _compile_header_table(
    value: object, field: str, report: Report
) -> tuple[tuple[str, Pattern[str]], ...]:
    if not isinstance(value, dict) or not value:
        report(field, 'expected a table such as { server = "cloudflare" }')
        return ()
    compiled = []
    for name, pattern in value.items():
        regex = compile_regex(pattern, f"{field}.{name}", report)
        if regex is not None:
            compiled.append((name.lower(), regex))
    return tuple(compiled)


def _compile_fact_tests(value: object, field: str, report: Report) -> tuple[FactTest, ...]:
    if not isinstance(value, dict) or not value:
        report(field, "expected a table such as { credentials_present = false }")
        return ()
    tests = []
    for name, spec in value.items():
        kind = FACT_TYPES.get(name)
        if kind is None:
            report(f"{field}.{name}", "unknown fact (see docs/knowledge-base.md section 3)")
            continue
        test = compile_fact_test(name, kind, spec, at(report, f"{field}.{name}"))
        if test is not None:
            tests.append(test)
    return tuple(tests)


def compile_fact_test(
    name: str, kind: str, spec: object, fail: Callable[[str], None]
) -> FactTest | None:
    numeric = kind in ("int", "seconds")
    if isinstance(spec, dict):
        if set(spec) == {"present"} and isinstance(spec["present"], bool):
            return FactTest(name, "present", spec["present"])
        if set(spec) == {"matches"} and kind in ("str", "list"):
            regex = compile_regex(spec["matches"], "matches", lambda _f, what: fail(what))
            return FactTest(name, "matches", regex) if regex is not None else None
        if (
            numeric
            and spec
            and set(spec) <= {"min", "max"}
            and all(_is_number(v) for v in spec.values())
        ):
            return FactTest(name, "range", (spec.get("min"), spec.get("max")))
        if numeric and set(spec) == {"abs_min"} and _is_number(spec["abs_min"]):
            return FactTest(name, "abs_min", spec["abs_min"])
        fail(f"test {spec!r} does not fit a {kind} fact")
        return None
    if kind == "bool" and isinstance(spec, bool):
        return FactTest(name, "eq", spec)
    if numeric and _is_number(spec):
        return FactTest(name, "eq", spec)
    if kind == "str" and isinstance(spec, str):
        return FactTest(name, "eq", spec)
    strings = isinstance(spec, list) and spec and all(isinstance(v, str) for v in spec)
    if kind == "str" and strings:
        assert isinstance(spec, list)
        return FactTest(name, "in", frozenset(v.lower() for v in spec))
    if kind == "list" and isinstance(spec, str):
        return FactTest(name, "contains", spec.lower())
    if kind == "list" and strings:
        assert isinstance(spec, list)
        return FactTest(name, "contains_any", frozenset(v.lower() for v in spec))
    fail(f"test {spec!r} does not fit a {kind} fact")
    return None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
