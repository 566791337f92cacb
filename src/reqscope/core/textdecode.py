"""Turn response body bytes into text, or decide they are binary.

Order of evidence, strongest first: a binary media type; a byte-order mark; NUL bytes in the
first KB (binary); the charset the server declared; an HTML/XML in-document declaration;
control characters that text does not contain (binary); valid UTF-8; then a heuristic (no
charset_normalizer dependency) that tells the common East Asian double-byte encodings from
single-byte Latin text (windows-1252) by the runs and scripts each candidate decodes into.
A heuristic can misjudge a short or mixed text; a declared charset always wins.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

SNIFF_BYTES = 1024

_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/")
_BINARY_TYPES = frozenset(
    {
        "application/octet-stream",
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/x-tar",
        "application/x-7z-compressed",
        "application/x-bzip2",
        "application/x-xz",
        "application/zstd",
        "application/wasm",
        "application/protobuf",
        "application/x-protobuf",
        "application/vnd.google.protobuf",
        "application/grpc",
        "application/msgpack",
        "application/x-msgpack",
        "application/cbor",
    }
)
_TEXT_SUFFIXES = ("+xml", "+json", "+yaml", "+text")
_UTF8_ONLY_TYPES = frozenset({"application/json", "application/problem+json"})
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
# Candidates for text that is not UTF-8, with the Unicode ranges their real text lives in.
_KANA = ((0x3040, 0x30FF), (0xFF66, 0xFF9F))
_IDEOGRAPHS = ((0x4E00, 0x9FFF), (0x3000, 0x303F), (0xFF00, 0xFF65))
_HANGUL = ((0xAC00, 0xD7AF), (0x3130, 0x318F))
_EAST_ASIAN_ORDER = ("shift_jis", "euc-jp", "euc-kr", "gb18030", "big5")
# Control characters that do not occur in text (TAB, LF, FF, CR and ESC do).
_NON_TEXT_CONTROLS = bytes(sorted(frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}))


@dataclass(frozen=True, slots=True)
class DecodedBody:
    text: str  # "" when binary
    charset: str  # the codec used ("" when binary)
    is_binary: bool


def media_type(content_type: str) -> str:
    return content_type.partition(";")[0].strip().lower()


def declared_charset(content_type: str) -> str:
    """The `charset` parameter of a Content-Type, if Python knows the codec, else ""."""
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return text_codec(value.strip().strip("\"'"))
    return ""


def is_binary_media_type(content_type: str) -> bool:
    kind = media_type(content_type)
    if kind.endswith(_TEXT_SUFFIXES):
        return False
    return kind in _BINARY_TYPES or kind.startswith(_BINARY_PREFIXES)


def decode_body(body: bytes, content_type: str = "", *, truncated: bool = False) -> DecodedBody:
    """Decode a body; `truncated` tolerates a multi-byte character cut at the end."""
    declared = declared_charset(content_type)
    if not body:
        return DecodedBody("", declared or "utf-8", False)
    if (
        not declared
        and media_type(content_type) in _UTF8_ONLY_TYPES
        and not body.startswith(codecs.BOM_UTF8)
        and b"\x00" not in body[:SNIFF_BYTES]
    ):
        # JSON is UTF-8 by definition (RFC 8259): skip the sniffing, the common API case.
        try:
            return DecodedBody(body.decode("utf-8"), "utf-8", False)
        except UnicodeDecodeError:
            pass  # not what it claims: let the evidence below decide
    if is_binary_media_type(content_type):
        return DecodedBody("", "", True)
    head = body[:SNIFF_BYTES]
    bom = next((codec for mark, codec in _BOMS if body.startswith(mark)), "")
    if bom:
        return DecodedBody(body.decode(bom, "replace"), bom, False)
    if b"\x00" in head:
        return DecodedBody("", "", True)
    if declared:
        return DecodedBody(body.decode(declared, "replace"), declared, False)
    sniffed = _in_document_charset(head)
    if sniffed:
        return DecodedBody(body.decode(sniffed, "replace"), sniffed, False)
    # Counted by deleting them in C: a per-byte Python loop cost ~50 us on every response.
    controls = len(head) - len(head.translate(None, _NON_TEXT_CONTROLS))
    if controls > len(head) // 100 + 1:
        return DecodedBody("", "", True)
    text = _strict(body, "utf-8", truncated)
    if text is not None:
        return DecodedBody(text, "utf-8", False)
    return _guess_legacy(body, truncated)


def text_codec(name: str) -> str:
    """Python's name for a text encoding called `name`, or "" when Python does not know it
    or it is not a text encoding that can replace bad bytes (base64, idna, a name with NUL)."""
    if not name:
        return ""
    try:
        codec = codecs.lookup(name).name
        # A server may name base64, zlib or idna as the charset: they are not text codecs, or
        # cannot replace bad bytes, and would fail on the body instead of here.
        b"\xff\x80A".decode(codec, "replace")
    except (LookupError, ValueError):
        return ""
    return codec


def _in_document_charset(head: bytes) -> str:
    found = _META_CHARSET.search(head)
    if found is None:
        return ""
    return text_codec((found.group(1) or found.group(2)).decode("ascii"))


def _strict(body: bytes, codec: str, truncated: bool) -> str | None:
    try:
        return body.decode(codec)
    except UnicodeDecodeError as exc:
        # A body cut at the size cap may end inside a multi-byte character.
        if truncated and exc.start >= len(body) - 3:
            return body[: exc.start].decode(codec, "replace")
        return None


def _guess_legacy(body: bytes, truncated: bool) -> DecodedBody:
    """Not UTF-8: an East Asian double-byte encoding when one decodes into runs of its own
    script, else windows-1252 (what browsers assume for undeclared Latin text)."""
    codec = _east_asian_codec(body[: SNIFF_BYTES * 16])
    if codec:
        decoded = _strict(body, codec, truncated)
        if decoded is not None:
            return DecodedBody(decoded, codec, False)
    text = _strict(body, "cp1252", truncated)
    if text is not None:
        return DecodedBody(text, "cp1252", False)
    return DecodedBody(body.decode("latin-1"), "iso8859-1", False)


def _east_asian_codec(sample: bytes) -> str:
    """Latin text misread as a double-byte encoding yields isolated odd characters; real
    CJK text yields runs. Japanese is told by its kana, Korean by Hangul words separated by
    spaces, Chinese by long runs of ideographs."""
    decoded = {codec: _strict(sample, codec, truncated=True) for codec in _EAST_ASIAN_ORDER}
    texts = {codec: text for codec, text in decoded.items() if text and _in_runs(text)}
    for codec in ("shift_jis", "euc-jp"):
        text = texts.get(codec)
        if text and _share(text, _KANA) >= 0.1 and _share(text, _KANA + _IDEOGRAPHS) >= 0.8:
            return codec
    korean = texts.get("euc-kr")
    if korean and _share(korean, _HANGUL) >= 0.8 and _mean_run(korean) <= 6:
        return "euc-kr"
    for codec in ("gb18030", "big5"):
        text = texts.get(codec)
        if text and _share(text, _IDEOGRAPHS) >= 0.8:
            return codec
    return ""


def _wide_runs(text: str) -> list[str]:
    return re.findall(r"[^\x00-\x7f]+", text)


def _in_runs(text: str) -> bool:
    runs = _wide_runs(text)
    wide = sum(len(run) for run in runs)
    return wide > 0 and sum(len(run) for run in runs if len(run) > 1) / wide >= 0.6


def _mean_run(text: str) -> float:
    runs = _wide_runs(text)
    return sum(len(run) for run in runs) / len(runs) if runs else 0.0


def _share(text: str, ranges: tuple[tuple[int, int], ...]) -> float:
    wide = [ord(ch) for ch in text if ord(ch) > 0x7F]
    if not wide:
        return 0.0
    inside = sum(1 for code in wide if any(lo <= code <= hi for lo, hi in ranges))
    return inside / len(wide)
