"""A TOML writer for files people read and diff, correct by construction.

Generic writers (tomli-w) write every array item on its own line (a header pair takes four
lines), switch between inline tables and `[[tables]]` depending on their length (so one long
value reshapes a whole file), and fold CRLF into LF inside multi-line strings. Here the layout
is fixed instead: top-level lists of tables are `[[arrays of tables]]`, nested ones are arrays
of inline tables one per line, short arrays stay on one line, and multi-line text is a literal
`'''` string when it can be (JSON bodies stay readable), else a `\"\"\"` string with escapes
(a CR is written `\\r`, so CRLF text keeps its bytes and still reads line by line).

Every string goes through one of four emitters, each with the exact rule of the TOML 1.0 spec
for what it may hold, so the output needs no re-parse to be trusted: `tomllib.loads(render(d))
== d` for any document made of str keys, str, int, float, bool, datetime/date/time, lists and
mappings (proved by the property tests in tests/core/test_store_toml_writer.py). What TOML
cannot hold (a lone surrogate, a time with an offset, an offset of seconds) is a
TomlWriteError, never a file that reads back different. The fast path matters: a session
holding a HAR import is hundreds of MB of strings, so each string is checked by one regex
scan (C speed) and escaped only where needed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

MAX_LINE_LENGTH = 100
INDENT = "    "

_BARE_KEY = re.compile(r"[A-Za-z0-9_\-]+")
# What a literal string cannot hold (TOML: no control character but tab; a multi-line one may
# hold newlines), plus lone surrogates, which no TOML string can hold.
_NOT_LITERAL_ONE_LINE = re.compile("[\x00-\x08\x0a-\x1f\x7f'\ud800-\udfff]")
_NOT_LITERAL_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")  # and no '''
# What a basic string must escape (`\\`, `"`, CR and, on one line, LF are done first with
# str.replace, which is much faster than a regex callback on CRLF or quote-heavy text).
_NEEDS_ESCAPE = re.compile('[\x00-\x08\x0a-\x1f\x7f"\\\\]')
_OTHER_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# The control characters left for _OTHER_CONTROLS to escape.
_ESCAPES = {chr(i): f"\\u{i:04x}" for i in (*range(32), 0x7F)} | {"\b": "\\b", "\f": "\\f"}


class TomlWriteError(ValueError):
    """A value TOML cannot represent; the message says which and why."""


def render(document: Mapping[str, Any]) -> str:
    """The document as TOML text; `tomllib.loads(render(d)) == d` for any TOML-able `d`."""
    blocks: list[str] = []
    _table(document, "", blocks, header=None)
    return "\n\n".join(blocks) + "\n"


def _table(table: Mapping[str, Any], path: str, blocks: list[str], header: str | None) -> None:
    lines = [header] if header is not None else []
    subtables: list[tuple[str, Any]] = []
    for key, value in table.items():
        if isinstance(value, Mapping) or (not path and _is_table_list(value)):
            subtables.append((key, value))
        else:
            lines.append(_key_value(key, value))
    if lines:
        blocks.append("\n".join(lines))
    for key, value in subtables:
        child = f"{path}.{_key(key)}" if path else _key(key)
        if isinstance(value, Mapping):
            _table(value, child, blocks, header=f"[{child}]")
        else:
            for item in value:
                _table(item, child, blocks, header=f"[[{child}]]")


def _key_value(key: str, value: Any) -> str:
    prefix = f"{_key(key)} = "
    if isinstance(value, str):
        return prefix + (_multiline_string(value) if "\n" in value else _string(value))
    if isinstance(value, list | tuple):
        return prefix + _array(value, len(prefix))
    return prefix + _value(value)


def _array(items: Sequence[Any], width_used: int) -> str:
    if not items:
        return "[]"
    rendered = [_value(item) for item in items]
    if not any(isinstance(item, Mapping | list | tuple) for item in items):
        one_line = "[" + ", ".join(rendered) + "]"
        if width_used + len(one_line) <= MAX_LINE_LENGTH:
            return one_line
    return "[\n" + "".join([f"{INDENT}{item},\n" for item in rendered]) + "]"


def _value(value: Any) -> str:
    """A value on one line (inside arrays and inline tables nothing may span lines)."""
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join([f"{_key(k)} = {_value(v)}" for k, v in value.items()]) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join([_value(item) for item in value]) + "]"
    if isinstance(value, datetime | date | time):
        return _moment(value)
    raise TomlWriteError(f"TOML cannot hold a {type(value).__name__} ({value!r:.40})")


def _string(text: str) -> str:
    """One line: a literal `'...'` when the text has quotes or backslashes to keep readable,
    else a basic `"..."` string, escaped where it must be."""
    if ('"' in text or "\\" in text) and not _NOT_LITERAL_ONE_LINE.search(text):
        return f"'{text}'"
    if not text.isascii():
        _refuse_surrogates(text)
    if _NEEDS_ESCAPE.search(text):
        text = _escape_basic(text).replace("\n", "\\n")
    return f'"{text}"'


def _multiline_string(text: str) -> str:
    """Text with newlines. A literal `'''` string when it can hold the text as is (it cannot
    end in a quote, which would merge with the delimiter); else a basic `\"\"\"` string. The
    newline right after the opening delimiter is dropped by TOML, so one is always written."""
    if not text.endswith("'") and "'''" not in text and not _NOT_LITERAL_MULTILINE.search(text):
        return "'''\n" + text + "'''"
    if not text.isascii():
        _refuse_surrogates(text)
    return '"""\n' + _escape_basic(text) + '"""'


def _escape_basic(text: str) -> str:
    """Escapes for a basic string, all but LF (which a multi-line string keeps)."""
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r")
    if _OTHER_CONTROLS.search(text):
        text = _OTHER_CONTROLS.sub(_escape, text)
    return text


def _escape(match: re.Match[str]) -> str:
    return _ESCAPES[match.group()]


def _refuse_surrogates(text: str) -> None:
    found = _SURROGATE.search(text)
    if found is not None:
        code = ord(found.group())
        raise TomlWriteError(
            f"the text holds U+{code:04X} at character {found.start() + 1}, a lone surrogate "
            "(a byte that is not UTF-8 text); TOML strings hold only Unicode text"
        )


def _float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)  # shortest text that reads back as the same float, e.g. 1e+16, 0.1


def _moment(value: datetime | date | time) -> str:
    if isinstance(value, datetime | time):
        offset = value.utcoffset()
        if offset is not None and (isinstance(value, time) or offset % timedelta(minutes=1)):
            raise TomlWriteError(
                f"TOML cannot hold {value!r:.60}: times cannot have offsets, "
                "and offsets are whole minutes"
            )
    return value.isoformat()


def _key(key: str) -> str:
    if not isinstance(key, str):
        raise TomlWriteError(f"TOML keys are strings, not {type(key).__name__} ({key!r:.40})")
    if _BARE_KEY.fullmatch(key):
        return key
    return _string(key)


def _is_table_list(value: Any) -> bool:
    if not isinstance(value, list | tuple) or not value:
        return False
    return all(isinstance(item, Mapping) for item in value)


__all__ = ["TomlWriteError", "render"]
