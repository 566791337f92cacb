"""The one place that knows what is secret. Everything that leaves the process (a saved
session, an export, a shared screen, a log line) goes through a Redactor, which masks by
header name AND by value: a token echoed back in a JSON body is masked too.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from urllib.parse import quote, quote_plus, unquote_plus

from reqscope.core.model import (
    AuthKind,
    Exchange,
    Request,
    Response,
    TransportError,
)

MASK = "[redacted]"
MIN_SECRET_LENGTH = 4  # shorter values ("1", "true", "abc") would mask half of any body

# Header names whose whole value is a credential (lower-case).
CREDENTIAL_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "apikey",
        "x-apikey",
        "x-auth-token",
        "x-access-token",
        "x-goog-api-key",
        "x-amz-security-token",
        "ocp-apim-subscription-key",
        "x-functions-key",
        "private-token",
        "x-vault-token",
        "x-csrf-token",
        "x-csrftoken",
        "x-xsrf-token",
    }
)
# Any other header whose name contains one of these is treated as a credential too.
_CREDENTIAL_NAME_PARTS = ("token", "secret", "password", "api-key", "apikey", "api_key")

# Query parameters whose value is a credential (lower-case).
CREDENTIAL_QUERY_PARAMS = frozenset(
    {
        "api_key",
        "apikey",
        "api-key",
        "key",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "auth",
        "password",
        "secret",
        "client_secret",
        "sig",
        "signature",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "x-goog-signature",
        "x-goog-credential",
    }
)

# Authorization schemes whose credential follows the scheme word (lower-case).
_AUTH_SCHEMES = frozenset({"bearer", "basic", "token", "dpop", "apikey", "key", "jwt"})
_URL_HEADERS = frozenset({"location", "content-location", "referer", "origin"})
_TEMPLATE = re.compile(r"\{\{.*?\}\}", re.DOTALL)


def is_sensitive_header(name: str) -> bool:
    """True for headers whose value is a credential (Authorization, Cookie, API keys...)."""
    lname = name.strip().lower()
    return lname in CREDENTIAL_HEADERS or any(part in lname for part in _CREDENTIAL_NAME_PARTS)


def is_sensitive_query_param(name: str) -> bool:
    return name.strip().lower() in CREDENTIAL_QUERY_PARAMS


def basic_credentials(username: str, password: str) -> str:
    """The base64 token of HTTP basic auth, as it appears on the wire and in echoed bodies."""
    return base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def secrets_in_request(request: Request) -> set[str]:
    """Credential values a request carries, literal or already expanded: credential headers
    (whole value and the part after the scheme word), auth fields, key-like query parameters,
    URL passwords and the base64 form of basic credentials. `{{references}}` are skipped."""
    found: set[str] = set()
    for header in request.headers:
        if header.enabled and is_sensitive_header(header.name):
            found.update(_header_credentials(header.name, header.value))
    auth = request.auth
    if auth.kind in (AuthKind.BEARER, AuthKind.API_KEY):
        found.add(auth.token)
    elif auth.kind is AuthKind.BASIC:
        found.add(auth.password)
        found.add(basic_credentials(auth.username, auth.password))
    found.update(_url_credentials(request.url))
    found.update(_url_credentials(request.options.proxy))
    return {value for value in found if value and "{{" not in value}


class Redactor:
    """Masks known secret values wherever they appear, plus credentials recognised by the
    header or query parameter they sit in. Values shorter than MIN_SECRET_LENGTH are ignored.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self._forms: set[str] = set()  # the secrets plus their encoded forms
        # One alternation of every form, compiled on first use after a change.
        self._text_pattern: re.Pattern[str] | None = None
        self._bytes_pattern: re.Pattern[bytes] | None = None
        for secret in secrets:
            self.add(secret)

    @property
    def secrets(self) -> frozenset[str]:
        """The values added (without the encoded forms derived from them)."""
        return frozenset(self._secrets)

    def copy(self) -> Redactor:
        return Redactor(self._secrets)

    def add(self, value: str) -> None:
        """Remember a secret: the value, its URL- and JSON-encoded forms and, for
        `Scheme credential` values, the credential alone (and a basic password)."""
        value = value.strip()
        if len(value) < MIN_SECRET_LENGTH:
            return
        self._secrets.add(value)
        forms = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}
        scheme, space, credential = value.partition(" ")
        if space and scheme.lower() in _AUTH_SCHEMES and " " not in credential.strip():
            forms.add(credential.strip())
            if scheme.lower() == "basic":
                forms.update(_basic_password(credential.strip()))
        new = {form for form in forms if len(form) >= MIN_SECRET_LENGTH} - self._forms
        if new:
            self._forms.update(new)
            self._text_pattern = self._bytes_pattern = None

    def scrub(self, text: str) -> str:
        """Replace every occurrence of every secret (longest first) by MASK."""
        if not self._forms or not text:
            return text
        if self._text_pattern is None:
            self._text_pattern = _pattern(frozenset(self._forms))
        return self._text_pattern.sub(MASK, text)

    def scrub_bytes(self, data: bytes) -> bytes:
        if not self._forms or not data:
            return data
        if self._bytes_pattern is None:
            self._bytes_pattern = _bytes_pattern(frozenset(f.encode() for f in self._forms))
        return self._bytes_pattern.sub(MASK.encode(), data)

    def header_value(self, name: str, value: str) -> str:
        """A header value safe to show: credentials masked by the header's name (keeping the
        auth scheme word and cookie names), then any known secret masked by value."""
        lname = name.strip().lower()
        if lname in ("authorization", "proxy-authorization"):
            scheme, space, credential = value.strip().partition(" ")
            if space and credential.strip():
                return f"{scheme} {MASK}"
            return MASK if value else value
        if lname == "cookie":
            return "; ".join(_mask_cookie(pair) for pair in value.split(";"))
        if lname == "set-cookie":
            first, sep, attributes = value.partition(";")
            return _mask_cookie(first) + (sep + self.scrub(attributes) if sep else "")
        if is_sensitive_header(lname):
            return MASK if value else value
        if lname in _URL_HEADERS:
            return self.url(value)
        return self.scrub(value)

    def url(self, url: str) -> str:
        """A URL safe to show: the userinfo password and key-like query values masked, then
        any known secret masked by value."""
        return self.scrub(_mask_url_credentials(url, keep_references=False))

    def request(self, req: Request) -> Request:
        """A copy safe to export: literal secrets masked; `{{references}}` are kept, since a
        reference is not a secret (that is the point of writing one)."""
        headers = tuple(
            replace(h, value=self._header_template(h.name, h.value)) for h in req.headers
        )
        form = tuple(replace(f, value=self._template(f.value)) for f in req.form)
        auth = req.auth
        if auth.kind is not AuthKind.NONE:
            auth = replace(
                auth,
                token=self._literal_mask(auth.token),
                password=self._literal_mask(auth.password),
            )
        options = replace(req.options, proxy=self._template_url(req.options.proxy))
        return replace(
            req,
            url=self._template_url(req.url),
            headers=headers,
            body=self._template(req.body),
            form=form,
            auth=auth,
            options=options,
        )

    def exchange(self, ex: Exchange) -> Exchange:
        """A redacted copy: sent URL, headers and body; response headers and body (bytes and
        text); redirect URLs and locations; the error message. Credentials the exchange itself
        carries (sent credential headers, URL keys, cookies set) are masked wherever they are
        echoed, even when this redactor was not told about them."""
        unknown = secrets_in_exchange(ex) - self._secrets
        if not unknown:
            return self._exchange(ex)
        learned = self.copy()
        for value in unknown:
            learned.add(value)
        return learned._exchange(ex)

    def _exchange(self, ex: Exchange) -> Exchange:
        sent = ex.request
        request = replace(
            sent,
            url=self.url(sent.url),
            headers=self._headers(sent.headers),
            body=self.scrub_bytes(sent.body),
        )
        response: Response | None = None
        if ex.response is not None:
            resp = ex.response
            response = replace(
                resp,
                headers=self._headers(resp.headers),
                body=self.scrub_bytes(resp.body),
                text=self.scrub(resp.text),
            )
        error: TransportError | None = None
        if ex.error is not None:
            error = replace(
                ex.error, message=self.scrub(ex.error.message), detail=self.scrub(ex.error.detail)
            )
        redirects = tuple(
            replace(
                hop,
                url=self.url(hop.url),
                location=self.url(hop.location),
                next_url=self.url(hop.next_url),
            )
            for hop in ex.redirects
        )
        return replace(ex, request=request, response=response, error=error, redirects=redirects)

    # --- helpers ------------------------------------------------------------------------------

    def _headers(self, headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return tuple((name, self.header_value(name, value)) for name, value in headers)

    def _template(self, text: str) -> str:
        """Scrub the literal parts of a template, leaving `{{references}}` intact."""
        pieces: list[str] = []
        last = 0
        for match in _TEMPLATE.finditer(text):
            pieces.append(self.scrub(text[last : match.start()]))
            pieces.append(match.group(0))
            last = match.end()
        pieces.append(self.scrub(text[last:]))
        return "".join(pieces)

    def _template_url(self, url: str) -> str:
        return self._template(_mask_url_credentials(url, keep_references=True))

    def _header_template(self, name: str, value: str) -> str:
        return self._template(value) if "{{" in value else self.header_value(name, value)

    def _literal_mask(self, value: str) -> str:
        return value if not value or "{{" in value else MASK


def secrets_in_exchange(ex: Exchange) -> set[str]:
    """Credential values an exchange carries: sent credential headers and URL credentials,
    and the values of cookies the server set."""
    found: set[str] = set()
    for name, value in ex.request.headers:
        if is_sensitive_header(name):
            found.update(_header_credentials(name, value))
    found.update(_url_credentials(ex.request.url))
    if ex.response is not None:
        for value in ex.response.header_values("set-cookie"):
            found.update(_header_credentials("cookie", value.partition(";")[0]))
    return {value for value in found if len(value) >= MIN_SECRET_LENGTH}


def _mask_cookie(pair: str) -> str:
    name, eq, value = pair.strip().partition("=")
    if not eq:
        return pair.strip()
    return f"{name}={MASK}" if value else f"{name}="


def _header_credentials(name: str, value: str) -> set[str]:
    found = {value.strip()}
    lname = name.strip().lower()
    if lname in ("authorization", "proxy-authorization"):
        scheme, _, credential = value.strip().partition(" ")
        found.add(credential.strip())
        if scheme.lower() == "basic":
            found.update(_basic_password(credential.strip()))
    elif lname == "cookie":
        for pair in value.split(";"):
            _, eq, cookie_value = pair.partition("=")
            if eq:
                found.add(cookie_value.strip().strip('"'))
    return found


def _basic_password(token: str) -> set[str]:
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except ValueError:
        return set()
    _, colon, password = decoded.partition(":")
    return {password} if colon else set()


def url_credential_spans(url: str) -> list[tuple[str, int, int]]:
    """Where a URL carries credentials, as (name, start, end) spans of `url`: the userinfo
    password (name ":password") and the values of key-like query parameters. Works on
    templates too (`{{base}}/x?api_key=...`), which urllib cannot parse."""
    spans: list[tuple[str, int, int]] = []
    scheme_end = url.find("://")
    if scheme_end > 0 and url[:scheme_end].isascii() and url[:scheme_end].isalnum():
        start = scheme_end + 3
        end = len(url)
        for stop in "/?#":
            found = url.find(stop, start)
            if found != -1:
                end = min(end, found)
        userinfo_end = url.rfind("@", start, end)
        colon = url.find(":", start, userinfo_end)
        if userinfo_end != -1 and colon != -1:
            spans.append((":password", colon + 1, userinfo_end))
    question = url.find("?")
    if question != -1:
        hash_ = url.find("#", question)
        query_end = hash_ if hash_ != -1 else len(url)
        position = question + 1
        for pair in url[question + 1 : query_end].split("&"):
            key, eq, value = pair.partition("=")
            if eq and is_sensitive_query_param(unquote_plus(key)):
                value_start = position + len(key) + 1
                spans.append((unquote_plus(key), value_start, value_start + len(value)))
            position += len(pair) + 1
    return spans


def _mask_url_credentials(url: str, *, keep_references: bool) -> str:
    for _, start, end in reversed(url_credential_spans(url)):
        value = url[start:end]
        if value and not (keep_references and "{{" in value):
            url = url[:start] + MASK + url[end:]
    return url


def _url_credentials(url: str) -> set[str]:
    found: set[str] = set()
    for _, start, end in url_credential_spans(url):
        found.update({url[start:end], unquote_plus(url[start:end])})
    return found


@lru_cache(maxsize=64)
def _pattern(forms: frozenset[str]) -> re.Pattern[str]:
    # Longest first, so a secret that contains another is masked whole.
    ordered = sorted(forms, key=lambda form: (-len(form), form))
    return re.compile("|".join(re.escape(form) for form in ordered))


@lru_cache(maxsize=64)
def _bytes_pattern(forms: frozenset[bytes]) -> re.Pattern[bytes]:
    ordered = sorted(forms, key=lambda form: (-len(form), form))
    return re.compile(b"|".join(re.escape(form) for form in ordered))


__all__ = [
    "CREDENTIAL_HEADERS",
    "CREDENTIAL_QUERY_PARAMS",
    "MASK",
    "MIN_SECRET_LENGTH",
    "Redactor",
    "basic_credentials",
    "is_sensitive_header",
    "is_sensitive_query_param",
    "secrets_in_exchange",
    "secrets_in_request",
    "url_credential_spans",
]
