"""The TOML writer is correct by construction: whatever it writes, tomllib reads back as the
same document, so the store needs no re-parse. Proven by a property over any TOML document
and by the strings that break writers, one by one."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reqscope.core.toml_writer import TomlWriteError, render

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Every code point TOML can hold (no lone surrogates), with the troublemakers made frequent.
_CHARS = st.one_of(
    st.characters(blacklist_categories=("Cs",)),
    st.sampled_from(list("'\"\\\n\r\t\x00\x01\x08\x0b\x0c\x1b\x7f\x85\u2028 #=[]{}.,é日🙂")),
)
_PIECES = st.sampled_from(["'''", '"""', "''", '""', "\r\n", "\\n", "\\", "'", '"', " \n", "\t"])
strings = st.one_of(
    st.text(_CHARS, max_size=40),
    st.lists(st.one_of(_PIECES, st.text(_CHARS, max_size=4)), max_size=6).map("".join),
)
_offsets = st.none() | st.integers(-23 * 60 - 59, 23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
datetimes = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)),
    _offsets,
)
scalars = st.one_of(
    strings,
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),  # NaN is written (`nan`) but never equals itself
    datetimes,
    st.dates(min_value=date(1000, 1, 1)),
    st.times(),
)


def _documents() -> st.SearchStrategy[dict[str, Any]]:
    values = st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(strings, inner, max_size=4),
        ),
        max_leaves=20,
    )
    tables = st.dictionaries(strings, values, max_size=5)
    # Top-level lists of tables become [[arrays of tables]]; make them common.
    table_lists = st.lists(tables, min_size=1, max_size=3)
    return st.dictionaries(strings, st.one_of(values, tables, table_lists), max_size=6)


@PROPERTY
@given(_documents())
def test_any_document_reads_back_the_same(document: dict[str, Any]) -> None:
    assert tomllib.loads(render(document)) == document


@PROPERTY
@given(strings)
def test_any_string_reads_back_the_same_wherever_it_is(text: str) -> None:
    document = {
        "top": text,
        "in_array": [text, text],
        "inline": [{"k": text}],
        text: 1,
        "table": {text: text, "deep": {"x": text}},
        "aot": [{"v": text}, {text: [text]}],
    }
    assert tomllib.loads(render(document)) == document


TRICKY = {
    "empty": "",
    "multi-line": "line 1\nline 2\n",
    "starts with a newline": "\nafter",
    "only newlines": "\n\n\n",
    "double quotes": 'say "hi"',
    "single quotes": "it's",
    "both quotes": 'it\'s "x"',
    "backslashes": "C:\\temp\\new",
    "backslash at the end": "ends\\",
    "backslash before newline": "a\\\nb",
    "quote at the end of multi-line": "a\nb'",
    "double quote at the end of multi-line": 'a\nb"',
    "triple single quotes": "x\n'''\ny",
    "triple double quotes": 'x\n"""\ny',
    "four quotes": "a\n''''",
    "control characters": "a\x00b\x01c\x08d\x0be\x0cf\x1bg\x7fh",
    "control characters multi-line": "a\x00\nb\x1b[31m\n",
    "tab": "a\tb\n\tc",
    "CR alone": "a\rb",
    "CRLF lines": "a\r\nb\r\n",
    "mixed line ends": "a\r\nb\nc\r",
    "trailing spaces": "a   \nb  \n  ",
    "unicode": "日本語 é 🙂 \u2028 \u0085 \ufeff",
    "JSON": '{\n  "a": "b\\"c",\n  "d": [1, 2]\n}\n',
    "template braces": "{{token}} \\{{x}} {{ env.HOME }}",
    "comment-like": "# not a comment\n[not.a.table]\nkey = 'value'",
}


@pytest.mark.parametrize("text", list(TRICKY.values()), ids=list(TRICKY))
def test_tricky_strings_read_back_the_same(text: str) -> None:
    document = {"body": text, "pairs": [["Name", text]], "aot": [{"value": text}]}
    rendered = render(document)
    assert tomllib.loads(rendered) == document


