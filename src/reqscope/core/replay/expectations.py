"""Expectations: the checks a session file makes on each response, and why one failed.

Every check says what was expected and what arrived, in words a person can act on
("status: expected 2xx, got 403 Forbidden"). `check_expectation` validates the expectation
first, so a typo in a session file is reported before anything is sent (`validate`).

target       ops                                  value
status       equals, in                           `200`, `2xx`, `200,201`, `2xx,304`
header (key) equals, contains, matches, absent    text / regex; absent takes no value
body         equals, contains, matches, absent    text / regex; absent: the body is empty
json (key)   equals, contains, matches, absent    JSON literal (equals, contains) / regex
duration_ms  max                                  a number of milliseconds
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reqscope.core.errors import ReplayError
from reqscope.core.model import Exchange, Expectation, Response
from reqscope.core.replay.jsonpath import find, parse_path

ALLOWED_OPS = {
    "status": ("equals", "in"),
    "header": ("equals", "contains", "matches", "absent"),
    "body": ("equals", "contains", "matches", "absent"),
    "json": ("equals", "contains", "matches", "absent"),
    "duration_ms": ("max",),
}
NEEDS_KEY = ("header", "json")
SHOW_CHARS = 160  # actual values are shortened to this in messages

_STATUS_ITEM = re.compile(r"[1-5](?:\d\d|xx|XX)")


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The verdict on one expectation: `expected` and `actual` as short text."""

    expectation: Expectation
    passed: bool
    expected: str
    actual: str

    @property
    def message(self) -> str:
        verdict = "ok" if self.passed else "FAILED"
        return f"{describe(self.expectation)}: {verdict}: expected {self.expected}, " + (
            f"got {self.actual}"
        )


def describe(exp: Expectation) -> str:
    """`status`, `header 'X-Foo'`, `json $.a.b`, `body`, `duration_ms`."""
    if exp.target == "header":
        return f"header {exp.key!r}"
    if exp.target == "json":
        return f"json {exp.key}"
    return exp.target


@lru_cache(maxsize=1024)
def validate(exp: Expectation) -> None:
    """Raise ReplayError when the expectation cannot be checked as written (cached: a session
    replayed a thousand times checks each expectation once)."""
    ops = ALLOWED_OPS.get(exp.target)
    if ops is None:
        raise ReplayError(f"unknown expectation target {exp.target!r}")
    if exp.op not in ops:
        raise ReplayError(
            f"{describe(exp)}: op {exp.op!r} does not apply; use one of {', '.join(ops)}"
        )
    if exp.target in NEEDS_KEY and not exp.key:
        what = "header name" if exp.target == "header" else "JSON path"
        raise ReplayError(f"{exp.target} expectation needs key = the {what}")
    if exp.target == "json":
        parse_path(exp.key)
    if exp.target == "status":
        _status_set(exp.value)
    elif exp.op == "matches":
        _regex(exp.value)
    elif exp.op == "max":
        _number(exp.value)
    elif exp.target == "json" and exp.op == "equals" and not exp.value:
        raise ReplayError(f"{describe(exp)} equals: give the expected JSON value")


def check_expectation(exp: Expectation, exchange: Exchange) -> CheckResult:
    """Check one expectation on an exchange (an exchange without a response fails every
    check except an absent one, with the transport error as the actual value)."""
    validate(exp)
    if exp.target == "duration_ms":
        limit = _number(exp.value)
        took = exchange.timings.total_ms
        return CheckResult(exp, took <= limit, f"at most {limit:g} ms", f"{took:.0f} ms")
    response = exchange.response
    if response is None:
        error = exchange.error.message if exchange.error else "nothing"
        return CheckResult(exp, False, _expected(exp), f"no response ({error})")
    if exp.target == "status":
        return _check_status(exp, response)
    if exp.target == "header":
        return _check_header(exp, response)
    if exp.target == "body":
        return _check_body(exp, response)
    return _check_json(exp, response)


def check_all(expectations: tuple[Expectation, ...], exchange: Exchange) -> list[CheckResult]:
    return [check_expectation(exp, exchange) for exp in expectations]


# --- per target ------------------------------------------------------------------------------


def _check_status(exp: Expectation, response: Response) -> CheckResult:
    allowed = _status_set(exp.value)
    status = str(response.status)
    passed = any(
        item == status or (item.endswith("xx") and item[0] == status[0]) for item in allowed
    )
    actual = f"{response.status} {response.reason}".rstrip()
    return CheckResult(exp, passed, _expected(exp), actual)


