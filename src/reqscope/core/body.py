"""A response body as an indexed document, so a view can show a 20 MB body by asking only
for the lines on screen (the Toolong model: a line-offset index, windows lexed on demand).

Text is indexed in blocks of about 64 KiB. JSON is pretty-printed by a re-indenter that works
on the raw text with C-level string operations (json.loads + json.dumps(indent=2) takes ~2.7 s
and ~500 MB for 20 MB). The first 256 KiB is indexed when the document is built; the rest by
`load_more()` / `load_all()`, which a UI calls from a worker thread so the first lines show at
once. Re-indented lines are not kept: a block is re-indented again when it is shown (~3 ms),
so a big JSON body costs little more than its text. Building or loading a document is CPU
work: never call it on an event loop.
"""

from __future__ import annotations

import json
import re
import threading
from array import array
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import accumulate, chain, repeat
from operator import add, sub
from typing import TYPE_CHECKING

from reqscope.core.body_json import JsonReindenter, NotJsonError, ReindentState
from reqscope.core.body_search import (
    BodySearchError,
    SearchMatch,
    SearchResult,
    compile_pattern,
)
from reqscope.core.model import Response

if TYPE_CHECKING:
    from pygments.lexer import Lexer  # type: ignore[import-untyped]

__all__ = [
    "BodyDocument",
    "BodySearchError",
    "SearchMatch",
    "SearchResult",
    "TokenSpan",
    "format_size",
]

BLOCK_CHARS = 64 * 1024  # raw text indexed per block; bounds the time a block holds the GIL
EAGER_CHARS = 256 * 1024  # indexed when the document is built: a small body opens complete
LEX_WINDOW = 256  # lines lexed together for highlighting
LEX_MAX_CHARS = 512 * 1024  # a window longer than this (a minified line) is not highlighted
VALIDATE_MAX_CHARS = 1024 * 1024  # JSON up to this size is checked by json.loads first
HEX_WIDTH = 16
MADE_CHUNKS = 8  # re-indented blocks kept made (~150 KB each): the screen's, and a few more
TAB_SIZE = 8

TokenSpan = tuple[int, int, str]  # start column, end column, pygments token type name


