"""The request's headers as an ordered, editable table: edit in place, toggle, delete, add;
duplicates allowed (some servers care about a repeated header, so the table never merges)."""

from __future__ import annotations

from collections.abc import Sequence

from reqscope.core.model import Header
from reqscope.ui.widgets.kv_rows import KeyValueRows, Row


def apply_row_edit(
    headers: Sequence[Header],
    edit: KeyValueRows.RowChanged | KeyValueRows.RowAdded | KeyValueRows.RowDeleted,
) -> tuple[Header, ...]:
    """The headers after one edit made in the table."""
    result = list(headers)
    if isinstance(edit, KeyValueRows.RowAdded):
        result.append(Header(edit.row.name, edit.row.value, edit.row.enabled))
    elif isinstance(edit, KeyValueRows.RowChanged):
        result[edit.index] = Header(edit.row.name, edit.row.value, edit.row.enabled)
    else:
        del result[edit.index]
    return tuple(result)


class HeadersTable(KeyValueRows):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(toggle=True, placeholder="Header-Name", id=id)

    def show_headers(self, headers: Sequence[Header]) -> None:
        self.show([Row(h.name, h.value, h.enabled) for h in headers])
