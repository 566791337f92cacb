""" "Expect this": expectations that pin down the response in front of the user, so saving
them turns a reproduction into a check in one action.

What is pinned: the status; the media type; a refusal's WWW-Authenticate challenge; and, for
a JSON object body, its top-level scalar fields — except those that look volatile (ids,
times, request ids) or secret (tokens, keys, passwords, anything the redactor masks), which
would make the check fail on the next run or leak a credential into the session file.
"""

from __future__ import annotations

import json
import re

from reqscope.core.model import Exchange, Expectation
from reqscope.core.redact import Redactor

MAX_JSON_FIELDS = 5
_VOLATILE = re.compile(
    r"(^|_|-)(id|uuid|guid|request_?id|trace|nonce|date|time|timestamp|created|updated|"
    r"expires?|expires_in|exp|iat|nbf|etag|version)($|_|-)|(At|Id|Time)$",
)
_SECRET = re.compile(r"token|secret|password|passwd|key|signature|session|cookie|auth", re.I)


def expectations_from(
    exchange: Exchange, redactor: Redactor | None = None
) -> tuple[Expectation, ...]:
    """Expectations the exchange passes today; empty when no response arrived."""
    response = exchange.response
    if response is None:
        return ()
    redactor = redactor or Redactor()
    expect = [Expectation("status", "equals", str(response.status))]
    media = (response.header("Content-Type") or "").split(";")[0].strip()
    if media:
        expect.append(Expectation("header", "contains", media, "Content-Type"))
    challenge = response.header("WWW-Authenticate")
    if challenge and redactor.scrub(challenge) == challenge:
        error = re.search(r'error="([^"]+)"', challenge)
        if error:
            expect.append(
                Expectation("header", "contains", f'error="{error.group(1)}"', "WWW-Authenticate")
            )
    expect += _json_fields(response.text, redactor)
    return tuple(expect)


def _json_fields(text: str, redactor: Redactor) -> list[Expectation]:
    if not text.lstrip().startswith("{"):
        return []
    try:
        document = json.loads(text)
    except ValueError:
        return []
    if not isinstance(document, dict):
        return []
    fields: list[Expectation] = []
    for key, value in document.items():
        if len(fields) >= MAX_JSON_FIELDS:
            break
        if not isinstance(value, str | int | float | bool) or value is None:
            continue
        if _VOLATILE.search(key) or _SECRET.search(key):
            continue
        literal = json.dumps(value, ensure_ascii=False)
        if redactor.scrub(literal) != literal or len(literal) > 200:
            continue
        path = f"$.{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f"$[{key!r}]"
        fields.append(Expectation("json", "equals", literal, path))
    return fields


__all__ = ["expectations_from"]
