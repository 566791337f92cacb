"""The knowledge base: rule files (TOML) loaded, validated and compiled once.

The format is specified in docs/knowledge-base.md. Every problem names the file, the rule id
and the field, so `reqscope rules check` can point at the exact line to fix.
"""

from __future__ import annotations

import os
import re
import threading
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from reqscope.core.diagnosis.causes import load_causes
from reqscope.core.diagnosis.conditions import (
    DEFAULT_STATUS,
    Condition,
    StatusSet,
    at,
    compile_condition,
)
from reqscope.core.diagnosis.prefilter import LiteralTable
from reqscope.core.diagnosis.templates import check_template
from reqscope.core.errors import RulesError

FILE_KEYS = frozenset({"vendor", "rule"})
RULE_KEYS = frozenset(
    {
        "id", "cause", "effect", "title", "reason", "weight", "fallback", "vendor", "when",
        "any", "unless", "evidence", "fixes", "references", "examples", "counterexamples",
    }
)  # fmt: skip
EFFECTS = ("finding", "rule_out")
# kind -> (needs name, needs value)
ACTION_KINDS: dict[str, tuple[bool, bool]] = {
    "set_header": (True, True),
    "remove_header": (True, False),
    "set_user_agent": (False, False),
    "set_method": (False, True),
    "use_https": (False, False),
    "set_query_param": (True, True),
    "remove_query_param": (True, False),
    "preflight": (False, False),
    "fetch_csrf": (False, False),
    "wait": (False, False),
}
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


@dataclass(frozen=True, slots=True)
class FixTemplate:
    text: str
    action_kind: str = ""
    action_name: str = ""
    action_value: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    cause: str
    source: str  # the file it came from
    effect: str = "finding"
    title: str = ""
    reason: str = ""
    weight: float = 0.0
    fallback: bool = False
    vendor: str = "generic"
    gate: StatusSet | None = DEFAULT_STATUS  # None: a condition table names the status
    when: Condition | None = None
    any: tuple[Condition, ...] = ()
    unless: tuple[Condition, ...] = ()
    evidence: tuple[str, ...] = ()
    fixes: tuple[FixTemplate, ...] = ()
    references: tuple[str, ...] = ()
    examples: tuple[dict[str, Any], ...] = field(default=(), repr=False)
    counterexamples: tuple[dict[str, Any], ...] = field(default=(), repr=False)


