"""`{{variable}}` expansion: turns the request the user edits into the request that is sent,
and collects every secret value on the way so the redactor can mask it wherever it shows up.

Syntax (see docs/session-format.md): `{{name}}` is a session variable, `{{env.NAME}}` an
environment variable; spaces inside the braces are allowed. `\\{{` writes a literal `{{`. Text
that merely looks like braces (`{{"a": 1}}`) is left alone: only a valid name is a reference.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar, NoReturn

from reqscope.core.errors import TemplateError
from reqscope.core.model import (
    Auth,
    FormField,
    Header,
    Request,
    RequestOptions,
    Variable,
)
from reqscope.core.redact import secrets_in_request

ENV_PREFIX = "env."

# A reference: optional escaping backslash, then `{{ name }}`. Only names that could be a
# variable match, so JSON or Go-template text in a body is never mistaken for one.
_REFERENCE = re.compile(r"(\\?)\{\{\s*([A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_\-]+)*)\s*\}\}")
_ESCAPED_OPEN = re.compile(r"\\\{\{")
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")

_ExpandFn = Callable[[str, str], str]


@dataclass(frozen=True)
class Expansion:
    """The request ready to send, and the secret values it contains (for the Redactor)."""

    request: Request
    secrets: frozenset[str]


@dataclass(frozen=True)
class VariableUse:
    """One `{{name}}` reference and where it appears (for highlighting and previews)."""

    name: str  # "token", or "env.API_TOKEN"
    where: str  # "URL", "header 'Authorization'", "body" ...

    @property
    def is_env(self) -> bool:
        return self.name.startswith(ENV_PREFIX)


def variables_in(text: str) -> list[str]:
    """The names referenced in `text`, in order of first appearance, without duplicates."""
    names: list[str] = []
    for match in _REFERENCE.finditer(text):
        if not match.group(1) and match.group(2) not in names:
            names.append(match.group(2))
    return names


def has_references(text: str) -> bool:
    """True when `text` contains at least one (unescaped) `{{reference}}`."""
    return any(not match.group(1) for match in _REFERENCE.finditer(text))


def escape(text: str) -> str:
    """Make `text` expand to itself (every `{{` written `\\{{`)."""
    return text.replace("{{", "\\{{")


def find_variables(request: Request) -> list[VariableUse]:
    """Every reference in the request's enabled parts, with where it is used."""
    uses: list[VariableUse] = []
    for where, text in _template_fields(request):
        uses.extend(VariableUse(name, where) for name in variables_in(text))
    return uses


def expand_text(
    text: str,
    variables: Sequence[Variable] = (),
    env: Mapping[str, str] | None = None,
    *,
    where: str = "text",
) -> str:
    """Expand one string (for previews and the CLI); `where` names it in error messages."""
    expander = _Expander(variables, os.environ if env is None else env, "")
    return expander.expand(text, where)


def expand_request(
    request: Request,
    variables: Sequence[Variable] = (),
    env: Mapping[str, str] | None = None,
) -> Expansion:
    """Expand every `{{reference}}` in the request, and collect its secret values.

    Disabled headers and form fields are left unexpanded: they are not sent, so an undefined
    variable in them is not an error.
    """
    expander = _Expander(variables, os.environ if env is None else env, request.name)
    expand = expander.expand
    # Most parts hold no `{{`: they are kept as they are, without building labels or new
    # objects (dataclasses.replace was most of a replayed request's expansion time).
    changes: dict[str, object] = {}
    if _has_open(request.url):
        changes["url"] = expand(request.url, "URL")
    if _has_open(request.body):
        changes["body"] = expand(request.body, "body")
    if any(h.enabled and (_has_open(h.name) or _has_open(h.value)) for h in request.headers):
        changes["headers"] = tuple(
            Header(expand(h.name, "header name"), expand(h.value, f"header {h.name!r}"), True)
            if h.enabled
            else h
            for h in request.headers
        )
    if any(f.enabled and _field_has_open(f) for f in request.form):
        changes["form"] = tuple(_expand_field(f, expand) if f.enabled else f for f in request.form)
    auth = request.auth
    if _has_open(auth.token, auth.username, auth.password, auth.key_name):
        changes["auth"] = replace(
            auth,
            token=expand(auth.token, "auth token"),
            username=expand(auth.username, "auth username"),
            password=expand(auth.password, "auth password"),
            key_name=expand(auth.key_name, "auth key name"),
        )
    opts = request.options
    if _has_open(opts.ca_bundle, opts.client_cert, opts.client_key, opts.proxy):
        changes["options"] = replace(
            opts,
            ca_bundle=expand(opts.ca_bundle, "option ca_bundle"),
            client_cert=expand(opts.client_cert, "option client_cert"),
            client_key=expand(opts.client_key, "option client_key"),
            proxy=expand(opts.proxy, "option proxy"),
        )
    expanded = replace(request, **changes) if changes else request  # type: ignore[arg-type]
    secrets = set(expander.secrets)
    secrets.update(expander.secret_variable_values())
    secrets.update(secrets_in_request(expanded))
    return Expansion(expanded, frozenset(s for s in secrets if s))


