"""Probes in words: a change, an outcome, the notable headers of a probe's answer. Shared by
the CLI and the app so both say the same thing the same way."""

from __future__ import annotations

from collections.abc import Sequence

from reqscope.core.diagnosis.actions import describe_action
from reqscope.core.model import Exchange, FixAction

# Response headers worth a glance in a probe's row: they say why the answer changed.
NOTABLE_HEADERS = (
    "location",
    "www-authenticate",
    "retry-after",
    "x-ratelimit-remaining",
    "ratelimit-remaining",
    "cf-mitigated",
    "x-amzn-waf-action",
    "access-control-allow-origin",
    "allow",
    "cf-cache-status",
    "x-cache",
)
NOTABLE_VALUE_CHARS = 60


def describe_actions(actions: Sequence[FixAction]) -> str:
    return "; ".join(describe_action(a) for a in actions) or "no change"


def notable_headers(exchange: Exchange | None) -> list[tuple[str, str]]:
    """The headers of a probe's answer worth showing, values shortened; Set-Cookie by cookie
    name only (its value is a credential)."""
    if exchange is None or exchange.response is None:
        return []
    found: list[tuple[str, str]] = []
    for name, value in exchange.response.headers:
        lname = name.lower()
        if lname in NOTABLE_HEADERS:
            short = (
                value if len(value) <= NOTABLE_VALUE_CHARS else value[:NOTABLE_VALUE_CHARS] + "…"
            )
            found.append((name, short))
        elif lname == "set-cookie":
            found.append((name, value.split("=", 1)[0].strip() + "=…"))
    return found
