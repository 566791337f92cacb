"""The Headers tab: response headers in order with duplicates, then the request headers as
they were sent. Seeing both side by side answers "did my Authorization header even go
out?", which is half of all 403 debugging. Credential values are masked by the Redactor."""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from reqscope.core.model import Exchange
from reqscope.core.redact import Redactor
from reqscope.ui.formatting import inert

RESPONSE_MARK = "<"
REQUEST_MARK = ">"


class HeaderRow(NamedTuple):
    direction: str  # RESPONSE_MARK or REQUEST_MARK, as curl -v prints them
    name: str
    value: str  # already masked and made inert


def header_rows(exchange: Exchange, redactor: Redactor) -> list[HeaderRow]:
    rows: list[HeaderRow] = []
    if exchange.response is not None:
        rows += [
            HeaderRow(RESPONSE_MARK, inert(name), inert(redactor.header_value(name, value)))
            for name, value in exchange.response.headers
        ]
    rows += [
        HeaderRow(REQUEST_MARK, inert(name), inert(redactor.header_value(name, value)))
        for name, value in exchange.request.headers
    ]
    return rows


class HeadersView(DataTable[Text]):
    """Response then request headers; `y` copies the highlighted value (as shown, masked)."""

    DEFAULT_CSS = """
    HeadersView {
        height: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "copy_value", "Copy value", tooltip="Copy the header's value")
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.shown_rows: list[HeaderRow] = []

    def on_mount(self) -> None:
        self.add_column("", key="direction")
        self.add_column("Name", key="name")
        self.add_column("Value", key="value")

    def show(self, exchange: Exchange | None, redactor: Redactor) -> None:
        self.clear()
        self.shown_rows = header_rows(exchange, redactor) if exchange is not None else []
        for row in self.shown_rows:
            # Text(str), never a str: DataTable parses str cells as markup.
            self.add_row(
                Text(row.direction, style="bold" if row.direction == RESPONSE_MARK else "dim"),
                Text(row.name, style="bold"),
                Text(row.value),
            )

    def action_copy_value(self) -> None:
        if not self.shown_rows or not 0 <= self.cursor_row < len(self.shown_rows):
            self.notify("No header to copy.", severity="warning")
            return
        row = self.shown_rows[self.cursor_row]
        self.app.copy_to_clipboard(row.value)
        self.notify(f"Copied the value of {row.name}.")
