"""Rate-limit and challenge signs in a response: where probing must stop. The signs are data
(signals.toml); the rate-limit counters come from the diagnosis facts, so "remaining: 0"
means the same thing here as in the findings."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from reqscope.core.diagnosis.facts import extract_facts
from reqscope.core.model import Exchange

BODY_SCAN_CHARS = 32 * 1024
RATE_LIMIT = "rate_limit"
CHALLENGE = "challenge"


@dataclass(frozen=True, slots=True)
class Signal:
    """A reason to stop: `kind` says whether waiting can help (rate_limit) or not."""

    kind: str  # RATE_LIMIT | CHALLENGE
    text: str  # "429 Too Many Requests", "cf-mitigated: challenge (Cloudflare ...)"


@dataclass(frozen=True, slots=True)
class _HeaderSign:
    name: str
    value: re.Pattern[str] | None
    kind: str
    says: str


@dataclass(frozen=True, slots=True)
class _Signs:
    statuses: frozenset[int]
    headers: tuple[_HeaderSign, ...]
    bodies: tuple[tuple[re.Pattern[str], str], ...]


@cache
def _signs() -> _Signs:
    text = resources.files("reqscope.core.probes").joinpath("signals.toml").read_text("utf-8")
    data = tomllib.loads(text)
    headers = tuple(
        _HeaderSign(
            str(h["name"]).lower(),
            re.compile(str(h["value"]), re.IGNORECASE) if h.get("value") else None,
            str(h["kind"]),
            str(h["says"]),
        )
        for h in data.get("header", [])
    )
    bodies = tuple(
        (re.compile(str(b["pattern"]), re.IGNORECASE), str(b["says"])) for b in data.get("body", [])
    )
    return _Signs(frozenset(int(s) for s in data.get("statuses", [])), headers, bodies)


def stop_signal(exchange: Exchange) -> Signal | None:
    """The sign in this response that probing must stop, or None. Challenges are looked for
    first: a 429 that is also a CAPTCHA page will not pass by waiting."""
    response = exchange.response
    if response is None:
        return None
    signs = _signs()
    found = _header_sign(exchange, signs, CHALLENGE)
    if found is not None:
        return found
    facts = extract_facts(exchange)
    text = facts.body_text[:BODY_SCAN_CHARS]
    for pattern, says in signs.bodies:
        if pattern.search(text):
            return Signal(CHALLENGE, says)
    if response.status in signs.statuses:
        return Signal(RATE_LIMIT, f"{response.status} {response.reason}".rstrip())
    found = _header_sign(exchange, signs, RATE_LIMIT)
    if found is not None:
        return found
    if facts.ratelimit_remaining == 0:
        return Signal(RATE_LIMIT, "rate-limit remaining: 0 (the next request would be refused)")
    return None


def _header_sign(exchange: Exchange, signs: _Signs, kind: str) -> Signal | None:
    assert exchange.response is not None
    for sign in signs.headers:
        if sign.kind != kind:
            continue
        for value in exchange.response.header_values(sign.name):
            if sign.value is None or sign.value.search(value.strip()):
                return Signal(kind, f"{sign.name}: {value.strip()[:80]} ({sign.says})")
    return None


def retry_after_s(exchange: Exchange) -> float | None:
    """Seconds the server asked to wait (Retry-After), if it said."""
    if exchange.response is None:
        return None
    return extract_facts(exchange).retry_after_s
