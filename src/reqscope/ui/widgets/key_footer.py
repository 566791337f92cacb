"""The key bar at the bottom of the main screen: the keys of what is focused, and ^p palette.

Textual's Footer is a container of one widget per key that recomposes on every focus change,
and it composes only after the first frame; here the same line is one widget that renders it,
so it is on the first frame and a focus change costs a repaint instead of a dozen mounts. It
looks and acts like the Footer: click a key to press it, hover to highlight it and see its
tooltip, disabled keys dimmed, the palette key at the right edge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

from textual import events
from textual.binding import ActiveBinding, Binding
from textual.content import Content
from textual.widget import Widget

KEY_STYLE = "bold $footer-key-foreground on $footer-key-background"
DESCRIPTION_STYLE = "$footer-description-foreground on $footer-description-background"
HOVER_STYLE = "$footer-key-foreground on $block-hover-background"
SEPARATOR = ("▏", "$foreground 20%")  # Footer's `border-left: vkey $foreground 20%`


class FooterItem(NamedTuple):
    """One key as shown: what to press, how it reads, and whether it does anything now."""

    key: str
    display: str
    description: str
    tooltip: str
    enabled: bool


def footer_items(
    bindings: Iterable[ActiveBinding], key_display: Callable[[Binding], str]
) -> list[FooterItem]:
    """The shown bindings, one per action (its first key), in binding order: as the Footer."""
    items: dict[str, FooterItem] = {}
    for active in bindings:
        binding = active.binding
        if binding.show and binding.action not in items:
            items[binding.action] = FooterItem(
                binding.key,
                key_display(binding),
                binding.description,
                active.tooltip or binding.tooltip or binding.description,
                active.enabled,
            )
    return list(items.values())


def item_content(item: FooterItem, *, compact: bool, hovered: bool) -> Content:
    """` ^s Save ` (or `^p palette` for the compact palette key), styled like a FooterKey."""
    key = item.display if compact else f" {item.display} "
    description = f" {item.description}" if compact else f"{item.description} "
    content = Content.assemble(
        (key, KEY_STYLE), (description, DESCRIPTION_STYLE) if item.description else ""
    )
    if hovered:  # under the key's own style, as a hovered FooterKey's widget style is
        content = content.stylize_before(HOVER_STYLE)
    return content.stylize("dim") if not item.enabled else content


class KeyFooter(Widget, can_focus=False):
    """A one-line footer of the screen's active bindings."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._items: list[FooterItem] | None = None  # None: read the bindings at next render
        self._palette: FooterItem | None = None
        self._spans: list[tuple[int, int, FooterItem]] = []
        self._hovered: FooterItem | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: object) -> None:
        """Repainted only when what it shows changed: bindings are refreshed on every
        response (the diagnosis pane's keys), mostly to the same keys."""
        shown = (self._items, self._palette)
        self._items = None
        if (self._read_bindings(), self._palette) != shown:
            self.refresh()

    def _read_bindings(self) -> list[FooterItem]:
        if self._items is None:
            active = self.screen.active_bindings
            self._items = footer_items(active.values(), self.app.get_key_display)
            palette = active.get(self.app.COMMAND_PALETTE_BINDING)
            self._palette = None
            if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
                binding = palette.binding
                self._palette = FooterItem(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.tooltip or binding.description,
                    palette.enabled,
                )
        return self._items

    def render(self) -> Content:
        items = self._read_bindings()
        width = self.content_size.width
        palette = self._palette
        right = Content()
        if palette is not None:
            hovered = palette == self._hovered
            right = Content.assemble(
                SEPARATOR, item_content(palette, compact=True, hovered=hovered), " "
            )
        room = max(width - right.cell_length, 0)
        spans: list[tuple[int, int, FooterItem]] = []
        left = Content()
        for item in items:
            piece = item_content(item, compact=False, hovered=item == self._hovered)
            start = left.cell_length
            if start >= room:
                break
            left += piece
            spans.append((start, min(start + piece.cell_length, room), item))
        left = left.truncate(room, pad=True)
        if palette is not None:
            start = room + 1  # after the separator
            spans.append((start, start + right.cell_length - 2, palette))
        self._spans = spans
        return left + right

    def item_at(self, x: int) -> FooterItem | None:
        """The key drawn at column `x` (as of the last render), if any."""
        return next((item for start, end, item in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        item = self.item_at(event.x)
        if item != self._hovered:
            self._hovered = item
            self.tooltip = item.tooltip if item is not None else None
            self.refresh()

    def on_leave(self) -> None:
        if self._hovered is not None:
            self._hovered = None
            self.refresh()

    def on_click(self, event: events.Click) -> None:
        item = self.item_at(event.x)
        if item is None:
            return
        event.stop()
        if item.enabled:
            self.app.simulate_key(item.key)
        else:
            self.app.bell()
