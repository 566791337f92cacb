"""Evidence templates: `{placeholder}` text in titles, evidence lines and fixes, validated at
load time and filled with values quoted from the exchange."""

from __future__ import annotations

import re
from collections.abc import Callable

from reqscope.core.diagnosis.conditions import Match, format_fact, mask_header
from reqscope.core.diagnosis.facts import FACT_TYPES, Facts

_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
_SIMPLE = frozenset(
    {"status", "reason", "method", "url", "host", "path", "body_match", "title", "error_code"}
)
_MAX_VALUE = 160


def check_template(template: object, fail: Callable[[str], None]) -> bool:
    if not isinstance(template, str):
        fail(f"expected a string, got {type(template).__name__}")
        return False
    ok = True
    for name in _PLACEHOLDER_RE.findall(template):
        if not _known(name):
            fail(f"unknown placeholder {{{name}}}")
            ok = False
    return ok


def _known(name: str) -> bool:
    if name in _SIMPLE:
        return True
    prefix, _, rest = name.partition(".")
    if prefix in ("header", "request_header"):
        return bool(rest)
    return prefix == "fact" and rest in FACT_TYPES


def render(template: str, facts: Facts, match: Match | None = None, *, raw: bool = False) -> str:
    """Fill a template. `raw` is for fix-action values: facts as plain values (a number of
    seconds, the repaired header), nothing shortened, empty stays empty."""
    if "{" not in template:
        return template

    def replace(found: re.Match[str]) -> str:
        name = found.group(1)
        if raw and name.startswith("fact."):
            return _raw_fact(facts.value(name[5:]))
        value = _value(name, facts, match)
        value = " ".join(value.split())
        if len(value) > _MAX_VALUE:
            value = value[: _MAX_VALUE - 1] + "…"
        return value or ("" if raw else "(none)")

    return _PLACEHOLDER_RE.sub(replace, template)


def _raw_fact(value: object) -> str:
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _value(name: str, facts: Facts, match: Match | None) -> str:
    if name == "body_match":
        return match.body_match if match else ""
    if name == "error_code":
        if match and match.error_code:
            return match.error_code
        return facts.error_codes[0] if facts.error_codes else ""
    if name in _SIMPLE:
        value = facts.value(name)
        return "" if value is None else str(value)
    prefix, _, rest = name.partition(".")
    if prefix == "header":
        values = facts.response_headers.get(rest.lower())
        return values[0] if values else ""
    if prefix == "request_header":
        values = facts.request_headers.get(rest.lower())
        return mask_header(rest, values[0]) if values else ""
    return format_fact(rest, facts.value(rest))
