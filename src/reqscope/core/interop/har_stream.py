"""The entries of a HAR file, one at a time, from a stream.

A browser's "Save all as HAR with content" can be hundreds of megabytes. `json.load` would
hold the text and then the whole object tree (several times the file's size); here the file is
read once in chunks and only the `log.entries` array is walked, each entry decoded on its own
(`JSONDecoder.raw_decode`) and handed over before the next is read. Memory is one chunk plus
the largest entry.

Errors are InteropError naming the file and, for bad JSON, the line and column; a file that
ends early says it is truncated, whatever it ends in.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import IO, Any

from reqscope.core.errors import InteropError

CHUNK_CHARS = 1 << 20
_WHITESPACE = " \t\n\r"
# How close to the end of the buffer a decoding error may be and still only mean "the value
# goes on in the next chunk" (a number, literal or escape cut by the chunk boundary).
_BOUNDARY_MARGIN = 16
_DECODER = json.JSONDecoder()
_STRUCTURE = ' \t\n\r,:[]{}"'


def iter_har_entries(
    stream: IO[bytes], label: str, *, chunk_chars: int = CHUNK_CHARS
) -> Iterator[Any]:
    """Yield each element of the document's `log.entries` as plain JSON data, in order.

    Structure errors use the same paths as the field checks (`log: missing`, `log.entries:
    expected a list, found an object`); the label is the caller's to add.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    try:
        yield from _entries(_Reader(text, label, chunk_chars))
    finally:
        text.detach()  # the stream is the caller's to close (stdin stays open)


def _entries(reader: _Reader) -> Iterator[Any]:
    first = reader.peek()
    if first == "":
        raise InteropError("the file is empty, not a HAR file")
    if first != "{":
        raise _not_a(reader, "the top level", "an object")
    found_log = False
    for key in reader.members():
        if key != "log" or found_log:
            reader.value()
            continue
        found_log = True
        if reader.peek() != "{":
            raise _not_a(reader, "log", "an object")
        found_entries = False
        for log_key in reader.members():
            if log_key != "entries" or found_entries:
                reader.value()
                continue
            found_entries = True
            if reader.peek() != "[":
                raise _not_a(reader, "log.entries", "a list")
            yield from reader.items()
        if not found_entries:
            raise InteropError("log.entries: missing")
    if not found_log:
        raise InteropError("log: missing")
    if reader.peek() != "":
        raise reader.syntax_error("Extra data")


def _not_a(reader: _Reader, where: str, expected: str) -> InteropError:
    return InteropError(f"{where}: expected {expected}, found {kind_of(reader.value())}")


