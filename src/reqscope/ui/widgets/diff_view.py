"""DiffView: two exchanges side by side, virtualised with Textual's Line API.

The rows come from `core.replay.sidebyside` (computed in a worker by the screen); this widget
only renders the rows on screen, so a diff of two 20 MB bodies scrolls as fast as a small
one. Text is built as Segments from inert strings, never markup.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reqscope.core.replay.sidebyside import ADDED, CHANGED, REMOVED, SECTION, SideBySide
from reqscope.ui.formatting import inert

STRIP_CACHE_SIZE = 512
SEPARATOR = " │ "
GUTTER, CURRENT = "  ", "▶ "


class DiffView(ScrollView, can_focus=True):
    """Left and right columns; changed rows highlighted on both sides, removed rows on the
    left, added rows on the right; n / N jump between changes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "next_change", "Next change"),
        Binding("N,p", "previous_change", "Previous change"),
        Binding("g", "scroll_home", "Top", show=False),
        Binding("G", "scroll_end", "Bottom", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "diff-view--changed",
        "diff-view--removed",
        "diff-view--added",
        "diff-view--section",
        "diff-view--separator",
        "diff-view--placeholder",
    }

    DEFAULT_CSS = """
    DiffView { background: $surface; color: $foreground; }
    DiffView > .diff-view--changed { background: $warning 30%; }
    DiffView > .diff-view--removed { background: $error 30%; }
    DiffView > .diff-view--added { background: $success 30%; }
    DiffView > .diff-view--section { color: $text-accent; text-style: bold; }
    DiffView > .diff-view--separator { color: $text-muted; }
    DiffView > .diff-view--placeholder { color: $text-muted; text-style: italic; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._diff: SideBySide | None = None
        self._placeholder = "comparing…"
        self._strips: OrderedDict[tuple[int, int, int], Strip] = OrderedDict()
        self._longest = 0
        self.current: int | None = None  # the row of the change n / N moved to (marked ▶)

    @property
    def diff(self) -> SideBySide | None:
        return self._diff

    def show(self, diff: SideBySide | None, placeholder: str = "") -> None:
        """Show a diff (None: the placeholder text instead, e.g. "comparing…")."""
        self._diff = diff
        self._placeholder = placeholder
        self._longest = (
            max((max(len(r.left), len(r.right)) for r in diff.rows), default=0) if diff else 0
        )
        self._strips.clear()
        self.current = None
        rows = len(diff.rows) if diff else 1
        self.virtual_size = Size(2 * self._longest + len(SEPARATOR) + len(GUTTER), rows)
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def action_next_change(self) -> None:
        self._jump(forward=True)

    def action_previous_change(self) -> None:
        self._jump(forward=False)

    def _jump(self, *, forward: bool) -> None:
        diff = self._diff
        if diff is None:
            return
        here = self.current if self.current is not None else (-1 if forward else len(diff.rows))
        rows = range(here + 1, len(diff.rows)) if forward else range(here - 1, -1, -1)
        for index in rows:
            if diff.rows[index].tag in (CHANGED, REMOVED, ADDED):
                self.current = index
                self._strips.clear()
                self.scroll_to_region(Region(0, index, 1, 1), animate=False, immediate=True)
                self.refresh()
                return
        self.app.bell()

    def on_resize(self) -> None:
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.scrollable_content_region.width
        key = (row, scroll_x, width)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(row, scroll_x, width).adjust_cell_length(
                width, self.rich_style
            )
            self._strips[key] = strip
            if len(self._strips) > STRIP_CACHE_SIZE:
                self._strips.popitem(last=False)
        return strip

    def _render_row(self, row: int, scroll_x: int, width: int) -> Strip:
        base = self.rich_style
        diff = self._diff
        if diff is None:
            if row == 0 and self._placeholder:
                return Strip([Segment(self._placeholder, self._component("placeholder"))])
            return Strip.blank(0, base)
        if row >= len(diff.rows):
            return Strip.blank(0, base)
        item = diff.rows[row]
        half = max((width - len(SEPARATOR) - len(GUTTER)) // 2, 1)
        if item.tag == SECTION:
            title = f"── {item.left} ".ljust(width, "─")
            return Strip([Segment(title[:width], self._component("section"))])
        left_style = base
        right_style = base
        if item.tag == CHANGED:
            left_style = right_style = base + self._component("changed")
        elif item.tag == REMOVED:
            left_style = base + self._component("removed")
        elif item.tag == ADDED:
            right_style = base + self._component("added")
        marker = CURRENT if row == self.current else GUTTER
        return Strip(
            [
                Segment(marker, self._component("separator")),
                Segment(_cell(item.left, scroll_x, half), left_style),
                Segment(SEPARATOR, self._component("separator")),
                Segment(_cell(item.right, scroll_x, half), right_style),
            ]
        )

    def _component(self, name: str) -> Style:
        return self.get_component_rich_style(f"diff-view--{name}")


def _cell(text: str, start: int, width: int) -> str:
    """`width` cells of the line from character `start` (wide characters counted as two)."""
    return set_cell_size(inert(text)[start : start + width], width)
