"""Query parameters <-> URL text, for the query tab.

The URL string in `model.Request.url` stays the source of truth; the query tab reads its
parameters from it and writes edits back through these functions. Everything the user did not
touch keeps its exact text: `{{variables}}` (even ones containing `?`, `&` or spaces), the order,
duplicates, `a` versus `a=`, and the original percent-encoding. Only a parameter that is edited
is re-encoded, and then only the part (name or value) that changed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, unquote

# `{{ name }}` as the templating module writes it; kept verbatim, never encoded or split.
TEMPLATE_RE = re.compile(r"\{\{.*?\}\}")

# Characters left as they are when encoding a name or value typed into the query table: those
# a query component may hold literally, minus the separators `&`, `=`, `#` and `+` (a `+` reads
# as a space to most servers, so a typed one is sent as %2B). Braces outside a complete
# `{{template}}` are encoded so they can never pair up with another parameter's.
_SAFE = "!$'()*,/:;?@~[]|^`"


@dataclass(frozen=True, slots=True)
class QueryParam:
    """One `name=value` piece of a query string.

    `name` and `value` are what a person reads (percent-decoded, templates untouched);
    `raw_name` and `raw_value` are the exact text in the URL. `has_value` tells `a=` (blank
    value) from `a` (no value at all).
    """

    name: str
    value: str
    raw_name: str
    raw_value: str
    has_value: bool = True

    @property
    def raw(self) -> str:
        return f"{self.raw_name}={self.raw_value}" if self.has_value else self.raw_name


@dataclass(frozen=True, slots=True)
class UrlParts:
    """A URL cut at its first `?` and `#` that are outside `{{templates}}`."""

    base: str  # everything before the query
    query: str | None  # None: no `?` at all; "" : a `?` with nothing after it
    fragment: str | None  # None: no `#`

    def join(self) -> str:
        text = self.base
        if self.query is not None:
            text += "?" + self.query
        if self.fragment is not None:
            text += "#" + self.fragment
        return text


def _outside_templates(text: str, char: str, start: int = 0) -> int:
    """Index of the first `char` at or after `start` that is not inside a template, or -1."""
    spans = [m.span() for m in TEMPLATE_RE.finditer(text)]
    index = text.find(char, start)
    while index != -1:
        inside = next((end for begin, end in spans if begin <= index < end), None)
        if inside is None:
            return index
        index = text.find(char, inside)
    return -1


def split_url(url: str) -> UrlParts:
    hash_at = _outside_templates(url, "#")
    before_fragment = url if hash_at == -1 else url[:hash_at]
    fragment = None if hash_at == -1 else url[hash_at + 1 :]
    query_at = _outside_templates(before_fragment, "?")
    if query_at == -1:
        return UrlParts(before_fragment, None, fragment)
    return UrlParts(before_fragment[:query_at], before_fragment[query_at + 1 :], fragment)


def _split_outside_templates(text: str, char: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    while True:
        index = _outside_templates(text, char, start)
        if index == -1:
            pieces.append(text[start:])
            return pieces
        pieces.append(text[start:index])
        start = index + 1


def _decode(raw: str) -> str:
    """Percent-decode the text between templates; templates stay as written."""
    out: list[str] = []
    last = 0
    for match in TEMPLATE_RE.finditer(raw):
        out.append(unquote(raw[last : match.start()]))
        out.append(match.group())
        last = match.end()
    out.append(unquote(raw[last:]))
    return "".join(out)


def _encode(text: str, safe: str) -> str:
    """Percent-encode the text between templates (UTF-8); templates stay as written."""
    out: list[str] = []
    last = 0
    for match in TEMPLATE_RE.finditer(text):
        out.append(quote(text[last : match.start()], safe=safe))
        out.append(match.group())
        last = match.end()
    out.append(quote(text[last:], safe=safe))
    return "".join(out)


def parse_piece(raw: str) -> QueryParam:
    """One `name=value` piece as it appears in a URL."""
    equals = _outside_templates(raw, "=")
    if equals == -1:
        return QueryParam(_decode(raw), "", raw, "", has_value=False)
    raw_name, raw_value = raw[:equals], raw[equals + 1 :]
    return QueryParam(_decode(raw_name), _decode(raw_value), raw_name, raw_value)


def make_param(name: str, value: str, *, has_value: bool = True) -> QueryParam:
    """A parameter typed by a person, encoded for the URL."""
    raw_value = _encode(value, _SAFE) if has_value else ""
    return QueryParam(name, value if has_value else "", _encode(name, _SAFE), raw_value, has_value)


def edit_param(
    param: QueryParam, *, name: str | None = None, value: str | None = None
) -> QueryParam:
    """`param` with a new name and/or value; the part that did not change keeps its exact text.

    Setting a value on a bare `a` gives `a=value`; an empty value keeps `a=` or `a` as it was.
    """
    new_name = param.name if name is None else name
    new_value = param.value if value is None else value
    raw_name = param.raw_name if new_name == param.name else _encode(new_name, _SAFE)
    if new_value == param.value:
        return QueryParam(new_name, new_value, raw_name, param.raw_value, param.has_value)
    return QueryParam(new_name, new_value, raw_name, _encode(new_value, _SAFE), True)


def query_params(url: str) -> tuple[QueryParam, ...]:
    """The parameters of `url`'s query in order, duplicates kept; empty pieces (`a&&b`) are
    not parameters and are skipped."""
    query = split_url(url).query
    if not query:
        return ()
    return tuple(parse_piece(piece) for piece in _split_outside_templates(query, "&") if piece)


def with_query_params(url: str, params: Sequence[QueryParam]) -> str:
    """`url` with its query replaced by `params` (each written as its raw text).

    Base and fragment are untouched; no parameters left removes the `?`.
    """
    if tuple(params) == query_params(url):
        # Nothing changed: keep the original text, including empty pieces (`a&&b`).
        return url
    parts = split_url(url)
    query = "&".join(param.raw for param in params) if params else None
    return UrlParts(parts.base, query, parts.fragment).join()


def set_param(url: str, index: int, *, name: str | None = None, value: str | None = None) -> str:
    """`url` with parameter `index` renamed and/or given a new value."""
    params = list(query_params(url))
    params[index] = edit_param(params[index], name=name, value=value)
    return with_query_params(url, params)


def add_param(url: str, name: str, value: str = "") -> str:
    return with_query_params(url, [*query_params(url), make_param(name, value)])


def remove_param(url: str, index: int) -> str:
    params = list(query_params(url))
    del params[index]
    return with_query_params(url, params)