def format_size(size: int) -> str:
    """A byte count for people: 512 B, 3.4 KiB, 50.0 MiB."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _inert_table() -> dict[int, str]:
    """Controls to visible symbols: C0 to U+2400.., DEL to U+2421, C1 and bidi controls to
    U+FFFD. A body must never drive the terminal or reorder what the user reads."""
    table = {code: chr(0x2400 + code) for code in range(0x20) if code != 0x09}
    table[0x7F] = "\u2421"
    for code in chain(range(0x80, 0xA0), range(0x202A, 0x202F), range(0x2066, 0x206A)):
        table[code] = "\ufffd"
    table[0x2028] = table[0x2029] = "\ufffd"
    return table


_INERT = _inert_table()


def make_inert(text: str) -> str:
    """The display form of one line: tabs expanded, control characters made visible."""
    if text.isprintable():
        return text
    return text.expandtabs(TAB_SIZE).translate(_INERT)


@dataclass(slots=True)
class _Index:
    """The lines loaded so far. A loader thread appends (chunk first, count last) while
    readers work from the snapshot they took; a fallback replaces the whole object. `made`
    holds the text of the pretty chunks made most recently (by chunk number)."""

    chunks: list[_Chunk] = field(default_factory=list)
    firsts: list[int] = field(default_factory=list)
    line_count: int = 0
    max_width: int = 0
    made: OrderedDict[int, tuple[str, array[int]]] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True, slots=True)
class _Chunk:
    """Consecutive lines of the document: line j is text[starts[j] : starts[j + 1] - 1], every
    line followed by one newline, real or (after the last line) virtual. A raw chunk slices the
    document's text. A pretty chunk (re-indented JSON) keeps only the re-indenter's state at
    its start and makes its text again when asked (~3 ms), so a 20 MB body is not held twice
    (its pretty text plus line offsets would be ~2x the body)."""

    first_line: int
    line_count: int
    text: str = ""
    starts: array[int] = field(default_factory=lambda: array("I"))
    resume: ReindentState | None = None


def _line_starts(lines: list[str], base: int) -> array[int]:
    """Offsets of each line and of the end; 4 bytes each unless the text is over 4 GiB."""
    starts = list(accumulate(map(add, map(len, lines), repeat(1)), initial=base))
    return array("I" if starts[-1] < 1 << 32 else "Q", starts)


# --- the document ----------------------------------------------------------------------------


def _language(content_type: str, text: str) -> str:
    ctype = content_type.split(";", 1)[0].strip().lower()
    for needle, language in (
        ("json", "json"),
        ("html", "html"),
        ("xml", "xml"),
        ("javascript", "javascript"),
        ("ecmascript", "javascript"),
        ("css", "css"),
        ("yaml", "yaml"),
    ):
        if needle in ctype:
            return language
    if ctype in ("", "text/plain", "application/octet-stream"):
        head = text[:64].lstrip()
        if head[:1] in ("{", "["):
            return "json"
        if head[:1] == "<":
            return "html" if head[:15].lower().startswith(("<!doctype html", "<html")) else "xml"
    return "text"


def _lexer(language: str) -> Lexer | None:
    from pygments import lexers  # type: ignore[import-untyped]

    factories = {
        "json": lexers.JsonLexer,
        "xml": lexers.XmlLexer,
        "html": lexers.HtmlLexer,
        "javascript": lexers.JavascriptLexer,
        "css": lexers.CssLexer,
        "yaml": lexers.YamlLexer,
        "hex": None,
        "text": None,
    }
    factory = factories.get(language)
    return factory(stripnl=False, ensurenl=False) if factory is not None else None


def _charset(content_type: str) -> str:
    """A codec that can decode with replacement: a bogus charset (idna, base64) means UTF-8."""
    from reqscope.core.textdecode import text_codec

    match = re.search(r"charset=([\w.:-]+)", content_type, re.IGNORECASE)
    return (text_codec(match.group(1)) if match else "") or "utf-8"


def _usable(charset: str) -> str:
    from reqscope.core.textdecode import text_codec

    return text_codec(charset)


class BodyDocument:
    """A body indexed by line. Readers (line, lines, token_spans) may run on the UI thread
    while another thread calls load_more(): they see the lines loaded so far."""

    def __init__(
        self,
        text: str = "",
        *,
        language: str = "text",
        pretty: bool = True,
        data: bytes | None = None,
        truncated: bool = False,
        total_size: int | None = None,
        received_size: int | None = None,
    ) -> None:
        self.language = "hex" if data is not None else language
        self.truncated = truncated
        if received_size is None:
            received_size = len(data) if data is not None else len(text.encode())
        self.received_size = received_size
        self.total_size = max(total_size or 0, self.received_size)
        self.pretty = False  # True once the text shows as re-indented JSON
        self.revision = 0  # bumps when the lines already loaded change (JSON fell back to raw)
        self._text = text
        self._data = data
        self._index = _Index()
        self._hex_lines = 0
        self._loaded = 0  # raw characters indexed so far
        self._lock = threading.Lock()
        self._lex_cache: OrderedDict[tuple[int, int], list[list[TokenSpan]]] = OrderedDict()
        self._lexer: Lexer | None = None
        self._reindenter: JsonReindenter | None = None
        if data is not None:
            self._hex_lines = -(-len(data) // HEX_WIDTH)
            return
        if pretty and language == "json" and self._looks_like_json():
            self._reindenter = JsonReindenter(text, BLOCK_CHARS)
            self.pretty = True
        self.load_more(EAGER_CHARS)

    @classmethod
    def from_response(cls, response: Response, *, pretty: bool = True) -> BodyDocument:
        """The body of a response; binary bodies become a hex dump. CPU-bound (indexes the
        first MiB): call it from a worker thread, not on the event loop."""
        content_type = response.header("content-type") or ""
        if response.is_binary:
            return cls.from_bytes(
                response.body,
                content_type,
                binary=True,
                truncated=response.truncated,
                total_size=response.size,
            )
        text = response.text
        if not text and response.body:
            text = response.body.decode(
                _usable(response.charset) or _charset(content_type), "replace"
            )
        return cls(
            text,
            language=_language(content_type, text),
            pretty=pretty,
            truncated=response.truncated,
            total_size=response.size,
            received_size=len(response.body),
        )

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        content_type: str = "",
        *,
        pretty: bool = True,
        binary: bool | None = None,
        truncated: bool = False,
        total_size: int | None = None,
    ) -> BodyDocument:
        """A body from raw bytes; `binary=None` treats it as binary if it has a NUL byte."""
        if binary is None:
            binary = b"\x00" in data[:8192]
        if binary:
            return cls(data=data, truncated=truncated, total_size=total_size)
        text = data.decode(_charset(content_type), "replace")
        return cls(
            text,
            language=_language(content_type, text),
            pretty=pretty,
            truncated=truncated,
            total_size=total_size,
            received_size=len(data),
        )

    # --- loading ------------------------------------------------------------------------------

    @property
    def is_complete(self) -> bool:
        return self._data is not None or self._loaded >= len(self._text)

    @property
    def loaded_fraction(self) -> float:
        return 1.0 if self.is_complete else self._loaded / len(self._text)

    def load_more(self, max_chars: int = BLOCK_CHARS) -> bool:
        """Index about `max_chars` more raw characters; True when the document is complete."""
        with self._lock:
            target = self._loaded + max_chars
            while not self.is_complete and self._loaded < target:
                self._load_block()
        return self.is_complete

    def load_all(self) -> None:
        """Index the rest (seconds for tens of MB): call it from a worker thread."""
        while not self.load_more(16 * BLOCK_CHARS):
            pass

    def _load_block(self) -> None:
        if self._reindenter is not None:
            state = self._reindenter.state
            try:
                lines = self._reindenter.next_block()
            except NotJsonError:
                self._fall_back_to_raw()
                return
            self._loaded = self._reindenter.pos
            if lines:
                self._add_chunk(lines, resume=state)
            return
        text, pos = self._text, self._loaded
        end = min(pos + BLOCK_CHARS, len(text))
        if end < len(text):
            newline = text.rfind("\n", pos, end)
            end = newline + 1 if newline >= 0 else (text.find("\n", end) + 1 or len(text))
        block = text[pos:end]
        lines = block[:-1].split("\n") if block.endswith("\n") else block.split("\n")
        self._add_chunk(lines, text=text, starts=_line_starts(lines, pos))
        self._loaded = end

    def _add_chunk(
        self,
        lines: list[str],
        *,
        text: str = "",
        starts: array[int] | None = None,
        resume: ReindentState | None = None,
    ) -> None:
        index = self._index
        index.max_width = max(index.max_width, max(map(len, lines), default=0))
        if resume is None:
            assert starts is not None
            chunk = _Chunk(index.line_count, len(lines), text, starts)
        else:
            chunk = _Chunk(index.line_count, len(lines), resume=resume)
            if len(index.chunks) < 2:  # the first screen: keep it made
                self._keep(index, len(index.chunks), ("\n".join(lines), _line_starts(lines, 0)))
        index.chunks.append(chunk)
        index.firsts.append(chunk.first_line)
        index.line_count += chunk.line_count  # last: readers never see a line not yet there

    def _chunk_text(
        self, index: _Index, number: int, *, keep: bool = True
    ) -> tuple[str, array[int]]:
        """The text and line offsets of chunk `number`, made again if it is a pretty chunk
        (`keep=False`: a pass over the whole body, which must not evict what is on screen)."""
        chunk = index.chunks[number]
        if chunk.resume is None:
            return chunk.text, chunk.starts
        with index.lock:
            made = index.made.get(number)
            if made is not None:
                index.made.move_to_end(number)
                return made
        reindenter = JsonReindenter.resume(self._text, chunk.resume, BLOCK_CHARS)
        lines = reindenter.next_block()  # the same lines as when it was loaded
        made = ("\n".join(lines), _line_starts(lines, 0))
        if keep:
            self._keep(index, number, made)
        return made

    @staticmethod
    def _keep(index: _Index, number: int, made: tuple[str, array[int]]) -> None:
        with index.lock:
            index.made[number] = made
            index.made.move_to_end(number)
            while len(index.made) > MADE_CHUNKS:
                index.made.popitem(last=False)

    def _looks_like_json(self) -> bool:
        if len(self._text) <= VALIDATE_MAX_CHARS:
            try:
                json.loads(self._text)
            except ValueError:
                return False
            return True
        # Only the ends are looked at: strip() would copy the whole body.
        first = self._text[:4096].lstrip()[:1]
        last = self._text[-4096:].rstrip()[-1:]
        return first + last in ("{}", "[]")

    def _fall_back_to_raw(self) -> None:
        self._reindenter = None
        self.pretty = False
        self._index = _Index()
        self._loaded = 0
        self.revision += 1

    # --- lines ----------------------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        """Lines loaded so far (all of them once is_complete)."""
        return self._hex_lines if self._data is not None else self._index.line_count

    @property
    def max_line_width(self) -> int:
        """Characters in the longest raw line loaded (display width may differ slightly)."""
        if self._data is not None:
            return len(self._hex_line(0)) if self._data else 0
        return self._index.max_width

    def raw_line(self, index: int) -> str:
        """Line `index` as in the text (no newline, no trailing CR); hex dump line if binary."""
        count = self.line_count
        if not 0 <= index < count:
            raise IndexError(f"line {index} out of range 0..{count - 1}")
        if self._data is not None:
            return self._hex_line(index)
        lines = self._index
        number = bisect_right(lines.firsts, index) - 1
        text, starts = self._chunk_text(lines, number)
        j = index - lines.chunks[number].first_line
        line = text[starts[j] : starts[j + 1] - 1]
        return line[:-1] if line.endswith("\r") else line

    def line(self, index: int) -> str:
        """The display text of a line: never contains a control character."""
        return make_inert(self.raw_line(index))

    def lines(self, start: int, end: int) -> list[str]:
        """Display text of lines start..end-1 (clipped to the lines loaded)."""
        return [self.line(i) for i in range(max(start, 0), min(end, self.line_count))]

    def line_widths(self, start: int, end: int) -> list[int]:
        """Display widths (in characters) of lines start..end-1, from the index where it can
        (only lines in a stretch with a tab or CR are rendered to be measured)."""
        end = min(end, self.line_count)
        if self._data is not None:
            return [self.max_line_width] * max(end - start, 0)
        lines = self._index
        widths: list[int] = []
        line = max(start, 0)
        while line < end:
            number = bisect_right(lines.firsts, line) - 1
            chunk = lines.chunks[number]
            first, last = line - chunk.first_line, min(end - chunk.first_line, chunk.line_count)
            text, starts = self._chunk_text(lines, number)
            lo, hi = starts[first], starts[last] - 1
            if text.find("\t", lo, hi) < 0 and text.find("\r", lo, hi) < 0:
                lengths = map(sub, starts[first + 1 : last + 1], starts[first:last])
                widths.extend(map(sub, lengths, repeat(1)))
            else:
                widths.extend(len(self.line(chunk.first_line + j)) for j in range(first, last))
            line = chunk.first_line + last
        return widths

    def _hex_line(self, index: int) -> str:
        assert self._data is not None
        offset = index * HEX_WIDTH
        row = self._data[offset : offset + HEX_WIDTH]
        hexes = [f"{byte:02x}" for byte in row] + ["  "] * (HEX_WIDTH - len(row))
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in row)
        return f"{offset:08x}  {' '.join(hexes[:8])}  {' '.join(hexes[8:])}  |{text}|"

    # --- search ---------------------------------------------------------------------------------

    def search(
        self, pattern: str, *, regex: bool = False, case_sensitive: bool = False
    ) -> SearchResult:
        """All matches over the whole body (loads it all first): run it in a worker thread.
        Matches are in display columns; a match across a line end is clipped to its line."""
        compiled = compile_pattern(pattern, regex=regex, case_sensitive=case_sensitive)
        result = SearchResult(pattern, regex=regex, case_sensitive=case_sensitive)
        if self._data is not None:
            self._search_hex(compiled, result)
            return result
        self.load_all()
        index = self._index
        for number, chunk in enumerate(index.chunks):
            text, starts = self._chunk_text(index, number, keep=False)
            begin, end = starts[0], starts[-1] - 1
            for match in compiled.finditer(text, begin, end):
                lo, hi = match.span()
                if hi == lo:
                    continue
                j = bisect_right(starts, lo) - 1
                line_start, line_end = starts[j], starts[j + 1] - 1
                col = lo - line_start
                length = min(hi, line_end) - lo
                if text.find("\t", line_start, lo) >= 0:
                    col = len(text[line_start:lo].expandtabs(TAB_SIZE))
                if not result.add(chunk.first_line + j, col, length):
                    return result
        return result

    def _search_hex(self, compiled: re.Pattern[str], result: SearchResult) -> None:
        assert self._data is not None
        flags = re.IGNORECASE if compiled.flags & re.IGNORECASE else 0
        needle = re.compile(compiled.pattern.encode("utf-8", "surrogateescape"), flags)
        ascii_column = self.max_line_width - HEX_WIDTH - 1
        for match in needle.finditer(self._data):
            lo, hi = match.span()
            if hi == lo:
                continue
            line, offset = divmod(lo, HEX_WIDTH)
            length = min(hi - lo, HEX_WIDTH - offset)
            if not result.add(line, ascii_column + offset, length):
                return

    # --- highlighting ---------------------------------------------------------------------------

    def token_spans(self, start_line: int, end_line: int) -> list[list[TokenSpan]]:
        """Token spans (start col, end col, token type name) of the display text of each line
        in start..end-1, from windows of LEX_WINDOW lines lexed alone (for languages whose
        tokens span lines, colours near a window edge can be off)."""
        end_line = min(end_line, self.line_count)
        spans: list[list[TokenSpan]] = []
        line = max(start_line, 0)
        while line < end_line:
            window = line // LEX_WINDOW
            window_spans = self._window_spans(window)
            first = window * LEX_WINDOW
            stop = min(end_line, first + len(window_spans))
            spans.extend(window_spans[line - first : stop - first])
            if stop <= line:
                break
            line = stop
        return spans

    def _window_spans(self, window: int) -> list[list[TokenSpan]]:
        key = (self.revision, window)
        cached = self._lex_cache.get(key)
        if cached is not None:
            self._lex_cache.move_to_end(key)
            return cached
        start = window * LEX_WINDOW
        lines = self.lines(start, start + LEX_WINDOW)
        spans = self._lex(lines)
        if start + LEX_WINDOW <= self.line_count:  # cache only full windows: others grow
            self._lex_cache[key] = spans
            if len(self._lex_cache) > 64:
                self._lex_cache.popitem(last=False)
        return spans

    def _lex(self, lines: list[str]) -> list[list[TokenSpan]]:
        spans: list[list[TokenSpan]] = [[] for _ in lines]
        if self.language == "hex":
            ascii_column = self.max_line_width - HEX_WIDTH - 1
            for line_spans, text in zip(spans, lines, strict=True):
                line_spans.extend(
                    [(0, 8, "Token.Comment"), (ascii_column, len(text), "Token.String")]
                )
            return spans
        if self._lexer is None:
            self._lexer = _lexer(self.language)
        text = "\n".join(lines)
        if self._lexer is None or len(text) > LEX_MAX_CHARS:
            return spans
        starts = list(accumulate(map(add, map(len, lines), repeat(1)), initial=0))
        for offset, token_type, value in self._lexer.get_tokens_unprocessed(text):
            name = str(token_type)
            if name.startswith("Token.Text") or not value:
                continue
            index = offset
            row = bisect_right(starts, index) - 1
            end = index + len(value)
            while index < end and row < len(lines):
                line_end = starts[row + 1] - 1
                stop = min(end, line_end)
                if stop > index:
                    spans[row].append((index - starts[row], stop - starts[row], name))
                row += 1
                index = line_end + 1
        return spans