def status_filter(rule: Rule) -> StatusSet | None:
    """The statuses for which `rule` can match at all (None: it does not depend on one)."""
    if rule.gate is not None:
        return rule.gate
    if rule.when is not None and rule.when.status is not None:
        return rule.when.status
    statuses = [c.status for c in rule.any]
    if not statuses or any(s is None for s in statuses):
        return None
    return StatusSet(
        frozenset().union(*(s.codes for s in statuses if s is not None)),
        frozenset().union(*(s.classes for s in statuses if s is not None)),
        any(s.error for s in statuses if s is not None),
    )


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    rules: tuple[Rule, ...]
    files: tuple[str, ...] = ()
    # Indexes built on first use: status -> positions of the rules that can match it, and
    # the literal table of every body pattern (a one-item list once built).
    _by_status: dict[int | None, tuple[int, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _tables: list[LiteralTable] = field(default_factory=list, init=False, repr=False, compare=False)

    def literal_table(self) -> LiteralTable:
        """The literals of every body pattern, for one pass per exchange (built on first use)."""
        if not self._tables:
            patterns = [
                pattern
                for rule in self.rules
                for table in (rule.when, *rule.any, *rule.unless)
                if table is not None
                for pattern in (*table.body, *table.body_any)
            ]
            self._tables.append(LiteralTable(patterns))
        return self._tables[0]

    def candidates(self, status: int | None) -> tuple[int, ...]:
        """Positions (in `rules`) of the rules whose status conditions can hold for `status`,
        in order; the others cannot match, so the engine never looks at them."""
        known = self._by_status.get(status)
        if known is None:
            filters = [status_filter(rule) for rule in self.rules]
            known = tuple(i for i, f in enumerate(filters) if f is None or f.holds(status))
            self._by_status[status] = known
        return known

    def finding_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.effect == "finding" and not r.fallback)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


class _Problems:
    """Collects problems of one file as `FILE: rule ID: FIELD: what is wrong` lines."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lines: list[str] = []

    def add(self, rule_id: str, field_name: str, what: str) -> None:
        where = f"rule {rule_id}: " if rule_id else ""
        at = f"{field_name}: " if field_name else ""
        self.lines.append(f"{self.path}: {where}{at}{what}")


def builtin_rule_files() -> list[Path]:
    root = Path(str(resources.files("reqscope.core.diagnosis").joinpath("kb")))
    return sorted(root.rglob("*.toml"), key=lambda p: (p.parent.name != "generic", str(p)))


def config_rules_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "reqscope" / "rules"


def user_rule_files(extra_dirs: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    dirs = [config_rules_dir(), *(Path(d) for d in extra_dirs)]
    for index, directory in enumerate(dirs):
        if not directory.is_dir():
            if index > 0:  # an explicit --rules DIR must exist; the config dir is optional
                raise RulesError(f"{directory}: not a directory of rule files")
            continue
        files.extend(sorted(directory.rglob("*.toml")))
    return files


def parse_rule_file(path: Path) -> tuple[list[Rule], list[str]]:
    """The rules of one file and the problems found (empty when the file is valid)."""
    problems = _Problems(str(path))
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        problems.add("", "", "not UTF-8 text")
        return [], problems.lines
    except tomllib.TOMLDecodeError as exc:
        problems.add("", "", f"invalid TOML: {exc}")
        return [], problems.lines
    except OSError as exc:
        problems.add("", "", f"cannot read: {exc.strerror}")
        return [], problems.lines
    for key in sorted(set(data) - FILE_KEYS):
        problems.add("", key, "unknown top-level key (expected `vendor` and [[rule]] tables)")
    vendor = data.get("vendor", "generic")
    if not isinstance(vendor, str):
        problems.add("", "vendor", "expected a string")
        vendor = "generic"
    entries = data.get("rule", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        problems.add("", "rule", "expected [[rule]] tables")
        return [], problems.lines
    if not entries:
        problems.add("", "rule", "the file has no [[rule]] tables")
    rules = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        rule = _parse_rule(entry, index, vendor, problems)
        if rule is None:
            continue
        if rule.id in seen:
            problems.add(rule.id, "id", "duplicate id in this file")
        seen.add(rule.id)
        rules.append(rule)
    return rules, problems.lines


def _parse_rule(entry: dict[str, Any], index: int, vendor: str, problems: _Problems) -> Rule | None:
    raw_id = entry.get("id")
    rule_id = raw_id if isinstance(raw_id, str) and raw_id else f"#{index + 1}"
    before = len(problems.lines)

    def fail(field_name: str, what: str) -> None:
        problems.add(rule_id, field_name, what)

    if not isinstance(raw_id, str) or not _ID_RE.match(raw_id):
        fail("id", "missing or invalid id (lower case letters, digits, '.', '_', '-')")
    for key in sorted(set(entry) - RULE_KEYS):
        fail(key, f"unknown key (known: {', '.join(sorted(RULE_KEYS))})")
    cause = entry.get("cause")
    if not isinstance(cause, str) or cause not in load_causes():
        fail("cause", f"{cause!r} is not a cause id from causes.toml")
    effect = entry.get("effect", "finding")
    if effect not in EFFECTS:
        fail("effect", f"{effect!r} is not one of {', '.join(EFFECTS)}")
    is_finding = effect == "finding"
    _check_required(entry, is_finding, fail)
    weight = entry.get("weight", 0.0)
    if is_finding and (
        not isinstance(weight, int | float) or isinstance(weight, bool) or not 0 < weight <= 1
    ):
        fail("weight", f"expected a number in (0, 1], got {weight!r}")
    if not isinstance(entry.get("fallback", False), bool):
        fail("fallback", "expected true or false")
    when = compile_condition(entry["when"], "when", fail) if "when" in entry else None
    any_of = _condition_list(entry, "any", fail)
    unless = _condition_list(entry, "unless", fail)
    if "when" not in entry and not any_of:
        fail("when", "a rule needs `when` or `any` conditions")
    tables = ([when] if when else []) + list(any_of)
    gate = None if any(c.has_status for c in tables) else DEFAULT_STATUS
    for key in ("title", "reason"):
        if key in entry:
            check_template(entry[key], at(fail, key))
    evidence = _string_list(entry, "evidence", fail)
    for i, line in enumerate(evidence):
        check_template(line, at(fail, f"evidence[{i}]"))
    references = _string_list(entry, "references", fail)
    for ref in references:
        if not ref.startswith(("http://", "https://")):
            fail("references", f"{ref!r} is not an http(s) URL")
    fixes = _fixes(entry.get("fixes", []), fail)
    if is_finding and entry.get("fixes") == []:
        fail("fixes", "at least one fix is required")
    examples = _examples(entry, "examples", fail)
    counterexamples = _examples(entry, "counterexamples", fail)
    if not examples:
        fail("examples", "at least one [[rule.examples]] is required")
    if len(problems.lines) > before:
        return None
    return Rule(
        id=rule_id,
        cause=str(cause),
        source=problems.path,
        effect=effect,
        title=entry.get("title", ""),
        reason=entry.get("reason", ""),
        weight=float(weight),
        fallback=bool(entry.get("fallback", False)),
        vendor=str(entry.get("vendor", vendor)),
        gate=gate,
        when=when,
        any=any_of,
        unless=unless,
        evidence=tuple(evidence),
        fixes=fixes,
        references=tuple(references),
        examples=examples,
        counterexamples=counterexamples,
    )


def _check_required(entry: dict[str, Any], is_finding: bool, fail: Any) -> None:
    needed = ("title", "weight", "fixes") if is_finding else ("reason",)
    for key in needed:
        if key not in entry:
            fail(key, "required")
    if not is_finding:
        for key in ("title", "weight", "fixes", "fallback"):
            if key in entry:
                fail(key, "not allowed on a rule_out rule")


def _condition_list(entry: dict[str, Any], key: str, fail: Any) -> tuple[Condition, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list):
        fail(key, f"expected an array of condition tables ([[rule.{key}]])")
        return ()
    compiled = [compile_condition(t, f"{key}[{i}]", fail) for i, t in enumerate(value)]
    return tuple(c for c in compiled if c is not None)


def _string_list(entry: dict[str, Any], key: str, fail: Any) -> list[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail(key, "expected an array of strings")
        return []
    return list(value)


def _fixes(value: object, fail: Any) -> tuple[FixTemplate, ...]:
    if not isinstance(value, list):
        fail("fixes", "expected [[rule.fixes]] tables")
        return ()
    fixes = []
    for i, item in enumerate(value):
        where = f"fixes[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            fail(where, "expected a table with a `text` string")
            continue
        for key in sorted(set(item) - {"text", "action"}):
            fail(f"{where}.{key}", "unknown key (expected text, action)")
        check_template(item["text"], at(fail, f"{where}.text"))
        action = item.get("action")
        if action is None:
            fixes.append(FixTemplate(item["text"]))
            continue
        fix = _action(action, item["text"], f"{where}.action", fail)
        if fix is not None:
            fixes.append(fix)
    return tuple(fixes)


def _action(action: object, text: str, where: str, fail: Any) -> FixTemplate | None:
    if not isinstance(action, dict):
        fail(where, "expected a table { kind, name, value }")
        return None
    for key in sorted(set(action) - {"kind", "name", "value"}):
        fail(f"{where}.{key}", "unknown key (expected kind, name, value)")
    kind = action.get("kind")
    if kind not in ACTION_KINDS:
        fail(f"{where}.kind", f"{kind!r} is not one of {', '.join(ACTION_KINDS)}")
        return None
    needs_name, needs_value = ACTION_KINDS[kind]
    name, value = action.get("name", ""), action.get("value", "")
    if not isinstance(name, str) or not isinstance(value, str):
        fail(where, "name and value must be strings")
        return None
    if needs_name and not name:
        fail(f"{where}.name", f"a {kind} action needs a name")
    if needs_value and not value:
        fail(f"{where}.value", f"a {kind} action needs a value")
    check_template(value, at(fail, f"{where}.value"))
    return FixTemplate(text, kind, name, value)


def _examples(entry: dict[str, Any], key: str, fail: Any) -> tuple[dict[str, Any], ...]:
    from reqscope.core.diagnosis.examples import example_problems

    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        fail(key, f"expected [[rule.{key}]] tables")
        return ()
    for i, example in enumerate(value):
        for what in example_problems(example, counter=key == "counterexamples"):
            fail(f"{key}[{i}]", what)
    return tuple(value)


def load_rule_files(builtin: Sequence[Path], user: Sequence[Path]) -> KnowledgeBase:
    """Compile the files; a user rule replaces the built-in rule with the same id."""
    rules: dict[str, Rule] = {}
    for group in (builtin, user):
        seen_in_group: dict[str, str] = {}
        for path in group:
            parsed, problems = parse_rule_file(path)
            if problems:
                more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
                raise RulesError(problems[0] + more)
            for rule in parsed:
                if rule.id in seen_in_group:
                    raise RulesError(
                        f"{path}: rule {rule.id}: id: also defined in {seen_in_group[rule.id]}"
                    )
                seen_in_group[rule.id] = str(path)
                rules.pop(rule.id, None)  # a replacement goes where user rules go
                rules[rule.id] = rule
    return KnowledgeBase(tuple(rules.values()), tuple(str(p) for p in [*builtin, *user]))


_CACHE: dict[tuple[str, ...], KnowledgeBase] = {}
_CACHE_LOCK = threading.Lock()


def load_knowledge_base(extra_dirs: Iterable[str | Path] = ()) -> KnowledgeBase:
    """The built-in rules plus the config directory's and each `extra_dirs`' rules, compiled
    once per process for a given set of directories (and kept on disk between runs:
    kb_cache.py)."""
    dirs = tuple(str(Path(d).resolve()) for d in extra_dirs)
    key = (str(config_rules_dir()), *dirs)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is None:
            from reqscope.core.diagnosis.kb_cache import cached_knowledge_base

            builtin, user = builtin_rule_files(), user_rule_files(dirs)
            cached = cached_knowledge_base(
                [*builtin, *user], lambda: load_rule_files(builtin, user)
            )
            _CACHE[key] = cached
        return cached


def clear_knowledge_base_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()
