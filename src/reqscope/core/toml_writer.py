"""A TOML layout for files people read and diff, on top of tomli-w's value formatting.

tomli-w alone writes every array item on its own line (a header pair takes four lines),
switches between inline tables and `[[tables]]` depending on their length (so one long value
reshapes a whole file), and folds CRLF into LF inside multi-line strings. Here the layout is
fixed instead: top-level lists of tables are `[[arrays of tables]]`, nested ones are arrays of
inline tables one per line, short arrays stay on one line, and multi-line text is a literal
`'''` string when it can be (JSON bodies stay readable), a `\"\"\"` string otherwise, and a
one-line escaped string when it holds a carriage return.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import tomli_w

MAX_LINE_LENGTH = 100
INDENT = "    "
_BARE_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
# Control characters a literal string cannot hold (TOML allows only tab, and newline when
# multi-line); DEL included.
_LITERAL_FORBIDDEN = frozenset(chr(i) for i in range(32) if chr(i) not in "\t\n") | {"\x7f"}


def render(document: Mapping[str, Any]) -> str:
    """The document as TOML text; `tomllib.loads(render(d)) == d` for any TOML-able `d`."""
    blocks: list[list[str]] = []
    _table(document, (), blocks, header=None)
    return "\n\n".join("\n".join(lines) for lines in blocks if lines) + "\n"


def _table(
    table: Mapping[str, Any],
    path: tuple[str, ...],
    blocks: list[list[str]],
    header: str | None,
) -> None:
    lines = [header] if header is not None else []
    blocks.append(lines)
    subtables: list[tuple[str, Any]] = []
    for key, value in table.items():
        if isinstance(value, Mapping) or (not path and _is_table_list(value)):
            subtables.append((key, value))
        else:
            lines.append(_key_value(key, value))
    for key, value in subtables:
        child = (*path, _key(key))
        dotted = ".".join(child)
        if isinstance(value, Mapping):
            _table(value, child, blocks, header=f"[{dotted}]")
        else:
            for item in value:
                _table(item, child, blocks, header=f"[[{dotted}]]")


def _key_value(key: str, value: Any) -> str:
    prefix = f"{_key(key)} = "
    if isinstance(value, str):
        return prefix + _string(value, multiline=True)
    if isinstance(value, list | tuple):
        return prefix + _array(value, len(prefix))
    return prefix + _value(value)


def _array(items: Sequence[Any], width_used: int) -> str:
    if not items:
        return "[]"
    rendered = [_value(item) for item in items]
    one_line = "[" + ", ".join(rendered) + "]"
    nested = any(isinstance(item, Mapping | list | tuple) for item in items)
    if not nested and width_used + len(one_line) <= MAX_LINE_LENGTH:
        return one_line
    return "[\n" + "".join(f"{INDENT}{item},\n" for item in rendered) + "]"


def _value(value: Any) -> str:
    """A value on one line (inside arrays and inline tables nothing may span lines)."""
    if isinstance(value, str):
        return _string(value, multiline=False)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, datetime):
        return value.isoformat()
    return _tomli_w_value(value, multiline=False)


def _string(text: str, *, multiline: bool) -> str:
    if multiline and "\n" in text:
        if _literal_allowed(text, multiline=True) and not text.endswith("'"):
            return "'''\n" + text + "'''"
        if "\r" not in text:
            return _tomli_w_value(text, multiline=True)
    if ('"' in text or "\\" in text) and _literal_allowed(text, multiline=False):
        return f"'{text}'"
    return _tomli_w_value(text, multiline=False)


def _literal_allowed(text: str, *, multiline: bool) -> bool:
    if multiline:
        return "'''" not in text and _LITERAL_FORBIDDEN.isdisjoint(text)
    return "'" not in text and "\n" not in text and _LITERAL_FORBIDDEN.isdisjoint(text)


def _tomli_w_value(value: Any, *, multiline: bool) -> str:
    rendered = tomli_w.dumps({"v": value}, multiline_strings=multiline)
    return rendered[len("v = ") : -1]


def _key(key: str) -> str:
    if key and _BARE_KEY_CHARS.issuperset(key):
        return key
    return _string(key, multiline=False)


def _is_table_list(value: Any) -> bool:
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(isinstance(item, Mapping) for item in value)
    )


__all__ = ["render"]