def load_env_file(path: str | Path) -> dict[str, str]:
    """Read a `.env` file: `KEY=value` lines, optional `export`, `#` comments, single quotes
    (literal) and double quotes (with `\\n \\t \\r \\" \\\\` escapes; may span lines)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TemplateError(f"{file}: env file not found") from None
    except IsADirectoryError:
        raise TemplateError(f"{file}: is a directory, not an env file") from None
    except UnicodeDecodeError as exc:
        raise TemplateError(f"{file}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise TemplateError(f"{file}: cannot read env file ({exc.strerror})") from None
    return _EnvParser(str(file), text).parse()


# --- internals --------------------------------------------------------------------------------


def _template_fields(request: Request) -> Iterable[tuple[str, str]]:
    yield "URL", request.url
    for header in request.headers:
        if header.enabled:
            yield "header name", header.name
            yield f"header {header.name!r}", header.value
    yield "body", request.body
    for fld in request.form:
        if fld.enabled:
            yield "form field name", fld.name
            yield f"form field {fld.name!r}", fld.value
            yield f"form field {fld.name!r} file", fld.file
            yield f"form field {fld.name!r} filename", fld.filename
            yield f"form field {fld.name!r} content type", fld.content_type
    auth: Auth = request.auth
    yield "auth token", auth.token
    yield "auth username", auth.username
    yield "auth password", auth.password
    yield "auth key name", auth.key_name
    opts: RequestOptions = request.options
    yield "option ca_bundle", opts.ca_bundle
    yield "option client_cert", opts.client_cert
    yield "option client_key", opts.client_key
    yield "option proxy", opts.proxy


def _has_open(*texts: str) -> bool:
    """Whether any text may hold a reference; without `{{` expansion returns it unchanged."""
    for text in texts:  # noqa: SIM110 - a plain loop: any() over a generator costs more
        if "{{" in text:
            return True
    return False


def _field_has_open(fld: FormField) -> bool:
    return _has_open(fld.name, fld.value, fld.file, fld.filename, fld.content_type)


def _expand_field(fld: FormField, expand: _ExpandFn) -> FormField:
    label = f"form field {fld.name!r}"
    return replace(
        fld,
        name=expand(fld.name, "form field name"),
        value=expand(fld.value, label),
        file=expand(fld.file, f"{label} file"),
        filename=expand(fld.filename, f"{label} filename"),
        content_type=expand(fld.content_type, f"{label} content type"),
    )


class _Expander:
    """Expands references against one set of variables, remembering resolved values and the
    secrets met. A variable's value may reference other variables; cycles are errors."""

    def __init__(
        self, variables: Sequence[Variable], env: Mapping[str, str], request_name: str
    ) -> None:
        self._variables = {v.name: v for v in variables}
        self._env = env
        self._request_name = request_name
        self._resolved: dict[str, str] = {}
        self.secrets: set[str] = set()

    def expand(self, text: str, where: str) -> str:
        return self._expand(text, where, ())

    def secret_variable_values(self) -> set[str]:
        """Values of every secret variable that has one, used or not: a secret may come back
        in a response even if this request did not send it."""
        values: set[str] = set()
        for var in self._variables.values():
            if not var.secret:
                continue
            if var.name in self._resolved:
                values.add(self._resolved[var.name])
            elif var.value:
                values.add(var.value)
        return values

    def _expand(self, text: str, where: str, chain: tuple[str, ...]) -> str:
        if "{{" not in text:
            return text

        def substitute(match: re.Match[str]) -> str:
            if match.group(1):
                return match.group(0)  # escaped: unescaped below, after substitution
            return self._resolve(match.group(2), where, chain)

        pieces: list[str] = []
        last = 0
        # Substitute and unescape in one pass so a value is never re-scanned.
        for match in _REFERENCE.finditer(text):
            pieces.append(_ESCAPED_OPEN.sub("{{", text[last : match.start()]))
            if match.group(1):
                pieces.append(match.group(0)[1:])
            else:
                pieces.append(substitute(match))
            last = match.end()
        pieces.append(_ESCAPED_OPEN.sub("{{", text[last:]))
        return "".join(pieces)

    def _resolve(self, name: str, where: str, chain: tuple[str, ...]) -> str:
        if name.startswith(ENV_PREFIX):
            return self._env_value(name[len(ENV_PREFIX) :], where, chain)
        if name in self._resolved:
            return self._resolved[name]
        if name in chain:
            cycle = " -> ".join((*chain[chain.index(name) :], name))
            raise TemplateError(f"variable cycle {cycle} {self._place(where, ())}")
        var = self._variables.get(name)
        if var is None:
            hint = _suggest(name, self._variables)
            raise TemplateError(f"undefined variable {name!r} {self._place(where, chain)}{hint}")
        if var.secret and not var.value:
            value = self._secret_from_env(var, where, chain)
        else:
            value = self._expand(var.value, where, (*chain, name))
        if var.secret:
            self.secrets.add(value)
        self._resolved[name] = value
        return value

    def _env_value(self, key: str, where: str, chain: tuple[str, ...]) -> str:
        value = self._env.get(key)
        if value is None:
            close = difflib.get_close_matches(key, list(self._env), n=1, cutoff=0.8)
            hint = f" (did you mean 'env.{close[0]}'?)" if close else ""
            raise TemplateError(
                f"undefined environment variable {key!r} {self._place(where, chain)}{hint}"
            )
        self.secrets.add(value)
        return value

    def _secret_from_env(self, var: Variable, where: str, chain: tuple[str, ...]) -> str:
        """A secret variable's value is never saved, so it comes from the environment: the
        same name, or its upper-case form (`api_token` from `API_TOKEN`)."""
        for key in (var.name, var.name.upper()):
            if key in self._env:
                return self._env[key]
        raise TemplateError(
            f"secret variable {var.name!r} has no value {self._place(where, chain)}; "
            f"set {var.name.upper()} in the environment or an env file, or give it a value"
        )

    def _place(self, where: str, chain: tuple[str, ...]) -> str:
        place = f"in {where}"
        if self._request_name:
            place += f" of request {self._request_name!r}"
        if chain:
            place = f"in variable {chain[-1]!r}, used {place}"
        return place


