"""Search results over a BodyDocument: matches as compact arrays (a 20 MB body can have a
hundred thousand), found by line and column with bisect so n/N answer at once."""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from reqscope.core.errors import ReqscopeError

MAX_MATCHES = 100_000  # beyond this a search stops and says so (result.capped)


class BodySearchError(ReqscopeError):
    """A search pattern cannot be used (an invalid regular expression)."""


@dataclass(frozen=True, slots=True)
class SearchMatch:
    """One match: its position in the result, and where it shows (display columns)."""

    index: int
    line: int
    column: int
    length: int


def compile_pattern(pattern: str, *, regex: bool, case_sensitive: bool) -> re.Pattern[str]:
    """The pattern as a compiled regex; raises BodySearchError for an empty or bad one."""
    if not pattern:
        raise BodySearchError("nothing to search for: type a pattern")
    flags = 0 if case_sensitive else re.IGNORECASE
    try:
        return re.compile(pattern if regex else re.escape(pattern), flags)
    except re.error as exc:
        raise BodySearchError(f"invalid regular expression {pattern!r}: {exc}") from None


class SearchResult:
    """Matches in document order (by line, then column)."""

    def __init__(self, pattern: str, *, regex: bool = False, case_sensitive: bool = False) -> None:
        self.pattern = pattern
        self.regex = regex
        self.case_sensitive = case_sensitive
        self.capped = False  # stopped at MAX_MATCHES: there are more
        self._lines = array("Q")
        self._columns = array("Q")
        self._lengths = array("Q")

    def add(self, line: int, column: int, length: int) -> bool:
        """Record a match (in order); False once the cap is reached."""
        if len(self._lines) >= MAX_MATCHES:
            self.capped = True
            return False
        self._lines.append(line)
        self._columns.append(column)
        self._lengths.append(length)
        return True

    def __len__(self) -> int:
        return len(self._lines)

    @property
    def total(self) -> int:
        return len(self._lines)

    def match(self, index: int) -> SearchMatch:
        return SearchMatch(index, self._lines[index], self._columns[index], self._lengths[index])

    def _position(self, line: int, column: int) -> int:
        """Index of the first match at or after (line, column)."""
        first = bisect_left(self._lines, line)
        last = bisect_right(self._lines, line)
        return bisect_left(self._columns, column, first, last)

    def next_match(self, from_line: int, from_column: int) -> SearchMatch | None:
        """The first match after (from_line, from_column), wrapping around to the first."""
        if not self._lines:
            return None
        index = self._position(from_line, from_column + 1)
        return self.match(index if index < len(self._lines) else 0)

    def previous_match(self, from_line: int, from_column: int) -> SearchMatch | None:
        """The last match before (from_line, from_column), wrapping around to the last."""
        if not self._lines:
            return None
        index = self._position(from_line, from_column) - 1
        return self.match(index if index >= 0 else len(self._lines) - 1)

    def in_lines(self, start: int, end: int) -> list[SearchMatch]:
        """Matches on lines start..end-1, for highlighting what is on screen."""
        first = bisect_left(self._lines, start)
        last = bisect_left(self._lines, end)
        return [self.match(i) for i in range(first, last)]
