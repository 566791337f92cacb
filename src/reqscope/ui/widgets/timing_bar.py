"""Where the time went: dns / connect / tls / send / wait / receive as proportional coloured
segments, with a legend in milliseconds. A slow TTFB and a slow TLS handshake call for
different fixes, so the phases matter more than the total."""

from __future__ import annotations

from typing import NamedTuple

from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget

from reqscope.core.model import Timings
from reqscope.ui.formatting import human_duration, proportional_widths


class Phase(NamedTuple):
    name: str
    ms: float
    colour: str  # a theme variable


# Distinct theme colours per phase; never $error, which would read as a failure.
PHASE_COLOURS = {
    "dns": "$secondary",
    "connect": "$primary",
    "tls": "$accent",
    "send": "$primary-lighten-3",
    "wait": "$warning",
    "receive": "$success",
}


def measured_phases(timings: Timings) -> list[Phase]:
    """The phases that happened, in wire order (a reused connection has no dns/connect/tls)."""
    values = {
        "dns": timings.dns_ms,
        "connect": timings.connect_ms,
        "tls": timings.tls_ms,
        "send": timings.send_ms,
        "wait": timings.wait_ms,
        "receive": timings.receive_ms,
    }
    return [Phase(name, ms, PHASE_COLOURS[name]) for name, ms in values.items() if ms is not None]


def timing_bar_content(timings: Timings, width: int) -> Content:
    """The bar, `width` cells wide, over its legend (which may wrap in a narrow pane)."""
    return Content("\n").join(timing_bar_lines(timings, width))


def timing_bar_lines(timings: Timings, width: int) -> list[Content]:
    """The bar's lines: the bar itself, then the legend packed to `width`."""
    phases = measured_phases(timings)
    widths = proportional_widths([phase.ms for phase in phases], width)
    bar: list[str | tuple[str, str]] = [
        ("█" * cells, phase.colour) for phase, cells in zip(phases, widths, strict=True) if cells
    ]
    if not bar:
        bar = [("─" * width, "$text-muted")]
    entries = [
        Content.assemble(("■ ", phase.colour), f"{phase.name} {human_duration(phase.ms)}")
        for phase in phases
    ]
    if not phases:  # the status line shows the total; without phases, say why the bar is flat
        entries.append(
            Content.assemble(
                ("phases not measured · total ", "$text-muted"), human_duration(timings.total_ms)
            )
        )
    if timings.reused_connection:
        entries.append(Content.styled("reused connection", "$text-muted"))
    return [Content.assemble(*bar), *pack(entries, width)]


def pack(entries: list[Content], width: int, gap: int = 2) -> list[Content]:
    """Entries on as few lines as fit `width`, never splitting one (a wrapped legend would
    leave a colour square on one line and its phase name on the next)."""
    lines: list[Content] = []
    line = Content()
    for entry in entries:
        if line and line.cell_length + gap + entry.cell_length > width:
            lines.append(line)
            line = Content()
        line = line + " " * gap + entry if line else entry
    if line:
        lines.append(line)
    return lines


class TimingBar(Widget):
    """Renders a `Timings` as a bar sized to the widget's width."""

    DEFAULT_CSS = """
    TimingBar {
        height: auto;
        padding: 0 1;
    }
    TimingBar.-empty {
        display: none;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._timings: Timings | None = None

    @property
    def timings(self) -> Timings | None:
        return self._timings

    def show(self, timings: Timings | None) -> None:
        self._timings = timings
        self.set_class(timings is None, "-empty")  # a class, so a container's CSS can hide it
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """Lines at the width being laid out: Textual caches the height per width, and one
        measured by rendering at the current (maybe older, narrower) width would stick."""
        if self._timings is None or width <= 0:
            return 0
        return len(timing_bar_lines(self._timings, width))

    def render(self) -> Content:
        if self._timings is None:
            return Content()
        return timing_bar_content(self._timings, max(self.content_size.width, 1))