def kind_of(value: Any) -> str:
    """What a JSON value is, for messages ("found a string")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


class _Reader:
    """A window (`buf[pos:]`) onto a text stream, refilled on demand, that remembers how many
    lines and columns were dropped before it so errors can give the file's line and column."""

    def __init__(self, stream: IO[str], label: str, chunk_chars: int) -> None:
        self.stream = stream
        self.label = label
        self.chunk = max(chunk_chars, 1)
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.lines_before = 0  # complete lines dropped from the front of the buffer
        self.column_before = 0  # characters of the current line dropped from the front

    # --- buffering -----------------------------------------------------------------------------

    def _fill(self, wanted: int) -> bool:
        """Drop what was consumed and read at least `wanted` more characters (fewer at the end
        of the stream). False when nothing more could be read."""
        if self.eof:
            return False
        try:
            more = self.stream.read(max(wanted, self.chunk))
        except UnicodeDecodeError:
            raise InteropError(
                f"{self.label}: not a HAR file (binary data, not UTF-8 JSON)"
            ) from None
        except OSError as exc:
            raise InteropError(f"{self.label}: cannot read: {exc.strerror or exc}") from None
        if "\x00" in more:
            raise InteropError(f"{self.label}: not a HAR file (binary data, not UTF-8 JSON)")
        if not more:
            self.eof = True
            return False  # the buffer is unchanged, so positions in it stay valid
        self._drop_consumed()
        self.buf += more
        return True

    def _drop_consumed(self) -> None:
        if self.pos == 0:
            return
        dropped_newlines = self.buf.count("\n", 0, self.pos)
        if dropped_newlines:
            self.lines_before += dropped_newlines
            self.column_before = self.pos - (self.buf.rfind("\n", 0, self.pos) + 1)
        else:
            self.column_before += self.pos
        self.buf = self.buf[self.pos :]
        self.pos = 0

    def peek(self) -> str:
        """The next character that is not whitespace (not consumed), or "" at the end."""
        while True:
            buf, pos = self.buf, self.pos
            while pos < len(buf) and buf[pos] in _WHITESPACE:
                pos += 1
            self.pos = pos
            if pos < len(buf):
                return buf[pos]
            if not self._fill(self.chunk):
                return ""

    def expect(self, char: str, message: str) -> None:
        if self.peek() != char:
            raise self.syntax_error(message)
        self.pos += 1

    # --- values ----------------------------------------------------------------------------------

    def value(self) -> Any:
        """Decode the JSON value that starts at the next non-blank character, reading more of
        the stream for as long as the value is not complete."""
        if self.peek() == "":
            raise self.syntax_error("Expecting value")
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self._incomplete(exc) and self._fill(len(self.buf) - self.pos):
                    continue  # at least doubles the window: linear work for any value size
                raise self._decode_error(exc) from None
            except RecursionError:
                raise InteropError(
                    f"{self.label}: JSON nested too deeply; not a HAR file"
                ) from None
            if end == len(self.buf) and self._fill(self.chunk):
                continue  # a number that ends the buffer may go on in the next chunk
            self.pos = end
            return value

    def _incomplete(self, exc: json.JSONDecodeError) -> bool:
        return exc.msg.startswith("Unterminated string") or exc.pos >= len(self.buf) - (
            _BOUNDARY_MARGIN
        )

    def members(self) -> Iterator[str]:
        """The keys of the object at the next character; after each key the caller must
        consume its value (with `value`, `members` or `items`) before asking for the next."""
        self.expect("{", "Expecting '{'")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            if self.peek() != '"':
                raise self.syntax_error("Expecting property name enclosed in double quotes")
            key = self.value()
            self.expect(":", "Expecting ':' delimiter")
            yield key
            following = self.peek()
            self.pos += 1
            if following == "}":
                return
            if following != ",":
                self.pos -= 1
                raise self.syntax_error("Expecting ',' delimiter")

    def items(self) -> Iterator[Any]:
        """The elements of the array at the next character, each decoded on its own."""
        self.expect("[", "Expecting '['")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            following = self.peek()
            self.pos += 1
            if following == "]":
                return
            if following != ",":
                self.pos -= 1
                raise self.syntax_error("Expecting ',' delimiter")

    # --- errors ----------------------------------------------------------------------------------

    def syntax_error(self, message: str) -> InteropError:
        if self.pos >= len(self.buf) and not self._fill(self.chunk):
            return self._truncated()
        line, column = self._where(self.pos)
        return InteropError(
            f"{self.label}:{line}:{column}: invalid JSON: {message}; not a HAR file?"
        )

    def _decode_error(self, exc: json.JSONDecodeError) -> InteropError:
        if self.eof and _ends_inside_a_value(exc):
            return self._truncated()
        line, column = self._where(exc.pos)
        return InteropError(
            f"{self.label}:{line}:{column}: invalid JSON: {exc.msg}; not a HAR file?"
        )

    def _truncated(self) -> InteropError:
        last_line = self.lines_before + self.buf.count("\n") + 1
        return InteropError(
            f"{self.label}: truncated JSON (the file ends at line {last_line}); "
            "export the HAR again"
        )

    def _where(self, pos: int) -> tuple[int, int]:
        newlines = self.buf.count("\n", 0, pos)
        if newlines:
            return self.lines_before + newlines + 1, pos - self.buf.rfind("\n", 0, pos)
        return self.lines_before + 1, self.column_before + pos + 1


def _ends_inside_a_value(exc: json.JSONDecodeError) -> bool:
    """With the whole rest of the file in hand: did decoding fail because the text stopped
    (inside a string, a literal or a number, or before a value) rather than on a mistake?"""
    if exc.msg.startswith("Unterminated string"):
        return True
    rest = exc.doc[exc.pos :].rstrip()
    return len(rest) <= _BOUNDARY_MARGIN and not any(char in rest for char in _STRUCTURE)
