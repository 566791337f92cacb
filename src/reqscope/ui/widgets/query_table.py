"""The URL's query parameters as a table. The URL text is the model: every edit here is
applied to it through `reqscope.core.urls` (which keeps templates, order, duplicates and the
encoding of untouched parameters), and the table is re-rendered from the resulting URL."""

from __future__ import annotations

from reqscope.core import urls
from reqscope.ui.widgets.kv_rows import KeyValueRows, Row


def apply_row_edit(
    url: str,
    edit: KeyValueRows.RowChanged | KeyValueRows.RowAdded | KeyValueRows.RowDeleted,
) -> str:
    """The URL after one edit made in the query table."""
    if isinstance(edit, KeyValueRows.RowAdded):
        return urls.add_param(url, edit.row.name, edit.row.value)
    if isinstance(edit, KeyValueRows.RowChanged):
        return urls.set_param(url, edit.index, name=edit.row.name, value=edit.row.value)
    return urls.remove_param(url, edit.index)


class QueryTable(KeyValueRows):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(toggle=False, placeholder="parameter", id=id)

    def show_url(self, url: str) -> None:
        self.show([Row(p.name, p.value) for p in urls.query_params(url)])