def _check_header(exp: Expectation, response: Response) -> CheckResult:
    values = response.header_values(exp.key)
    actual = " | ".join(_show(v) for v in values) if values else "no such header"
    if exp.op == "absent":
        return CheckResult(exp, not values, "no such header", actual)
    return CheckResult(exp, any(_text_passes(exp, v) for v in values), _expected(exp), actual)


def _check_body(exp: Expectation, response: Response) -> CheckResult:
    text = _body_text(response)
    actual = f"{_show(text)} ({len(response.body)} bytes)" if response.body else "an empty body"
    if exp.op == "absent":
        return CheckResult(exp, not response.body, "an empty body", actual)
    if exp.op == "equals":
        return CheckResult(exp, text.strip() == exp.value.strip(), _expected(exp), actual)
    return CheckResult(exp, _text_passes(exp, text), _expected(exp), actual)


def _check_json(exp: Expectation, response: Response) -> CheckResult:
    try:
        document = json.loads(_body_text(response))
    except ValueError:
        return CheckResult(exp, False, _expected(exp), "a body that is not JSON")
    found = find(document, parse_path(exp.key))
    actual = ", ".join(_show(_dump(v), quote=False) for v in found) if found else "nothing"
    if exp.op == "absent":
        return CheckResult(exp, not found, "nothing", actual)
    if not found:
        return CheckResult(exp, False, _expected(exp), actual)
    if exp.op == "equals":
        wanted = _literal(exp.value)
        return CheckResult(exp, any(_same(v, wanted) for v in found), _expected(exp), actual)
    if exp.op == "contains":
        wanted = _literal(exp.value)
        return CheckResult(exp, any(_contains(v, wanted) for v in found), _expected(exp), actual)
    pattern = _regex(exp.value)
    passed = any(pattern.search(v if isinstance(v, str) else _dump(v)) for v in found)
    return CheckResult(exp, passed, _expected(exp), actual)


# --- helpers -----------------------------------------------------------------------------------


def _expected(exp: Expectation) -> str:
    if exp.target == "status":
        items = _status_set(exp.value)
        return items[0] if len(items) == 1 else "one of " + ", ".join(items)
    if exp.op == "matches":
        return f"a match for /{exp.value}/"
    if exp.op == "contains":
        return f"something containing {_show(exp.value)}"
    return _show(exp.value)


def _text_passes(exp: Expectation, text: str) -> bool:
    if exp.op == "equals":
        return text == exp.value
    if exp.op == "contains":
        return exp.value in text
    return _regex(exp.value).search(text) is not None


@lru_cache(maxsize=256)
def _status_set(value: str) -> tuple[str, ...]:
    items = tuple(item.strip().lower() for item in value.split(",") if item.strip())
    if not items or not all(_STATUS_ITEM.fullmatch(item) for item in items):
        raise ReplayError(
            f"status expectation {value!r}: use a code (200), a class (2xx) or a list (200,201)"
        )
    return items


@lru_cache(maxsize=256)
def _regex(value: str) -> re.Pattern[str]:
    try:
        return re.compile(value)
    except re.error as exc:
        raise ReplayError(f"invalid regex {value!r}: {exc}") from None


def _number(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ReplayError(f"expected a number of milliseconds, got {value!r}") from None
    if number < 0:
        raise ReplayError(f"a duration cannot be negative: {value!r}")
    return number


def _literal(value: str) -> Any:
    """A JSON literal (`42`, `"a"`, `true`, `[1]`); bare text is the string itself."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def _same(actual: Any, wanted: Any) -> bool:
    # JSON has one number type: 1 == 1.0, but true is not 1.
    if isinstance(actual, bool) or isinstance(wanted, bool):
        return type(actual) is type(wanted) and actual == wanted
    return bool(actual == wanted)


def _contains(actual: Any, wanted: Any) -> bool:
    if isinstance(actual, str):
        return (wanted if isinstance(wanted, str) else _dump(wanted)) in actual
    if isinstance(actual, list):
        return any(_same(item, wanted) for item in actual)
    if isinstance(actual, dict):
        if isinstance(wanted, dict):
            return all(k in actual and _same(actual[k], v) for k, v in wanted.items())
        return isinstance(wanted, str) and wanted in actual
    return False


def _body_text(response: Response) -> str:
    return response.text or response.body.decode("utf-8", "replace")


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _show(text: str, *, quote: bool = True) -> str:
    text = text.replace("\n", "\\n")
    short = text if len(text) <= SHOW_CHARS else text[:SHOW_CHARS] + "..."
    return repr(short) if quote else short


__all__ = ["ALLOWED_OPS", "CheckResult", "check_all", "check_expectation", "describe", "validate"]
