"""Captures: values taken from a response into variables, so a login token flows into the
requests after it.

source  expr
json    a JSON path or pointer (`$.access_token`, `/access_token`); a string is taken as is,
        anything else as its JSON text
header  a header name; its first value
regex   a regex over the body text; group 1 if it has groups, else the whole match

A captured value is secret when the capture says so or the variable it fills is declared
secret; secret values go to the Redactor and are never written to the session file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from reqscope.core.errors import ReplayError
from reqscope.core.model import Capture, Exchange, Variable
from reqscope.core.replay.jsonpath import find, parse_path
from reqscope.core.templating import VARIABLE_NAME


@dataclass(frozen=True, slots=True)
class CaptureResult:
    """What one capture took: `value` None means it found nothing (`problem` says why)."""

    capture: Capture
    value: str | None
    secret: bool
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.value is not None


def validate(capture: Capture) -> None:
    """Raise ReplayError when the capture cannot work as written."""
    if not VARIABLE_NAME.fullmatch(capture.variable):
        raise ReplayError(f"capture: invalid variable name {capture.variable!r}")
    if capture.source == "json":
        parse_path(capture.expr)
    elif capture.source == "regex":
        _regex(capture.expr)
    elif capture.source != "header":
        raise ReplayError(f"capture {capture.variable!r}: unknown source {capture.source!r}")
    if not capture.expr.strip() and capture.source == "header":
        raise ReplayError(f"capture {capture.variable!r}: expr must name the header")


def apply_captures(
    captures: tuple[Capture, ...], exchange: Exchange, declared: tuple[Variable, ...] = ()
) -> list[CaptureResult]:
    """Run every capture of a request on its exchange."""
    secret_names = {v.name for v in declared if v.secret}
    return [_capture(c, exchange, c.secret or c.variable in secret_names) for c in captures]


def _capture(capture: Capture, exchange: Exchange, secret: bool) -> CaptureResult:
    validate(capture)
    response = exchange.response
    if response is None:
        return CaptureResult(capture, None, secret, "no response to capture from")
    if capture.source == "header":
        value = response.header(capture.expr.strip())
        problem = "" if value is not None else f"no {capture.expr.strip()!r} header"
        return CaptureResult(capture, value, secret, problem)
    text = response.text or response.body.decode("utf-8", "replace")
    if capture.source == "regex":
        match = _regex(capture.expr).search(text)
        if match is None:
            return CaptureResult(capture, None, secret, f"no match for /{capture.expr}/")
        value = match.group(1) if match.re.groups else match.group(0)
        return CaptureResult(capture, value or "", secret)
    try:
        document = json.loads(text)
    except ValueError:
        return CaptureResult(capture, None, secret, "the body is not JSON")
    found = find(document, parse_path(capture.expr))
    if not found:
        return CaptureResult(capture, None, secret, f"nothing at {capture.expr}")
    first = found[0]
    value = first if isinstance(first, str) else json.dumps(first, ensure_ascii=False)
    return CaptureResult(capture, value, secret)


def _regex(expr: str) -> re.Pattern[str]:
    try:
        return re.compile(expr)
    except re.error as exc:
        raise ReplayError(f"capture: invalid regex {expr!r}: {exc}") from None


__all__ = ["CaptureResult", "apply_captures", "validate"]
