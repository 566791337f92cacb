"""A Request as a curl command a person can paste into a POSIX shell, and that
`request_from_curl` reads back to the same Request (docs/interop.md lists the normalisations).

Secrets: unless asked, no credential is written in clear. A credential in a known place (auth,
a credential header such as Authorization or Cookie, a key-like query parameter, a URL password)
becomes an environment reference, `"${REQSCOPE_TOKEN}"`, so the command still works once the
variable is exported; a comment above the command lists them. A secret seen anywhere else (a
token echoed in the body) is masked by the Redactor. `{{env.NAME}}` references are written as
`${NAME}`, which is what they mean.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from urllib.parse import quote, urlencode

from reqscope.core.interop.curl_form import form_argument
from reqscope.core.interop.templates import (
    ENV_PREFIX,
    env_reference,
    escape_literal,
    literal_text,
    segments,
)
from reqscope.core.model import AuthKind, BodyKind, Header, Request, RequestOptions
from reqscope.core.redact import (
    Redactor,
    is_sensitive_header,
    is_sensitive_query_param,
    secrets_in_request,
)

JSON_TYPES = ("application/json",)
_SAFE_WORD = re.compile(r"[A-Za-z0-9_\-./:=@%+,^]+")
_DEFAULTS = RequestOptions()


def to_curl(
    request: Request,
    *,
    include_secrets: bool = False,
    redactor: Redactor | None = None,
    multiline: bool = False,
) -> str:
    """The curl command for `request`; with `multiline`, one option per line joined by ` \\`.

    Disabled headers and form fields are left out (curl has no way to keep them unsent).
    """
    notes: list[str] = []
    if not include_secrets:
        request, notes = _secrets_to_environment(request, redactor)
    args = _arguments(request)
    explained = {name for note in notes for name in re.findall(r"\bREQSCOPE_\w+", note)}
    references = {part.reference for pair in args for word in pair for part in segments(word)}
    others = sorted({_env_name(ref) for ref in references if ref} - explained)
    if others:
        notes.append(f"reads from the environment: {', '.join(others)}")
    lines = [f"# {note}" for note in notes]
    words = [" ".join(shell_word(part) for part in pair) for pair in args]
    first = f"curl {words[0]}"  # the URL stays on the first line, as browsers write it
    lines.append((" \\\n  " if multiline else " ").join([first, *words[1:]]))
    return "\n".join(lines)


# --- arguments ---------------------------------------------------------------------------------


def _arguments(request: Request) -> list[tuple[str, ...]]:
    args: list[tuple[str, ...]] = []
    url = request.url
    if request.auth.kind is AuthKind.API_KEY and request.auth.location == "query":
        pair = f"{_query_text(request.auth.key_name.strip())}={_query_text(request.auth.token)}"
        url = _append_query(url, pair)
    literal_url = "".join(part.text for part in segments(url))
    args.append(("--url", url) if literal_url.startswith("-") else (url,))
    if any(char in literal_url for char in "[]{}"):
        args.append(("-g",))  # curl would read them as a glob pattern

    headers = [h for h in request.headers if h.enabled]
    body_args, implied_method = _body(request, headers)
    if request.method == "HEAD" and implied_method == "GET":
        args.append(("-I",))
    elif request.method != implied_method:
        args.append(("-X", request.method))
    args.extend(_header_args(headers))
    args.extend(_auth_args(request))
    args.extend(body_args)
    args.extend(_option_args(request.options))
    return args


def _header_args(headers: list[Header]) -> list[tuple[str, ...]]:
    return [("-H", f"{h.name}: {h.value}" if h.value else f"{h.name};") for h in headers]


def _auth_args(request: Request) -> list[tuple[str, ...]]:
    auth = request.auth
    if auth.kind is AuthKind.BASIC:
        return [("-u", f"{auth.username}:{auth.password}")]
    if auth.kind is AuthKind.BEARER:
        return [("--oauth2-bearer", auth.token)]
    if auth.kind is AuthKind.API_KEY and auth.location == "header":
        return [("-H", f"{auth.key_name}: {auth.token}")]
    return []


def _body(request: Request, headers: list[Header]) -> tuple[list[tuple[str, ...]], str]:
    """The body options, and the method curl infers from them."""
    kind = request.body_kind
    has_content_type = any(h.name.strip().lower() == "content-type" for h in headers)
    if kind is BodyKind.NONE:
        return [], "GET"
    if kind is BodyKind.MULTIPART:
        return [form_argument(f) for f in request.form if f.enabled], "POST"
    if kind is BodyKind.FORM:
        pairs = [f for f in request.form if f.enabled]
        args: list[tuple[str, ...]] = []
        for pair in pairs:
            if re.fullmatch(r"[A-Za-z0-9\-._~]*", pair.name) and pair.name:
                args.append(("--data-urlencode", f"{pair.name}={pair.value}"))
            else:
                args.append(("--data-raw", urlencode([(pair.name, pair.value)])))
        return args or [("--data-raw", "")], "POST"
    if kind is BodyKind.JSON and not has_content_type:
        has_accept = any(h.name.strip().lower() == "accept" for h in headers)
        if has_accept:
            return [("--json", request.body)], "POST"
        return [("-H", "Content-Type: application/json"), ("--data-raw", request.body)], "POST"
    args = [] if has_content_type else [("-H", "Content-Type:")]
    return [*args, ("--data-raw", request.body)], "POST"


def _option_args(options: RequestOptions) -> list[tuple[str, ...]]:
    args: list[tuple[str, ...]] = []
    if not options.verify:
        args.append(("-k",))
    if options.follow_redirects:
        args.extend([("-L",), ("--max-redirs", str(options.max_redirects))])
    if options.http2:
        args.append(("--http2",))
    if options.proxy:
        args.append(("-x", options.proxy))
    if options.ca_bundle:
        args.append(("--cacert", options.ca_bundle))
    if options.client_cert:
        args.append(("--cert", options.client_cert.replace(":", "\\:")))
    if options.client_key:
        args.append(("--key", options.client_key))
    if options.timeout != _DEFAULTS.timeout:
        args.append(("-m", _seconds(options.timeout)))
    if options.connect_timeout is not None:
        args.append(("--connect-timeout", _seconds(options.connect_timeout)))
    return args


def _seconds(value: float) -> str:
    # int() of inf or nan raises; such a value cannot come from a file or the CLI, but a
    # Request built in code is exported as written.
    return str(int(value)) if math.isfinite(value) and value == int(value) else repr(value)


def _query_text(template: str) -> str:
    """Percent-encode the literal parts as the engine does (core/wire.py), keeping references
    whole: their values are only known when the command runs."""
    return "".join(
        "{{" + part.reference + "}}"
        if part.reference
        else escape_literal(quote(part.text, safe=""))
        for part in segments(template)
    )


def _append_query(url: str, query: str) -> str:
    base, hash_mark, fragment = url.partition("#")
    joined = f"{base}&{query}" if "?" in base else f"{base}?{query}"
    return joined + hash_mark + fragment


# --- secrets -----------------------------------------------------------------------------------


@dataclass
class _EnvNames:
    """Environment variable names for the secrets taken out of a request, unique."""

    used: dict[str, str] = field(default_factory=dict)  # name -> what it holds

    def reference(self, stem: str, what: str) -> str:
        base = "REQSCOPE_" + re.sub(r"[^A-Za-z0-9]+", "_", stem).strip("_").upper()
        name, count = base, 1
        while name in self.used:
            count += 1
            name = f"{base}_{count}"
        self.used[name] = what
        return env_reference(name)


def _secrets_to_environment(
    request: Request, redactor: Redactor | None
) -> tuple[Request, list[str]]:
    scrubber = redactor.copy() if redactor is not None else Redactor()
    for secret in secrets_in_request(request):
        scrubber.add(secret)
    names = _EnvNames()

    def literal_secret(value: str) -> bool:
        return bool(value) and literal_text(value) is not None

    headers = []
    for header in request.headers:
        value = header.value
        if header.enabled and is_sensitive_header(header.name) and literal_secret(value):
            scheme, space, credential = value.partition(" ")
            keep_scheme = header.name.strip().lower() in ("authorization", "proxy-authorization")
            what = f"header {header.name}"
            if keep_scheme and space and credential.strip():
                value = f"{scheme} {names.reference(header.name, what)}"
            else:
                value = names.reference(header.name, what)
        elif literal_text(value) is not None:
            value = scrubber.scrub(value)
        headers.append(replace(header, value=value))
    auth = request.auth
    if auth.kind in (AuthKind.BEARER, AuthKind.API_KEY) and literal_secret(auth.token):
        auth = replace(auth, token=names.reference("token", "auth token"))
    if auth.kind is AuthKind.BASIC and literal_secret(auth.password):
        auth = replace(auth, password=names.reference("password", "basic auth password"))
    url = _url_secrets(request.url, names, scrubber)
    masked = replace(
        request,
        url=url,
        headers=tuple(headers),
        body=_scrub_template(request.body, scrubber),
        form=tuple(replace(f, value=_scrub_template(f.value, scrubber)) for f in request.form),
        auth=auth,
    )
    notes: list[str] = []
    if names.used:
        listed = ", ".join(f"{name} ({what})" for name, what in names.used.items())
        notes.append(f"secrets are read from the environment: set {listed}")
    return masked, notes


def _url_secrets(url: str, names: _EnvNames, scrubber: Redactor) -> str:
    if literal_text(url) is None:
        return url
    base, question, rest = url.partition("?")
    query, hash_mark, fragment = rest.partition("#")
    pairs = []
    for pair in query.split("&") if question else []:
        key, eq, value = pair.partition("=")
        if eq and value and is_sensitive_query_param(key):
            value = names.reference(f"query {key}", f"query parameter {key}")
        pairs.append(f"{key}{eq}{value}")
    scheme, sep, after = base.partition("://")
    authority, slash, path = after.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if at and ":" in userinfo:
        user = userinfo.partition(":")[0]
        authority = f"{user}:{names.reference('url password', 'URL password')}@{host}"
        base = f"{scheme}{sep}{authority}{slash}{path}"
    rebuilt = base + (question + "&".join(pairs) if question else "") + hash_mark + fragment
    return _scrub_template(rebuilt, scrubber)


def _scrub_template(text: str, scrubber: Redactor) -> str:
    out = []
    for part in segments(text):
        if part.reference:
            out.append("{{" + part.reference + "}}")
        else:
            out.append(scrubber.scrub(part.text).replace("{{", "\\{{"))
    return "".join(out)


# --- shell quoting ------------------------------------------------------------------------------


def shell_word(template: str) -> str:
    """One shell word that the shell turns back into `template`'s text, with references as
    `${NAME}` (session variables `{{name}}` become `${NAME}` too)."""
    parts = segments(template)
    if not any(part.reference for part in parts):
        return quote_literal("".join(part.text for part in parts))
    literal = "".join(part.text for part in parts)
    if not _needs_ansi_c(literal) and "!" not in literal:
        body = "".join(
            "${" + _env_name(part.reference) + "}" if part.reference else _in_double(part.text)
            for part in parts
        )
        return f'"{body}"'
    return "".join(
        '"${' + _env_name(part.reference) + '}"' if part.reference else quote_literal(part.text)
        for part in parts
    )


def quote_literal(text: str) -> str:
    """POSIX quoting: bare when safe, single quotes (`'\\''` for a quote) otherwise, and
    `$'...'` only for control characters, which single quotes would carry invisibly."""
    if text and _SAFE_WORD.fullmatch(text):
        return text
    if _needs_ansi_c(text):
        return "$'" + "".join(_ansi_c(char) for char in text) + "'"
    return "'" + text.replace("'", "'\\''") + "'"


def _needs_ansi_c(text: str) -> bool:
    return any(ord(char) < 0x20 or ord(char) == 0x7F for char in text)


def _ansi_c(char: str) -> str:
    special = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\", "'": "\\'"}
    if char in special:
        return special[char]
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f"\\x{ord(char):02x}"
    return char


def _in_double(text: str) -> str:
    return re.sub(r'([\\"$`])', r"\\\1", text)


def _env_name(reference: str) -> str:
    name = reference[len(ENV_PREFIX) :] if reference.startswith(ENV_PREFIX) else reference
    if reference.startswith(ENV_PREFIX):
        return name
    return re.sub(r"[^A-Za-z0-9_]", "_", name).upper()
