"""Real HS256 JWTs and HMAC signatures made with the lab's secret, so the token and
signed-URL scenarios check genuine cryptography rather than magic strings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any


class InvalidToken(Exception):
    """The token is not a JWT this lab signed (malformed or bad signature)."""


class ExpiredToken(InvalidToken):
    """The token is genuine but its `exp` has passed."""

    def __init__(self, expired_at: int) -> None:
        super().__init__(f"expired at {expired_at}")
        self.expired_at = expired_at


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_jwt(secret: bytes, claims: dict[str, Any]) -> str:
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


def verify_jwt(secret: bytes, token: str, now: float | None = None) -> dict[str, Any]:
    """The claims of a token this lab signed; raises ExpiredToken once `exp` is reached
    (RFC 7519: the token must not be accepted on or after `exp`, no leeway)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("not a JWT")
    expected = hmac.new(secret, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    try:
        given = _unb64url(parts[2])
        header = json.loads(_unb64url(parts[0]))
        claims = json.loads(_unb64url(parts[1]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken("undecodable") from exc
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise InvalidToken("unexpected algorithm")
    if not hmac.compare_digest(given, expected) or not isinstance(claims, dict):
        raise InvalidToken("bad signature")
    exp = claims.get("exp")
    if isinstance(exp, int) and (time.time() if now is None else now) >= exp:
        raise ExpiredToken(exp)
    return claims


def sign(secret: bytes, text: str) -> str:
    """An HMAC-SHA256 signature in URL-safe base64, for lab signed URLs and cookies."""
    return _b64url(hmac.new(secret, text.encode(), hashlib.sha256).digest())


def signature_matches(secret: bytes, text: str, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, text), signature)
