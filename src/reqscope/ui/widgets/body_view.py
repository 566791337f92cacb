"""BodyView: a response body on screen, virtualised with Textual's Line API.

Only the rows on screen are rendered (from a BodyDocument's line index, lexed 256 lines at a
time), so a 20 MB body paints as fast as a 2 KB one. Indexing the rest of a big document,
searching it and wrapping it run in thread workers; the event loop only renders strips.
Text is always built as Segments, never markup, so a body can't style or drive the terminal.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import OrderedDict
from itertools import accumulate, groupby
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.containers import Horizontal
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input, Label
from textual.worker import get_current_worker

from reqscope.core.body import BodyDocument, BodySearchError, SearchMatch, SearchResult, format_size

WRAP_BLOCK = 256  # lines per block of the wrapped-row index
WRAP_SYNC_LINES = 20_000  # wrap smaller documents at once; bigger ones in a worker
STRIP_CACHE_SIZE = 512
PROGRESS_INTERVAL = 0.1  # seconds between refreshes while a big document loads

# pygments token type (prefix) -> theme variable; the first prefix that matches wins
_TOKEN_COLOURS = {
    "Token.Name.Tag": "text-primary",
    "Token.Name.Attribute": "text-warning",
    "Token.Name": "text-primary",
    "Token.Literal.String": "text-success",
    "Token.Literal.Number": "text-warning",
    "Token.Literal": "text-success",
    "Token.Keyword": "text-error",
    "Token.String": "text-success",
    "Token.Error": "text-error",
}


class _WrapIndex:
    """Visual rows of the document when wrapped at `width` characters: rows per block of
    WRAP_BLOCK lines, summed, so a row is found with one bisect and one short walk."""

    def __init__(self, document: BodyDocument, width: int) -> None:
        self.width = max(width, 1)
        self.line_count = document.line_count
        self._document = document
        block_rows = [sum(self._rows(start)) for start in range(0, self.line_count, WRAP_BLOCK)]
        self._block_starts = list(accumulate(block_rows, initial=0))
        self._block_cache: OrderedDict[int, list[int]] = OrderedDict()

    @property
    def row_count(self) -> int:
        return self._block_starts[-1]

    def _rows(self, start: int) -> list[int]:
        widths = self._document.line_widths(start, min(start + WRAP_BLOCK, self.line_count))
        width = self.width
        return [(w + width - 1) // width or 1 for w in widths]

    def _block(self, block: int) -> list[int]:
        rows = self._block_cache.get(block)
        if rows is None:
            rows = self._rows(block * WRAP_BLOCK)
            self._block_cache[block] = rows
            if len(self._block_cache) > 16:
                self._block_cache.popitem(last=False)
        return rows

    def locate(self, row: int) -> tuple[int, int]:
        """(line, sub-row) of a visual row; rows past the index are unwrapped lines."""
        if row >= self.row_count:
            return self.line_count + row - self.row_count, 0
        block = bisect_right(self._block_starts, row) - 1
        row -= self._block_starts[block]
        line = block * WRAP_BLOCK
        for rows in self._block(block):
            if row < rows:
                return line, row
            row -= rows
            line += 1
        return line, 0

    def row_of(self, line: int, column: int) -> int:
        if line >= self.line_count:
            return self.row_count + line - self.line_count
        block, offset = divmod(line, WRAP_BLOCK)
        return self._block_starts[block] + sum(self._block(block)[:offset]) + column // self.width


class BodyView(ScrollView, can_focus=True):
    """A virtualised, searchable, syntax-coloured view of a BodyDocument."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "open_search", "Search"),
        Binding("n", "next_match", "Next match"),
        Binding("N", "previous_match", "Previous match"),
        Binding("w", "toggle_wrap", "Wrap"),
        Binding("g", "scroll_home", "Top", show=False),
        Binding("G", "scroll_end", "Bottom", show=False),
        Binding("ctrl+r", "toggle_regex", "Regex search", show=False),
        Binding("escape", "close_search", "Close search", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "body-view--gutter",
        "body-view--notice",
        "body-view--match",
        "body-view--current-match",
        "body-view--placeholder",
    }

    DEFAULT_CSS = """
    BodyView {
        background: $surface;
        color: $foreground;
    }
    BodyView > .body-view--gutter { color: $text-muted; }
    BodyView > .body-view--notice { color: $text-warning; text-style: bold; }
    BodyView > .body-view--match { background: $warning 40%; text-style: reverse; }
    BodyView > .body-view--current-match {
        background: $accent; color: $text; text-style: bold reverse underline;
    }
    BodyView > .body-view--placeholder { color: $text-muted; text-style: italic; }
    BodyView #body-search { dock: bottom; height: 1; display: none; background: $panel; }
    BodyView.-searching #body-search { display: block; }
    BodyView #body-search Label { padding: 0 1; color: $text-muted; }
    BodyView #body-search Input { border: none; height: 1; width: 1fr; padding: 0; }
    """

    class SearchChanged(Message):
        """The search or its current match changed: `index` is 0-based (-1: no current
        match), `total` the number of matches; `status` is what to show ("3/120")."""

        def __init__(self, query: str, index: int, total: int, *, capped: bool = False) -> None:
            super().__init__()
            self.query = query
            self.index = index
            self.total = total
            self.capped = capped

        @property
        def status(self) -> str:
            if not self.query:
                return ""
            more = "+" if self.capped else ""
            return f"{self.index + 1}/{self.total}{more}" if self.total else "no matches"

    class _DocumentGrew(Message):
        def __init__(self, document: BodyDocument) -> None:
            super().__init__()
            self.document = document

    class _SearchDone(Message):
        def __init__(self, document: BodyDocument, result: SearchResult | str) -> None:
            super().__init__()
            self.document = document
            self.result = result

    class _WrapDone(Message):
        def __init__(self, document: BodyDocument, index: _WrapIndex) -> None:
            super().__init__()
            self.document = document
            self.index = index

    wrap: reactive[bool] = reactive(False)
    search_regex: reactive[bool] = reactive(False)

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._document: BodyDocument | None = None
        self._revision = 0
        self._strips: OrderedDict[tuple[int, int, int], Strip] = OrderedDict()
        self._wrap_index: _WrapIndex | None = None
        self._search: SearchResult | None = None
        self._query = ""
        self._current: SearchMatch | None = None
        self._token_styles: dict[str, Style] = {}
        self._gutter_digits = 1

    @property
    def is_container(self) -> bool:
        return True  # the docked search bar is a child; the body itself is the Line API

    def compose(self) -> ComposeResult:
        with Horizontal(id="body-search"):
            yield Label("find", id="body-search-label")
            yield Input(placeholder="text to find, Enter to search", id="body-search-input")
            yield Label("", id="body-search-count")

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._theme_changed, init=False)
        self._update_virtual_size()

    # --- public API -----------------------------------------------------------------------

    @property
    def document(self) -> BodyDocument | None:
        return self._document

    def show(self, document: BodyDocument | None) -> None:
        """Show a document (None: nothing) from its top, dropping the previous search."""
        self._document = document
        self._revision = document.revision if document is not None else 0
        self._wrap_index = None
        self._search, self._current, self._query = None, None, ""
        self.workers.cancel_group(self, "body")
        if self.has_class("-searching"):
            self._close_search_bar()
        self._invalidate()
        self.scroll_to(0, 0, animate=False, immediate=True)
        if document is not None and not document.is_complete:
            # After the first frame: a loader thread started now would compete with it for
            # the GIL (measured: 20 MiB painted in 0.6 s instead of 0.2 s on a busy machine).
            self.call_after_refresh(self._start_loading, document)
        elif self.wrap:
            self._rewrap()
        self.post_message(self.SearchChanged("", -1, 0))

    # --- loading, wrapping and searching in threads ------------------------------------------

    def _start_loading(self, document: BodyDocument) -> None:
        if document is self._document:
            self._load_rest(document)

    @work(thread=True, group="body", exit_on_error=False)
    def _load_rest(self, document: BodyDocument) -> None:
        worker = get_current_worker()
        last_post = time.monotonic()
        while not worker.is_cancelled and not document.load_more():
            time.sleep(0)  # let the event loop take the GIL between blocks: keys stay quick
            if time.monotonic() - last_post >= PROGRESS_INTERVAL:
                self.post_message(self._DocumentGrew(document))
                last_post = time.monotonic()
        self.post_message(self._DocumentGrew(document))

    @work(thread=True, group="body", exit_on_error=False)
    def _build_wrap_index(self, document: BodyDocument, width: int) -> None:
        self.post_message(self._WrapDone(document, _WrapIndex(document, width)))

    @work(thread=True, group="body-search", exclusive=True, exit_on_error=False)
    def _run_search(self, document: BodyDocument, query: str, regex: bool) -> None:
        result: SearchResult | str
        try:
            result = document.search(query, regex=regex, case_sensitive=query != query.lower())
        except BodySearchError as exc:
            result = str(exc)
        self.post_message(self._SearchDone(document, result))

    @on(_DocumentGrew)
    def _document_grew(self, message: _DocumentGrew) -> None:
        document = message.document
        if document is not self._document:
            return
        if document.revision != self._revision:
            self._revision = document.revision
            self._wrap_index = None
        self._invalidate()
        if document.is_complete and self.wrap:
            self._rewrap()

    @on(_WrapDone)
    def _wrap_done(self, message: _WrapDone) -> None:
        if message.document is self._document and self.wrap:
            self._wrap_index = message.index
            self._invalidate()
            if self._current is not None:
                self._scroll_to_match(self._current)

    @on(_SearchDone)
    def _search_done(self, message: _SearchDone) -> None:
        if message.document is not self._document:
            return
        if isinstance(message.result, str):
            self._search, self._current = None, None
            self._set_count(message.result)
            self.notify(message.result, severity="error")
            return
        self._search = message.result
        top_line, _ = self._row_to_line(self.scroll_offset.y)
        self._current = message.result.next_match(top_line, -1)
        self._invalidate()
        self._announce()
        if self._current is not None:
            self._scroll_to_match(self._current)

    def _rewrap(self) -> None:
        document = self._document
        if document is None:
            return
        width = self._content_width()
        if document.line_count <= WRAP_SYNC_LINES:
            self._wrap_index = _WrapIndex(document, width)
            self._invalidate()
        else:
            self._build_wrap_index(document, width)

    # --- actions ----------------------------------------------------------------------------

    def action_open_search(self) -> None:
        self.add_class("-searching")
        self._update_virtual_size()
        search_input = self.query_one("#body-search-input", Input)
        search_input.value = self._query
        search_input.focus()

    def action_close_search(self) -> None:
        if not self.has_class("-searching"):
            return
        self._close_search_bar()
        self._search, self._current, self._query = None, None, ""
        self._invalidate()
        self.post_message(self.SearchChanged("", -1, 0))
        self.focus()

    def _close_search_bar(self) -> None:
        self.remove_class("-searching")
        self._set_count("")
        self._update_virtual_size()

    @on(Input.Submitted, "#body-search-input")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._query = event.value
        self.focus()
        if self._document is None or not self._query:
            return
        self._set_count("searching…")
        self._run_search(self._document, self._query, self.search_regex)

    def action_toggle_regex(self) -> None:
        self.search_regex = not self.search_regex
        self.query_one("#body-search-label", Label).update("regex" if self.search_regex else "find")
        self.notify("regex search" if self.search_regex else "plain text search", timeout=2)

    def action_next_match(self) -> None:
        self._step_match(forward=True)

    def action_previous_match(self) -> None:
        self._step_match(forward=False)

    def _step_match(self, *, forward: bool) -> None:
        if self._search is None:
            self.action_open_search()
            return
        if self._current is not None:
            line, column = self._current.line, self._current.column
        else:
            line, column = self._row_to_line(self.scroll_offset.y)[0], -1
        if forward:
            match = self._search.next_match(line, column)
        else:
            match = self._search.previous_match(line, column)
        self._current = match
        self._invalidate()
        self._announce()
        if match is not None:
            self._scroll_to_match(match)

    # Jumps are immediate: an animated scroll repaints every row of a big body many times.
    def action_scroll_home(self) -> None:
        self.scroll_home(animate=False, immediate=True)

    def action_scroll_end(self) -> None:
        self.scroll_end(animate=False, immediate=True)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap

    def watch_wrap(self, wrap: bool) -> None:
        self._wrap_index = None
        self.scroll_to(x=0, animate=False, immediate=True)
        if wrap:
            self._rewrap()
        self._invalidate()

    # --- geometry ---------------------------------------------------------------------------

    def _header_rows(self) -> int:
        return 1 if self._document is not None and self._document.truncated else 0

    def _gutter_width(self) -> int:
        return self._gutter_digits + 1

    def _content_width(self) -> int:
        return max(self.scrollable_content_region.width - self._gutter_width(), 1)

    def _update_virtual_size(self) -> None:
        document = self._document
        lines = document.line_count if document is not None else 0
        self._gutter_digits = len(str(max(lines, 1)))
        rows = self._header_rows() + max(lines, 1) + (1 if self.has_class("-searching") else 0)
        width = self._gutter_width() + (document.max_line_width if document is not None else 0)
        if self.wrap:
            width = self.scrollable_content_region.width
            if self._wrap_index is not None:
                rows += self._wrap_index.row_count - self._wrap_index.line_count
        self.virtual_size = Size(width, rows)

    def _row_to_line(self, row: int) -> tuple[int, int]:
        row -= self._header_rows()
        if self.wrap and self._wrap_index is not None:
            return self._wrap_index.locate(max(row, 0))
        return max(row, 0), 0

    def _scroll_to_match(self, match: SearchMatch) -> None:
        header = self._header_rows()
        if self.wrap and self._wrap_index is not None:
            row = header + self._wrap_index.row_of(match.line, match.column)
        else:
            row = header + match.line
        height = self.scrollable_content_region.height - (1 if self.has_class("-searching") else 0)
        x = self.scroll_offset.x
        if not self.wrap:
            width = self._content_width()
            if not x <= match.column < x + width - match.length:
                x = max(match.column - width // 3, 0)
        y = self.scroll_offset.y
        if not y <= row < y + max(height, 1):
            y = max(row - max(height, 1) // 3, 0)
        self.scroll_to(x, y, animate=False, immediate=True)

    def _announce(self) -> None:
        search = self._search
        total = len(search) if search is not None else 0
        index = self._current.index if self._current is not None else -1
        message = self.SearchChanged(
            self._query, index, total, capped=bool(search is not None and search.capped)
        )
        self._set_count(message.status)
        self.post_message(message)

    def _set_count(self, text: str) -> None:
        self.query_one("#body-search-count", Label).update(text)

    # --- rendering --------------------------------------------------------------------------

    def _invalidate(self) -> None:
        self._strips.clear()
        self._update_virtual_size()
        self.refresh()

    def _theme_changed(self) -> None:
        self._token_styles.clear()
        self._invalidate()

    def on_resize(self) -> None:
        self._strips.clear()
        if self.wrap:
            self._wrap_index = None
            self._rewrap()
        self._update_virtual_size()

    def _token_style(self, name: str) -> Style:
        style = self._token_styles.get(name)
        if style is None:
            style = Style()
            if name.startswith("Token.Comment"):
                style = Style(dim=True)
            prefix = name
            while prefix:
                variable = _TOKEN_COLOURS.get(prefix)
                if variable is not None:
                    style = self._theme_style(variable)
                    break
                prefix = prefix.rpartition(".")[0]
            self._token_styles[name] = style
        return style

    def _theme_style(self, variable: str) -> Style:
        value = self.app.theme_variables.get(variable, "")
        try:
            return Style(color=Color.parse(value).rich_color)
        except Exception:  # "auto 60%" and the like: no colour is better than a crash
            return Style()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.scrollable_content_region.width
        key = (row, 0 if self.wrap else scroll_x, width)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(row, scroll_x).adjust_cell_length(width, self.rich_style)
            self._strips[key] = strip
            if len(self._strips) > STRIP_CACHE_SIZE:
                self._strips.popitem(last=False)
        return strip

    def _render_row(self, row: int, scroll_x: int) -> Strip:
        document = self._document
        base = self.rich_style
        if document is None:
            return Strip.blank(0, base)  # a None style crashes NO_COLOR's filter
        if row < self._header_rows():
            return Strip([Segment(self._notice(document), self._component("notice"))])
        if document.line_count == 0 and row == self._header_rows():
            text = "(empty body)" if document.is_complete else "loading…"
            return Strip([Segment(text, self._component("placeholder"))])
        line, sub_row = self._row_to_line(row)
        if line >= document.line_count:
            return Strip.blank(0, base)  # a None style crashes NO_COLOR's filter
        width = self._content_width()
        start = sub_row * width if self.wrap else scroll_x
        gutter = (
            f"{line + 1:>{self._gutter_digits}} " if sub_row == 0 else " " * self._gutter_width()
        )
        segments = [Segment(gutter, self._component("gutter"))]
        segments.extend(self._line_segments(document, line, start, start + width, base))
        return Strip(segments)

    def _component(self, name: str) -> Style:
        return self.get_component_rich_style(f"body-view--{name}")

    @staticmethod
    def _notice(document: BodyDocument) -> str:
        received = format_size(document.received_size)
        if document.total_size > document.received_size:
            received += f" of {format_size(document.total_size)}"
        return f"body truncated at {received} — save to file to see it all"

    def _line_segments(
        self, document: BodyDocument, line: int, start: int, end: int, base: Style
    ) -> list[Segment]:
        text = document.line(line)[start:end]
        if not text:
            return []
        styles: list[Style] = [base] * len(text)
        for span_start, span_end, name in document.token_spans(line, line + 1)[0]:
            lo, hi = max(span_start - start, 0), min(span_end - start, len(text))
            if lo < hi:
                styles[lo:hi] = [base + self._token_style(name)] * (hi - lo)
        if self._search is not None:
            for match in self._search.in_lines(line, line + 1):
                lo = max(match.column - start, 0)
                hi = min(match.column + match.length - start, len(text))
                if lo < hi:
                    current = self._current is not None and match.index == self._current.index
                    overlay = self._component("current-match" if current else "match")
                    styles[lo:hi] = [style + overlay for style in styles[lo:hi]]
        segments = []
        position = 0
        for style, run in groupby(styles):
            length = sum(1 for _ in run)
            segments.append(Segment(text[position : position + length], style))
            position += length
        return segments
