"""BodyDocument: line index, JSON pretty-printing, hex dump, inert text, search, token spans."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reqscope.core import body as body_module
from reqscope.core.body import BodyDocument, BodySearchError, format_size
from reqscope.core.model import Response


def all_lines(document: BodyDocument) -> list[str]:
    document.load_all()
    return document.lines(0, document.line_count)


def json_response(body: bytes, content_type: str = "application/json") -> Response:
    return Response(
        status=200,
        headers=(("Content-Type", content_type),),
        body=body,
        text=body.decode(),
        size=len(body),
    )


# --- indexing ----------------------------------------------------------------------------------


def test_empty_body_has_no_lines() -> None:
    document = BodyDocument("")
    assert document.line_count == 0
    assert document.is_complete
    assert document.lines(0, 10) == []
    with pytest.raises(IndexError):
        document.line(0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("one", ["one"]),
        ("one\ntwo", ["one", "two"]),
        ("one\ntwo\n", ["one", "two"]),
        ("one\n\nthree\n\n", ["one", "", "three", ""]),
        ("crlf\r\nline\r\n", ["crlf", "line"]),
        ("héllo wörld\n日本語\n", ["héllo wörld", "日本語"]),
    ],
)
def test_lines_are_indexed(text: str, expected: list[str]) -> None:
    document = BodyDocument(text)
    assert all_lines(document) == expected
    assert document.line_count == len(expected)
    assert document.max_line_width == max(len(line) for line in text.split("\n"))


def test_big_text_indexes_in_blocks_across_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(body_module, "BLOCK_CHARS", 100)
    monkeypatch.setattr(body_module, "EAGER_CHARS", 150)
    lines = [f"line number {i}" * (i % 7) for i in range(500)]
    document = BodyDocument("\n".join(lines))
    assert not document.is_complete
    assert 0 < document.line_count < 500
    assert all_lines(document) == lines
    assert document.is_complete and document.loaded_fraction == 1.0
    assert document.line_widths(0, 500) == [len(line) for line in lines]


def test_twenty_megabyte_document_indexes() -> None:
    text = "".join(f"{i:09d} some body text here\n" for i in range(700_000))
    assert len(text) > 20_000_000
    document = BodyDocument(text)
    document.load_all()
    assert document.line_count == 700_000
    assert document.line(654_321) == "000654321 some body text here"


def test_line_widths_measure_tabs_and_controls() -> None:
    document = BodyDocument("a\tb\nplain\r\nx\x1by")
    assert document.line_widths(0, 3) == [9, 5, 3]


# --- pretty JSON -------------------------------------------------------------------------------


def test_json_is_pretty_printed_like_json_dumps() -> None:
    raw = b'{"b":1,"a":[true,null,{"x":"\xc3\xa9,:{}[]\\"q"}],"e":{},"f":[]}'
    document = BodyDocument.from_response(json_response(raw))
    expected = json.dumps(json.loads(raw), indent=2, ensure_ascii=False).split("\n")
    assert document.pretty
    assert all_lines(document) == expected
    assert document.line(1) == '  "b": 1,'  # keys keep their order


def test_json_tokens_are_kept_as_sent() -> None:
    document = BodyDocument.from_response(json_response(b'[1.0e10, "\\u00e9"]'))
    assert all_lines(document) == ["[", "  1.0e10,", '  "\\u00e9"', "]"]


@pytest.mark.parametrize("raw", [b'{"a" 1}', b'{"a": "b}', b"[1,]", b"<html></html>", b"{}x"])
def test_invalid_json_falls_back_to_the_raw_text(raw: bytes) -> None:
    document = BodyDocument.from_response(json_response(raw))
    assert not document.pretty
    assert all_lines(document) == [raw.decode()]


def test_invalid_json_found_late_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(body_module, "BLOCK_CHARS", 64)
    monkeypatch.setattr(body_module, "EAGER_CHARS", 64)
    monkeypatch.setattr(body_module, "VALIDATE_MAX_CHARS", 10)
    raw = "[" + ",".join(f'"item {i}"' for i in range(100)) + ",oops]"
    document = BodyDocument(raw, language="json")
    assert document.pretty and document.revision == 0
    document.load_all()
    assert not document.pretty
    assert document.revision == 1
    assert all_lines(document) == [raw]


def test_json_not_pretty_when_asked() -> None:
    document = BodyDocument.from_response(json_response(b'{"a":1}'), pretty=False)
    assert all_lines(document) == ['{"a":1}']


def test_json_sniffed_without_content_type() -> None:
    document = BodyDocument.from_bytes(b'  {"a":[1]}', "")
    assert document.language == "json"
    assert all_lines(document) == ["{", '  "a": [', "    1", "  ]", "}"]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(value=json_values, ensure_ascii=st.booleans(), block=st.integers(8, 64))
def test_reindenter_matches_json_dumps(value: object, ensure_ascii: bool, block: int) -> None:
    compact = json.dumps(value, separators=(",", ":"), ensure_ascii=ensure_ascii)
    original = body_module.BLOCK_CHARS
    body_module.BLOCK_CHARS = block  # small blocks cut strings and lines everywhere
    try:
        document = BodyDocument(compact, language="json")
        lines = all_lines(document)
    finally:
        body_module.BLOCK_CHARS = original
    expected = json.dumps(value, indent=2, ensure_ascii=ensure_ascii)
    # strings may hold controls, which the display shows as symbols
    assert lines == [body_module.make_inert(line) for line in expected.split("\n")]


# --- binary and truncated ----------------------------------------------------------------------


def test_binary_body_is_a_lazy_hex_dump() -> None:
    data = b"Hello, world!\x00\x01\xff" + bytes(range(20))
    document = BodyDocument.from_response(Response(status=200, body=data, is_binary=True))
    assert document.language == "hex"
    assert document.line_count == 3
    assert document.line(0) == (
        "00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 00 01 ff  |Hello, world!...|"
    )
    last = document.line(2)
    assert last.startswith("00000020  10 11 12 13")
    assert last.endswith("|....|")
    assert len(last) < document.max_line_width or last.endswith("|")


def test_bytes_with_nul_are_sniffed_as_binary() -> None:
    assert BodyDocument.from_bytes(b"\x89PNG\r\n\x1a\n\x00\x00").language == "hex"
    assert BodyDocument.from_bytes(b"plain text").language == "text"


def test_truncated_body_knows_its_sizes() -> None:
    response = Response(status=200, body=b"abc", text="abc", truncated=True, size=5_000_000)
    document = BodyDocument.from_response(response)
    assert document.truncated
    assert (document.received_size, document.total_size) == (3, 5_000_000)
    assert not BodyDocument.from_response(Response(status=200, body=b"x", text="x")).truncated


def test_format_size() -> None:
    assert format_size(512) == "512 B"
    assert format_size(50 * 1024 * 1024) == "50.0 MiB"
    assert format_size(1536) == "1.5 KiB"


# --- inert display -----------------------------------------------------------------------------


def test_control_characters_are_inert() -> None:
    text = "\x1b[31mred\x1b[0m\tafter\x07\x00\x7f\x9b\u202eend"
    line = BodyDocument(text).line(0)
    assert line == "␛[31mred␛[0m    after␇␀␡\ufffd\ufffdend"
    assert all(ch.isprintable() for ch in line)


def test_markup_is_just_text() -> None:
    assert BodyDocument("[bold]x[/bold]").line(0) == "[bold]x[/bold]"


# --- search ------------------------------------------------------------------------------------


def positions(document: BodyDocument, pattern: str, **options: bool) -> list[tuple[int, int, int]]:
    result = document.search(pattern, **options)
    return [(m.line, m.column, m.length) for m in map(result.match, range(len(result)))]


def test_plain_search_is_case_insensitive_by_default() -> None:
    document = BodyDocument("Foo bar\nfoo FOO\nnothing")
    assert positions(document, "foo") == [(0, 0, 3), (1, 0, 3), (1, 4, 3)]
    assert positions(document, "foo", case_sensitive=True) == [(1, 0, 3)]
    assert positions(document, "a.") == []


def test_regex_search() -> None:
    document = BodyDocument('{"id": 12, "n": 345}')
    assert positions(document, r"\d+", regex=True) == [(0, 7, 2), (0, 16, 3)]


def test_search_columns_are_display_columns() -> None:
    document = BodyDocument("\tneedle\r\nx")
    assert positions(document, "needle") == [(0, 8, 6)]
    assert document.line(0)[8:14] == "needle"


def test_search_finds_pretty_json_positions() -> None:
    document = BodyDocument.from_response(json_response(b'{"a":{"b":"needle"}}'))
    result = document.search("needle")
    match = result.match(0)
    assert document.line(match.line)[match.column : match.column + match.length] == "needle"


def test_next_and_previous_wrap_around() -> None:
    document = BodyDocument("x\nab ab\nx\nab")
    result = document.search("ab")
    assert len(result) == result.total == 3
    first = result.next_match(0, 0)
    assert first is not None and (first.index, first.line, first.column) == (0, 1, 0)
    second = result.next_match(first.line, first.column)
    assert second is not None and (second.line, second.column) == (1, 3)
    last = result.next_match(2, 0)
    assert last is not None and last.index == 2
    wrapped = result.next_match(last.line, last.column)
    assert wrapped is not None and wrapped.index == 0
    previous = result.previous_match(first.line, first.column)
    assert previous is not None and previous.index == 2
    back = result.previous_match(1, 3)
    assert back is not None and back.index == 0
    assert [m.index for m in result.in_lines(1, 2)] == [0, 1]


def test_no_matches() -> None:
    result = BodyDocument("abc").search("zzz")
    assert len(result) == 0
    assert result.next_match(0, 0) is None
    assert result.previous_match(0, 0) is None


@pytest.mark.parametrize("pattern", ["(", "[a-", "*x"])
def test_bad_regex_is_our_error(pattern: str) -> None:
    with pytest.raises(BodySearchError, match="invalid regular expression"):
        BodyDocument("abc").search(pattern, regex=True)


def test_empty_pattern_is_our_error() -> None:
    with pytest.raises(BodySearchError):
        BodyDocument("abc").search("")


def test_search_in_hex_dump_highlights_the_ascii_column() -> None:
    document = BodyDocument.from_bytes(b"\x00" * 20 + b"PNG chunk", binary=True)
    result = document.search("png")
    match = result.match(0)
    assert match.line == 1
    assert document.line(1)[match.column : match.column + match.length] == "PNG"


def test_search_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    from reqscope.core import body_search

    monkeypatch.setattr(body_search, "MAX_MATCHES", 5)
    result = BodyDocument("a" * 20).search("a")
    assert len(result) == 5 and result.capped


# --- token spans -------------------------------------------------------------------------------


def test_token_spans_for_a_window_of_json() -> None:
    document = BodyDocument.from_response(json_response(b'{"key":"value","n":3,"t":true}'))
    spans = document.token_spans(1, 4)
    assert len(spans) == 3
    kinds = {document.line(1)[s:e]: kind for s, e, kind in spans[0]}
    assert kinds['"key"'] == "Token.Name.Tag"
    assert kinds['"value"'] == "Token.Literal.String.Double"
    assert any(kind.startswith("Token.Literal.Number") for _, _, kind in spans[1])
    assert any(kind == "Token.Keyword.Constant" for _, _, kind in spans[2])


def test_token_spans_across_lex_windows() -> None:
    lines = [f'  "k{i}": {i},' for i in range(600)]
    document = BodyDocument("{\n" + "\n".join(lines) + '\n  "end": 0\n}', language="json")
    spans = document.token_spans(250, 262)
    assert len(spans) == 12
    for offset, line_spans in enumerate(spans):
        line = document.line(250 + offset)
        assert any(line[s:e].startswith('"k') for s, e, _ in line_spans)


@pytest.mark.parametrize(
    ("content_type", "language"),
    [
        ("text/html; charset=utf-8", "html"),
        ("application/xml", "xml"),
        ("application/problem+json", "json"),
        ("text/javascript", "javascript"),
        ("text/css", "css"),
        ("application/yaml", "yaml"),
        ("text/plain", "text"),
    ],
)
def test_language_from_content_type(content_type: str, language: str) -> None:
    document = BodyDocument.from_bytes(b'key <a href="x">1</a>', content_type)
    assert document.language == language
    spans = document.token_spans(0, 1)
    assert len(spans) == 1
    assert (spans[0] == []) == (language == "text")