def _suggest(name: str, variables: Mapping[str, Variable]) -> str:
    close = difflib.get_close_matches(name, list(variables), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _EnvParser:
    """A small `.env` reader; no `${VAR}` interpolation (values are taken literally)."""

    _KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
    _ESCAPES: ClassVar[dict[str, str]] = {
        "n": "\n",
        "t": "\t",
        "r": "\r",
        '"': '"',
        "\\": "\\",
        "$": "$",
    }

    def __init__(self, source: str, text: str) -> None:
        self._source = source
        self._text = text.replace("\r\n", "\n")

    def parse(self) -> dict[str, str]:
        values: dict[str, str] = {}
        lines = self._text.split("\n")
        index = 0
        while index < len(lines):
            line_no = index + 1
            line = lines[index].strip()
            index += 1
            if not line or line.startswith("#"):
                continue
            if line.startswith("export ") or line.startswith("export\t"):
                line = line[len("export") :].lstrip()
            key, eq, rest = line.partition("=")
            key = key.strip()
            if not eq:
                self._fail(line_no, f"expected KEY=value, got {line[:40]!r}")
            if not self._KEY.fullmatch(key):
                self._fail(line_no, f"invalid variable name {key!r}")
            rest = rest.lstrip()
            if rest[:1] in ("'", '"'):
                quote = rest[0]
                body = rest[1:]
                # A quoted value may continue on the following lines until its closing quote.
                while (end := self._closing_quote(body, quote)) < 0:
                    if index >= len(lines):
                        self._fail(line_no, f"unterminated {quote} quote for {key}")
                    body += "\n" + lines[index]
                    index += 1
                raw, tail = body[:end], body[end + 1 :].strip()
                if tail and not tail.startswith("#"):
                    self._fail(line_no, f"unexpected text after the closing quote of {key}")
                values[key] = self._unescape(raw, line_no) if quote == '"' else raw
            else:
                # Unquoted: an inline comment starts at " #".
                comment = re.search(r"\s#", rest)
                values[key] = (rest[: comment.start()] if comment else rest).strip()
        return values

    @staticmethod
    def _closing_quote(body: str, quote: str) -> int:
        i = 0
        while i < len(body):
            if body[i] == "\\" and quote == '"':
                i += 2
                continue
            if body[i] == quote:
                return i
            i += 1
        return -1

    def _unescape(self, raw: str, line_no: int) -> str:
        out: list[str] = []
        i = 0
        while i < len(raw):
            char = raw[i]
            if char == "\\" and i + 1 < len(raw):
                nxt = raw[i + 1]
                if nxt not in self._ESCAPES:
                    self._fail(line_no, f"unknown escape \\{nxt} in a double-quoted value")
                out.append(self._ESCAPES[nxt])
                i += 2
                continue
            out.append(char)
            i += 1
        return "".join(out)

    def _fail(self, line_no: int, message: str) -> NoReturn:
        raise TemplateError(f"{self._source}:{line_no}: {message}")


__all__ = [
    "ENV_PREFIX",
    "VARIABLE_NAME",
    "Expansion",
    "VariableUse",
    "escape",
    "expand_request",
    "expand_text",
    "find_variables",
    "has_references",
    "load_env_file",
    "variables_in",
]