def test_text_with_newlines_is_written_line_by_line() -> None:
    # JSON: a literal string, exactly as it is (readable, diffable)
    assert (
        render({"body": '{\n  "a": "b\\"c"\n}\n'}) == "body = '''\n{\n  \"a\": \"b\\\"c\"\n}\n'''\n"
    )
    # CRLF: escaped \r but still one line per line, so the bytes survive and diffs stay small
    assert render({"body": "a\r\nb\r\n"}) == 'body = """\na\\r\nb\\r\n"""\n'
    # a quote at the end cannot touch the literal delimiter: a basic string instead
    assert render({"body": "a\nb'"}) == 'body = """\na\nb\'"""\n'


def test_short_strings_stay_readable() -> None:
    assert render({"v": 'say "hi"'}) == "v = 'say \"hi\"'\n"
    assert render({"v": 'it\'s "x"'}) == 'v = "it\'s \\"x\\""\n'
    assert render({"v": "a\x00b\x1b"}) == 'v = "a\\u0000b\\u001b"\n'
    assert render({"a b": 1, "ok_key-1": 2}) == '"a b" = 1\nok_key-1 = 2\n'


def test_layout_tables_arrays_and_inline_tables() -> None:
    document = {
        "format": 1,
        "tags": ["a", "b"],
        "requests": [
            {"name": "r", "headers": [["A", "1"], ["B", "2"]], "auth": {"kind": "bearer"}},
            {"name": "s", "expect": [{"target": "status", "op": "equals"}]},
        ],
    }
    assert render(document) == (
        "format = 1\n"
        'tags = ["a", "b"]\n'
        "\n"
        "[[requests]]\n"
        'name = "r"\n'
        "headers = [\n"
        '    ["A", "1"],\n'
        '    ["B", "2"],\n'
        "]\n"
        "\n"
        "[requests.auth]\n"
        'kind = "bearer"\n'
        "\n"
        "[[requests]]\n"
        'name = "s"\n'
        "expect = [\n"
        '    { target = "status", op = "equals" },\n'
        "]\n"
    )


def test_numbers_and_moments() -> None:
    document = {
        "floats": [0.1, 1e16, -0.0, 5e-324, float("inf"), float("-inf")],
        "ints": [0, -(2**63), 2**63 - 1],
        "aware": datetime(2025, 1, 2, 3, 4, 5, 123456, tzinfo=timezone(timedelta(hours=-5))),
        "utc": datetime(2025, 1, 2, tzinfo=UTC),
        "naive": datetime(2025, 1, 2, 3, 4),
        "day": date(2025, 1, 2),
        "clock": time(3, 4, 5, 6),
    }
    assert tomllib.loads(render(document)) == document
    assert "nan" in render({"x": float("nan")})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("lone \udcff", r"U\+DCFF at character 6, a lone surrogate"),
        ("multi\nline \ud800", r"U\+D800 at character 12"),
        (datetime(2025, 1, 1, tzinfo=timezone(timedelta(seconds=30))), "whole minutes"),
        (time(1, 2, tzinfo=UTC), "times cannot have offsets"),
        (b"bytes", "TOML cannot hold a bytes"),
        ({1: "x"}, "TOML keys are strings"),
    ],
)
def test_what_toml_cannot_hold_is_an_error(value: Any, message: str) -> None:
    with pytest.raises(TomlWriteError, match=message):
        render({"v": value})
    with pytest.raises(TomlWriteError, match=message):
        render({"t": [{"v": [value]}]})


def test_a_big_string_is_written_whole() -> None:
    body = '{"id": 1, "name": "item \u2014 \\"x\\""},\n' * 40_000  # about 1.5 MB
    rendered = render({"body": body, "base64": "QUJD" * 300_000})
    assert tomllib.loads(rendered) == {"body": body, "base64": "QUJD" * 300_000}
    assert rendered.startswith("body = '''\n")
