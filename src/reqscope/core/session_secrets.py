"""What a session looks like with its secrets taken out, before it is written to disk.

A saved session must be safe to commit. So, unless the user asks for secrets in clear:
- secret variables keep their name but lose their value;
- a credential typed literally into a request (`Authorization: Bearer eyJ...`, an auth token,
  `?api_key=...`, a URL password, a cookie value) becomes a reference to a new secret variable
  (`Bearer {{authorization_token}}`), so the request still says where the value goes;
- a plain variable used where a credential goes is saved as a secret one;
- a secret variable's value typed literally anywhere else in a request becomes its reference,
  and so does any other value the redactor knows as secret (a token from the env file, one
  captured by replay), through a new secret variable;
- recorded exchanges are redacted by value and by header name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from reqscope.core.model import Auth, Header, Request, Session, Variable
from reqscope.core.redact import (
    MIN_SECRET_LENGTH,
    Redactor,
    is_sensitive_header,
    secrets_in_request,
    url_credential_spans,
)
from reqscope.core.templating import has_references, variables_in

_REFERENCE_TEXT = re.compile(r"\\?\{\{.*?\}\}", re.DOTALL)


def protect_secrets(session: Session, redactor: Redactor | None = None) -> Session:
    """A copy of the session with no secret value left in clear (see the module docstring)."""
    promoted = _promoted_variables(session)
    variables = [
        replace(var, secret=True) if var.name in promoted else var for var in session.variables
    ]
    names = _SecretNames(variables)
    requests = tuple(_protect_request(req, names) for req in session.requests)
    if redactor is not None:  # after the named credentials, so those keep their names
        texts = [text for req in requests for text in _literal_texts(req)]
        leftover = [v for v in redactor.secrets if any(v in text for text in texts)]
        for value in sorted(leftover):
            names.reference(value, "secret")
        if leftover:
            requests = tuple(_protect_request(req, names) for req in requests)
    variables.extend(names.created)

    history_redactor = redactor.copy() if redactor is not None else Redactor()
    for var in variables:
        if var.secret and var.value:
            history_redactor.add(var.value)
    for req in session.requests:
        for secret in secrets_in_request(req):
            history_redactor.add(secret)
    return replace(
        session,
        variables=tuple(replace(var, value="") if var.secret else var for var in variables),
        requests=requests,
        history=tuple(history_redactor.exchange(ex) for ex in session.history),
    )


class _SecretNames:
    """Hands out secret variables for literal values: the same value always gets the same
    variable (an existing secret one when its value matches), names never collide."""

    def __init__(self, variables: list[Variable]) -> None:
        self._taken = {var.name for var in variables}
        self._by_value = {var.value: var.name for var in variables if var.secret and var.value}
        self.created: list[Variable] = []

    def reference(self, value: str, base: str) -> str:
        """`{{name}}` of the secret variable holding `value`; a value too short to be a
        secret (the Redactor's rule) is returned as it is."""
        if len(value) < MIN_SECRET_LENGTH:
            return value
        name = self._by_value.get(value)
        if name is None:
            name = _slug(base)
            suffix = 2
            while name in self._taken:
                name = f"{_slug(base)}_{suffix}"
                suffix += 1
            self._taken.add(name)
            self._by_value[value] = name
            self.created.append(Variable(name=name, value=value, secret=True))
        return "{{" + name + "}}"

    def replace_known(self, text: str) -> str:
        """Replace literal occurrences of known secret values by their references."""
        values = sorted(
            (v for v in self._by_value if len(v) >= MIN_SECRET_LENGTH), key=len, reverse=True
        )
        if not text or not any(v in text for v in values):
            return text
        pattern = re.compile("|".join(re.escape(v) for v in values))
        return _map_literal_parts(
            text, lambda part: pattern.sub(lambda m: "{{" + self._by_value[m.group(0)] + "}}", part)
        )


def _protect_request(req: Request, names: _SecretNames) -> Request:
    headers = tuple(_protect_header(h, names) for h in req.headers)
    auth = _protect_auth(req.auth, names)
    url = _protect_url(req.url, names, "url_password")
    proxy = _protect_url(req.options.proxy, names, "proxy_password")
    known = names.replace_known
    return replace(
        req,
        url=known(url),
        headers=tuple(replace(h, value=known(h.value)) for h in headers),
        body=known(req.body),
        form=tuple(replace(f, value=known(f.value)) for f in req.form),
        auth=replace(auth, token=known(auth.token), password=known(auth.password)),
        options=replace(req.options, proxy=known(proxy)),
    )


def _protect_header(header: Header, names: _SecretNames) -> Header:
    if not header.value or not is_sensitive_header(header.name):
        return header
    lname = header.name.strip().lower()
    base = _slug(header.name)
    if lname == "cookie":
        pairs = [_protect_cookie(pair, names) for pair in header.value.split(";")]
        return replace(header, value=";".join(pairs))
    if has_references(header.value):
        return header
    if lname in ("authorization", "proxy-authorization"):
        scheme, space, credential = header.value.strip().partition(" ")
        if space and credential.strip():
            reference = names.reference(credential.strip(), f"{base}_token")
            return replace(header, value=f"{scheme} {reference}")
        return replace(header, value=names.reference(header.value, f"{base}_token"))
    return replace(header, value=names.reference(header.value, base))


def _protect_cookie(pair: str, names: _SecretNames) -> str:
    name, eq, value = pair.partition("=")
    if not eq or not value.strip() or has_references(value):
        return pair
    stripped = value.strip()
    reference = names.reference(stripped, f"cookie_{name.strip()}")
    return f"{name}={value.replace(stripped, reference, 1)}"


def _protect_auth(auth: Auth, names: _SecretNames) -> Auth:
    kind = auth.kind.value if auth.kind.value != "none" else "auth"
    token_base = "api_key" if kind == "api_key" else f"{kind}_token"
    token, password = auth.token, auth.password
    if token and not has_references(token):
        token = names.reference(token, token_base)
    if password and not has_references(password):
        password = names.reference(password, f"{kind}_password")
    return replace(auth, token=token, password=password)


def _protect_url(url: str, names: _SecretNames, password_base: str) -> str:
    for name, start, end in reversed(url_credential_spans(url)):
        value = url[start:end]
        if value and not has_references(value):
            base = password_base if name == ":password" else name
            url = url[:start] + names.reference(value, base) + url[end:]
    return url


def _promoted_variables(session: Session) -> set[str]:
    """Plain variables that hold a literal value used where a credential goes."""
    by_name = {var.name: var for var in session.variables}
    promoted: set[str] = set()

    def promote(name: str, seen: frozenset[str]) -> None:
        var = by_name.get(name)
        if var is None or var.secret or name in seen or not var.value:
            return
        if has_references(var.value):
            for inner in variables_in(var.value):
                promote(inner, seen | {name})
        elif len(var.value) >= MIN_SECRET_LENGTH:
            promoted.add(name)

    for req in session.requests:
        for text in _credential_texts(req):
            for name in variables_in(text):
                promote(name, frozenset())
    return promoted


def _credential_texts(req: Request) -> list[str]:
    texts = [h.value for h in req.headers if is_sensitive_header(h.name)]
    texts += [req.auth.token, req.auth.password]
    for url in (req.url, req.options.proxy):
        texts += [url[start:end] for _, start, end in url_credential_spans(url)]
    return texts


def _literal_texts(req: Request) -> list[str]:
    texts = [req.url, req.body, req.auth.token, req.auth.password, req.options.proxy]
    return texts + [h.value for h in req.headers] + [f.value for f in req.form]


def _map_literal_parts(text: str, change: Callable[[str], str]) -> str:
    """Apply `change` to the text between `{{references}}`, leaving references intact."""
    pieces: list[str] = []
    last = 0
    for match in _REFERENCE_TEXT.finditer(text):
        pieces.append(change(text[last : match.start()]))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(change(text[last:]))
    return "".join(pieces)


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_").lower() or "secret"
    return slug if not slug[0].isdigit() else f"v_{slug}"


__all__ = ["protect_secrets"]
