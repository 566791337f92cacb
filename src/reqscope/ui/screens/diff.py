"""The diff screen: pick two exchanges of the same request (two runs, or a run and the
recording) and see status, headers and body side by side, changes highlighted.

Redaction and the row alignment run in a thread worker (both walk whole bodies); the view
renders only the rows on screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Select, Static
from textual.worker import get_current_worker

from reqscope.core.model import Exchange
from reqscope.core.redact import Redactor
from reqscope.core.replay.sidebyside import SideBySide, side_by_side
from reqscope.ui.widgets.diff_view import DiffView


def exchange_label(number: int, exchange: Exchange, note: str = "") -> str:
    """`2. 14:03:07  403 Forbidden  (recording)` for the pickers."""
    from reqscope.core.replay.compare import outcome_text

    when = exchange.started_at.astimezone().strftime("%H:%M:%S") if exchange.started_at else "--"
    label = f"{number}. {when}  {outcome_text(exchange)}"
    return f"{label}  ({note})" if note else label


class DiffScreen(Screen[None]):
    DEFAULT_CSS = """
    DiffScreen #diff-title { height: 1; padding: 0 1; text-style: bold; background: $panel; }
    DiffScreen #diff-pickers { height: auto; }
    DiffScreen #diff-pickers Select { width: 1fr; }
    DiffScreen #diff-summary { height: 1; padding: 0 1; color: $text-muted; }
    DiffScreen DiffView { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"),
        Binding("s", "swap", "Swap sides"),
    ]

    def __init__(
        self,
        title: str,
        choices: Sequence[tuple[str, Exchange]],
        redactor: Redactor,
        *,
        left: int = 1,
        right: int = 0,
    ) -> None:
        """`choices`: (label, exchange), newest first; `left` / `right` index into them."""
        super().__init__()
        self._title = title
        self._choices = tuple(choices)
        self._redactor = redactor
        last = len(self._choices) - 1
        self._left = min(left, last)
        self._right = min(right, last)

    def compose(self) -> ComposeResult:
        yield Static(Text(self._title), id="diff-title")
        options = [(label, index) for index, (label, _) in enumerate(self._choices)]
        with Horizontal(id="diff-pickers"):
            yield Select(options, value=self._left, allow_blank=False, id="diff-left")
            yield Select(options, value=self._right, allow_blank=False, id="diff-right")
        yield Static("", id="diff-summary")
        yield DiffView(id="diff-view")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DiffView).focus()
        self._compare()

    @on(Select.Changed)
    def _picked(self, event: Select.Changed) -> None:
        if not isinstance(event.value, int):
            return
        if event.select.id == "diff-left":
            self._left = event.value
        else:
            self._right = event.value
        self._compare()

    def action_swap(self) -> None:
        self._left, self._right = self._right, self._left
        self.query_one("#diff-left", Select).value = self._left
        self.query_one("#diff-right", Select).value = self._right
        self._compare()

    def action_close(self) -> None:
        self.dismiss(None)

    def _compare(self) -> None:
        self.query_one(DiffView).show(None, "comparing…")
        self.query_one("#diff-summary", Static).update("")
        left, right = self._choices[self._left][1], self._choices[self._right][1]
        self._diff_worker(left, right)

    @work(thread=True, group="diff", exclusive=True, exit_on_error=False)
    def _diff_worker(self, left: Exchange, right: Exchange) -> None:
        worker = get_current_worker()
        diff = side_by_side(self._redactor.exchange(left), self._redactor.exchange(right))
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, diff)

    def _show(self, diff: SideBySide) -> None:
        self.query_one(DiffView).show(diff)
        summary = "identical" if diff.changed == 0 else f"{diff.changed} row(s) differ — n / N jump"
        self.query_one("#diff-summary", Static).update(Text(summary))
