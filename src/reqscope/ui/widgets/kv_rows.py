"""An editable, ordered list of name/value rows: the shared part of the headers, query and form
tables. Duplicates are allowed and order is kept; a blank row at the end adds a new one.

The widget only renders rows it is given (`show`) and reports what the user did as messages
(`RowChanged`, `RowAdded`, `RowDeleted`); the owner turns those into model edits and calls
`show` again with the result. Row widgets are reused by position, so the input being typed in
keeps its focus and cursor across re-renders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, Input


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    value: str
    enabled: bool = True


class RowEditor(Horizontal):
    """One row: [x] name value [del]. The last row of a table is blank and adds a row."""

    DEFAULT_CSS = """
    RowEditor { height: 1; margin-bottom: 1; }
    RowEditor Checkbox { width: 4; margin-right: 1; }
    RowEditor Input { width: 1fr; margin-right: 1; }
    RowEditor Input.name { width: 2fr; max-width: 32; }
    RowEditor Input.value { width: 3fr; }
    RowEditor Button { min-width: 3; width: 3; }
    RowEditor.-blank Button, RowEditor.-blank Checkbox { visibility: hidden; }
    RowEditor.-disabled Input { text-style: strike; color: $text-muted; }
    """

    # Priority: inside the row's inputs ctrl+d would otherwise delete one character.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+d", "delete_row", "Delete row", priority=True)
    ]

    def __init__(
        self, row: Row, index: int, *, blank: bool, toggle: bool, placeholder: str
    ) -> None:
        super().__init__(classes="-blank" if blank else "")
        self._row = row
        self.index = index
        self._toggle = toggle
        self._placeholder = placeholder
        self._live = False  # children exist and show `_row`

    def compose(self) -> ComposeResult:
        if self._toggle:
            yield Checkbox(
                value=self._row.enabled, tooltip="Send this row (space toggles)", compact=True
            )
        yield Input(self._row.name, placeholder=self._placeholder, classes="name", compact=True)
        yield Input(self._row.value, placeholder="value", classes="value", compact=True)
        yield Button("✕", tooltip="Delete this row (ctrl+d)", compact=True)

    def render_row(self, row: Row, *, blank: bool) -> None:
        """Show `row` without echoing the changes back as edits."""
        self._row = row
        self.set_class(blank, "-blank")
        self.set_class(not row.enabled and not blank, "-disabled")
        if self._live:
            self._fill()

    def on_mount(self) -> None:
        self._live = True
        self._fill()

    def _fill(self) -> None:
        row = self._row
        with self.prevent(Input.Changed, Checkbox.Changed):
            name, value = self.query(Input)
            if name.value != row.name:
                name.value = row.name
            if value.value != row.value:
                value.value = row.value
            if self._toggle:
                checkbox = self.query_one(Checkbox)
                if checkbox.value != row.enabled:
                    checkbox.value = row.enabled

    def current(self) -> Row:
        name, value = self.query(Input)
        enabled = self.query_one(Checkbox).value if self._toggle else True
        return Row(name.value, value.value, enabled)

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _edited(self, event: Input.Changed | Checkbox.Changed) -> None:
        event.stop()
        table = self._table()
        row = self.current()
        if self.has_class("-blank"):
            if row.name or row.value:
                table.post_message(KeyValueRows.RowAdded(table, row))
        else:
            table.post_message(KeyValueRows.RowChanged(table, self.index, row))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        # Enter moves on (name -> value -> next row) rather than sending.
        event.stop()
        self.screen.focus_next()

    @on(Button.Pressed)
    def _delete_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_delete_row()

    def action_delete_row(self) -> None:
        if not self.has_class("-blank"):
            table = self._table()
            table.post_message(KeyValueRows.RowDeleted(table, self.index))

    def _table(self) -> KeyValueRows:
        return self.query_ancestor(KeyValueRows)


class KeyValueRows(VerticalScroll, can_focus=False):
    """Rows of name/value inputs plus a trailing blank row."""

    DEFAULT_CSS = """
    KeyValueRows { height: 1fr; padding: 0 1; }
    """

    class RowChanged(Message):
        def __init__(self, table: KeyValueRows, index: int, row: Row) -> None:
            super().__init__()
            self.table = table
            self.index = index
            self.row = row

        @property
        def control(self) -> KeyValueRows:
            return self.table

    class RowAdded(Message):
        def __init__(self, table: KeyValueRows, row: Row) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> KeyValueRows:
            return self.table

    class RowDeleted(Message):
        def __init__(self, table: KeyValueRows, index: int) -> None:
            super().__init__()
            self.table = table
            self.index = index

        @property
        def control(self) -> KeyValueRows:
            return self.table

    def __init__(
        self,
        *,
        toggle: bool = True,
        placeholder: str = "name",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._toggle = toggle
        self._placeholder = placeholder
        self._rows: tuple[Row, ...] = ()
        self._live = False
        # Row widgets by position; kept here because removed ones linger in `children`.
        self._editors = [self._row_editor(Row("", ""), 0, blank=True)]

    def compose(self) -> ComposeResult:
        yield from self._editors

    @property
    def rows(self) -> tuple[Row, ...]:
        return self._rows

    def show(self, rows: Sequence[Row]) -> None:
        """Render `rows` (plus the blank row), reusing row widgets by position."""
        self._rows = tuple(rows)
        if self._live:
            self._reconcile()

    def on_mount(self) -> None:
        self._live = True
        self._reconcile()

    def _reconcile(self) -> None:
        wanted = [*self._rows, Row("", "")]
        for index, row in enumerate(wanted):
            blank = index == len(self._rows)
            if index < len(self._editors):
                self._editors[index].render_row(row, blank=blank)
            else:
                editor = self._row_editor(row, index, blank=blank)
                self._editors.append(editor)
                self.mount(editor)
        while len(self._editors) > len(wanted):
            self._editors.pop().remove()

    def _row_editor(self, row: Row, index: int, *, blank: bool) -> RowEditor:
        editor = RowEditor(
            row, index, blank=blank, toggle=self._toggle, placeholder=self._placeholder
        )
        editor.set_class(not row.enabled and not blank, "-disabled")
        return editor
