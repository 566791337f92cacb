"""The request body: JSON or raw text in a plain `TextArea`, or form fields as rows.

The TextArea has no tree-sitter language on purpose (DESIGN.md §7: tree-sitter 0.26 segfaults
on `TextArea(language="json")`). `f2` opens the text in `$EDITOR` with the app suspended.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Select, Static, TextArea

from reqscope.core.model import BodyKind, FormField
from reqscope.ui.widgets.kv_rows import KeyValueRows, Row

KIND_LABELS = {
    BodyKind.NONE: "No body",
    BodyKind.JSON: "JSON",
    BodyKind.RAW: "Raw text",
    BodyKind.FORM: "Form (urlencoded)",
    BodyKind.MULTIPART: "Multipart form",
}
TEXT_KINDS = (BodyKind.JSON, BodyKind.RAW)
FORM_KINDS = (BodyKind.FORM, BodyKind.MULTIPART)


def apply_form_edit(
    fields: Sequence[FormField],
    edit: KeyValueRows.RowChanged | KeyValueRows.RowAdded | KeyValueRows.RowDeleted,
) -> tuple[FormField, ...]:
    """The form fields after one edit in the table; a field's file settings are kept."""
    result = list(fields)
    if isinstance(edit, KeyValueRows.RowAdded):
        result.append(FormField(edit.row.name, edit.row.value, enabled=edit.row.enabled))
    elif isinstance(edit, KeyValueRows.RowChanged):
        row, field = edit.row, result[edit.index]
        # A file field is shown as `@path`; that text is not a value to send.
        value = field.value if field.file and row.value == f"@{field.file}" else row.value
        result[edit.index] = replace(field, name=row.name, value=value, enabled=row.enabled)
    else:
        del result[edit.index]
    return tuple(result)


def edit_in_external_editor(text: str, suffix: str, editor: str) -> str:
    """Run `editor` on a temporary file holding `text`; returns the file's text afterwards."""
    with tempfile.TemporaryDirectory(prefix="reqscope-") as directory:
        path = Path(directory) / f"body{suffix}"
        path.write_text(text, encoding="utf-8")
        subprocess.run([*shlex.split(editor), str(path)], check=False)
        return path.read_text(encoding="utf-8")


class BodyEditor(Vertical):
    DEFAULT_CSS = """
    BodyEditor > Horizontal { height: 3; }
    BodyEditor #body-kind { width: 28; }
    BodyEditor #external { width: auto; }
    BodyEditor #body-hint { padding: 1 1 0 1; color: $text-muted; }
    BodyEditor TextArea { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "edit_externally", "Edit in $EDITOR"),
    ]

    class Edited(Message):
        def __init__(self, kind: BodyKind, body: str, form: tuple[FormField, ...]) -> None:
            super().__init__()
            self.kind = kind
            self.body = body
            self.form = form

    def __init__(
        self,
        kind: BodyKind = BodyKind.NONE,
        body: str = "",
        form: Sequence[FormField] = (),
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._kind = kind
        self._body = body
        self._form = tuple(form)

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Select(
                [(label, kind.value) for kind, label in KIND_LABELS.items()],
                value=self._kind.value,
                allow_blank=False,
                id="body-kind",
            )
            yield Button("$EDITOR", id="external", tooltip="Edit the body in $EDITOR (f2)")
            yield Static("", id="body-hint")
        yield TextArea(self._body, soft_wrap=True, show_line_numbers=True, id="body-text")
        yield KeyValueRows(toggle=True, placeholder="field", id="body-form")

    def on_mount(self) -> None:
        self._show_parts()

    def show(self, kind: BodyKind, body: str, form: Sequence[FormField]) -> None:
        self._kind, self._body, self._form = kind, body, tuple(form)
        if not self.children:
            return
        with self.prevent(Select.Changed, TextArea.Changed):
            select = self.query_one("#body-kind", Select)
            if select.value != kind.value:
                select.value = kind.value
            text_area = self.query_one("#body-text", TextArea)
            if text_area.text != body:
                text_area.load_text(body)
        self._show_parts()

    def _show_parts(self) -> None:
        self.query_one("#body-text").display = self._kind in TEXT_KINDS
        self.query_one("#external").display = self._kind in TEXT_KINDS
        form = self.query_one("#body-form", KeyValueRows)
        form.display = self._kind in FORM_KINDS
        form.show([Row(f.name, f"@{f.file}" if f.file else f.value, f.enabled) for f in self._form])
        hint = {
            BodyKind.NONE: "",
            BodyKind.JSON: "Content-Type: application/json unless a header says otherwise",
            BodyKind.RAW: "sent as typed; set Content-Type in Headers",
            BodyKind.FORM: "application/x-www-form-urlencoded",
            BodyKind.MULTIPART: "multipart/form-data",
        }[self._kind]
        self.query_one("#body-hint", Static).update(hint)

    def _post(self) -> None:
        self.post_message(self.Edited(self._kind, self._body, self._form))

    @on(Select.Changed, "#body-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._kind = BodyKind(str(event.value))
        self._show_parts()
        self._post()

    @on(TextArea.Changed, "#body-text")
    def _text_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._body = event.text_area.text
        self._post()

    @on(KeyValueRows.RowChanged)
    @on(KeyValueRows.RowAdded)
    @on(KeyValueRows.RowDeleted)
    def _form_edited(
        self, event: KeyValueRows.RowChanged | KeyValueRows.RowAdded | KeyValueRows.RowDeleted
    ) -> None:
        event.stop()
        self._form = apply_form_edit(self._form, event)
        self._show_parts()
        self._post()

    @on(Button.Pressed, "#external")
    def _external_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_edit_externally()

    def action_edit_externally(self) -> None:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        suffix = ".json" if self._kind == BodyKind.JSON else ".txt"
        try:
            with self.app.suspend():
                text = edit_in_external_editor(self._body, suffix, editor)
        except SuspendNotSupported:
            self.notify("This terminal cannot hand over to $EDITOR", severity="warning")
            return
        except OSError as exc:
            self.notify(f"Could not run {editor!r}: {exc.strerror}", severity="error")
            return
        if text != self._body:
            self.show(self._kind, text, self._form)
            self._body = text
            self._post()
