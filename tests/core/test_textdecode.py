from __future__ import annotations

import codecs

import pytest

from reqscope.core.textdecode import declared_charset, decode_body, is_binary_media_type
from reqscope.lab.generic import CHARSET_SAMPLES


@pytest.mark.parametrize("name", sorted(CHARSET_SAMPLES))
def test_declared_charset_is_used(name: str) -> None:
    text = CHARSET_SAMPLES[name]
    decoded = decode_body(text.encode(name), f"text/plain; charset={name}")
    assert decoded.text == text
    assert not decoded.is_binary


@pytest.mark.parametrize("name", sorted(CHARSET_SAMPLES))
def test_undeclared_charset_is_detected(name: str) -> None:
    text = CHARSET_SAMPLES[name]
    decoded = decode_body(text.encode(name), "text/plain")
    assert decoded.text == text
    # Latin-1 text is read as windows-1252, its superset (as browsers do).
    expected = {"iso-8859-1": "cp1252", "windows-1252": "cp1252"}.get(name, name)
    assert codecs.lookup(decoded.charset).name == codecs.lookup(expected).name


@pytest.mark.parametrize(
    "text", ["élan vital", "Ärger über Öl", "São Paulo ação", "Ça été très élégant"]
)
def test_short_latin_text_is_not_mistaken_for_cjk(text: str) -> None:
    assert decode_body(text.encode("latin-1")).charset == "cp1252"


def test_html_meta_charset() -> None:
    body = '<html><head><meta charset="shift_jis"></head>日本語</html>'.encode("shift_jis")
    decoded = decode_body(body, "text/html")
    assert decoded.charset == "shift_jis"
    assert "日本語" in decoded.text


def test_binary_by_content_type_and_by_nul_bytes() -> None:
    assert decode_body(b"GIF89a", "image/gif").is_binary
    assert decode_body(b"\x00\x01\x02abc", "").is_binary
    assert decode_body(bytes(range(1, 32)) * 4, "").is_binary
    svg = decode_body(b"<svg/>", "image/svg+xml")
    assert not svg.is_binary
    assert svg.text == "<svg/>"


def test_truncated_utf8_tolerates_a_cut_character() -> None:
    body = "ok é".encode()[:-1]
    decoded = decode_body(body, "", truncated=True)
    assert decoded.charset == "utf-8"
    assert decoded.text.startswith("ok ")


def test_unknown_declared_charset_falls_back_to_detection() -> None:
    assert declared_charset("text/plain; charset=nope-42") == ""
    assert decode_body("é".encode(), "text/plain; charset=nope-42").text == "é"


def test_escape_codes_are_text_not_binary() -> None:
    decoded = decode_body(b"\x1b[31mred\x1b[0m\r\n", "text/plain")
    assert not decoded.is_binary
    assert decoded.text == "\x1b[31mred\x1b[0m\r\n"


def test_binary_media_types() -> None:
    assert is_binary_media_type("application/octet-stream")
    assert is_binary_media_type("video/mp4; codecs=x")
    assert not is_binary_media_type("application/problem+json")
    assert not is_binary_media_type("text/html")


@pytest.mark.parametrize(
    ("body", "text", "charset", "binary"),
    [
        (b'{"a": "\xc3\xa9"}', '{"a": "é"}', "utf-8", False),
        (codecs.BOM_UTF8 + b"{}", "{}", "utf-8-sig", False),
        ('{"a": 1}'.encode("utf-16"), '{"a": 1}', "utf-16", False),
        ('{"a": "é"}'.encode("latin-1"), '{"a": "é"}', "cp1252", False),
        (b"\x00\x01\x02\x03", "", "", True),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-bom", "not-utf-8", "nul-bytes"],
)
def test_json_takes_the_utf8_fast_path_only_when_it_is_utf8(
    body: bytes, text: str, charset: str, binary: bool
) -> None:
    decoded = decode_body(body, "application/json")
    assert (decoded.text, decoded.charset, decoded.is_binary) == (text, charset, binary)
