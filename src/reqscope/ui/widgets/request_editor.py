"""The request editor: the URL bar over tabs for query, headers, auth, body and options.

It renders one `model.Request` (`show`) and turns every edit in its parts into a whole new
Request, posted as `RequestEdited` for the app to store in the workspace. The editor keeps its
own copy updated at once, so quick successive keystrokes build on each other and nothing typed
is lost while the app catches up; the query tab and the URL are synchronised through the
request's URL (`reqscope.core.urls`), never by the two widgets talking to each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import TabbedContent, TabPane

from reqscope.core import urls
from reqscope.core.model import Request
from reqscope.ui.messages import RequestEdited
from reqscope.ui.widgets import headers_table, query_table
from reqscope.ui.widgets.deferred import Deferred
from reqscope.ui.widgets.headers_table import HeadersTable
from reqscope.ui.widgets.kv_rows import KeyValueRows
from reqscope.ui.widgets.query_table import QueryTable
from reqscope.ui.widgets.tab_label import set_tab_label
from reqscope.ui.widgets.url_bar import UrlBar, VariableValue

if TYPE_CHECKING:
    from reqscope.ui.widgets.auth_form import AuthForm
    from reqscope.ui.widgets.body_editor import BodyEditor
    from reqscope.ui.widgets.options_form import OptionsForm

RowEdit = KeyValueRows.RowChanged | KeyValueRows.RowAdded | KeyValueRows.RowDeleted


class RequestEditor(Vertical):
    DEFAULT_CSS = """
    RequestEditor { height: 1fr; }
    RequestEditor TabbedContent { height: 1fr; }
    RequestEditor TabPane { padding: 0; }
    """

    def __init__(self, request: Request | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._request = request or Request()
        # The hidden tabs' contents (over half of the editor's widgets) are built and mounted
        # after the first frame (`Deferred`), so start-up paints sooner; the forms' modules
        # are imported only then. Each part remembers what it was last shown, so `show`
        # reaches it mounted or not; the forms are made from the request of the moment.
        self._headers_table = HeadersTable(id="headers")
        self._auth_form: AuthForm | None = None
        self._body_editor: BodyEditor | None = None
        self._options_form: OptionsForm | None = None

    @property
    def request(self) -> Request:
        return self._request

    def compose(self) -> ComposeResult:
        request = self._request
        yield UrlBar(request.method, request.url)
        with TabbedContent(id="request-tabs"):
            with TabPane("Query", id="tab-query"):
                yield QueryTable(id="query")
            with TabPane("Headers", id="tab-headers"):
                yield Deferred(lambda: self._headers_table)
            with TabPane("Auth", id="tab-auth"):
                yield Deferred(self._build_auth_form)
            with TabPane("Body", id="tab-body"):
                yield Deferred(self._build_body_editor)
            with TabPane("Options", id="tab-options"):
                yield Deferred(self._build_options_form)

    def _build_auth_form(self) -> AuthForm:
        from reqscope.ui.widgets.auth_form import AuthForm

        self._auth_form = AuthForm(self._request.auth, id="auth")
        return self._auth_form

    def _build_body_editor(self) -> BodyEditor:
        from reqscope.ui.widgets.body_editor import BodyEditor

        request = self._request
        self._body_editor = BodyEditor(request.body_kind, request.body, request.form, id="body")
        return self._body_editor

    def _build_options_form(self) -> OptionsForm:
        from reqscope.ui.widgets.options_form import OptionsForm

        self._options_form = OptionsForm(self._request.options, id="options")
        return self._options_form

    def on_mount(self) -> None:
        self.show(self._request)

    def show(self, request: Request) -> None:
        """Render `request` in every part (parts only touch fields that differ)."""
        self._request = request
        if not self.children:
            return
        self.query_one(UrlBar).show(request.method, request.url)
        self.query_one(QueryTable).show_url(request.url)
        self._headers_table.show_headers(request.headers)
        if self._auth_form is not None:
            self._auth_form.show(request.auth)
        if self._body_editor is not None:
            self._body_editor.show(request.body_kind, request.body, request.form)
        if self._options_form is not None:
            self._options_form.show(request.options)
        self._label_tabs()

    def show_variables(self, values: Mapping[str, VariableValue], whose: str = "") -> None:
        self.query_one(UrlBar).show_variables(values, whose)

    def _label_tabs(self) -> None:
        """Counts in the tab labels, so what a request carries is visible at a glance."""
        request = self._request
        tabs = self.query_one(TabbedContent)
        counts = {
            "tab-query": len(urls.query_params(request.url)),
            "tab-headers": sum(1 for h in request.headers if h.enabled),
        }
        for pane_id, label in (("tab-query", "Query"), ("tab-headers", "Headers")):
            count = counts[pane_id]
            set_tab_label(tabs, pane_id, f"{label} ({count})" if count else label)
        auth = request.auth.kind.value
        set_tab_label(tabs, "tab-auth", "Auth" if auth == "none" else f"Auth ({auth})")
        body = request.body_kind.value
        set_tab_label(tabs, "tab-body", "Body" if body == "none" else f"Body ({body})")

    def _edit(self, request: Request) -> None:
        if request == self._request:
            return
        self._request = request
        self._label_tabs()
        self.post_message(RequestEdited(request))

    @on(UrlBar.Edited)
    def _url_edited(self, event: UrlBar.Edited) -> None:
        event.stop()
        self._edit(replace(self._request, method=event.method, url=event.url))
        self.query_one(QueryTable).show_url(event.url)

    @on(KeyValueRows.RowChanged, "#query")
    @on(KeyValueRows.RowAdded, "#query")
    @on(KeyValueRows.RowDeleted, "#query")
    def _query_edited(self, event: RowEdit) -> None:
        event.stop()
        url = query_table.apply_row_edit(self._request.url, event)
        self._edit(replace(self._request, url=url))
        self.query_one(UrlBar).show(self._request.method, url)
        self.query_one(QueryTable).show_url(url)

    @on(KeyValueRows.RowChanged, "#headers")
    @on(KeyValueRows.RowAdded, "#headers")
    @on(KeyValueRows.RowDeleted, "#headers")
    def _headers_edited(self, event: RowEdit) -> None:
        event.stop()
        headers = headers_table.apply_row_edit(self._request.headers, event)
        self._edit(replace(self._request, headers=headers))
        self._headers_table.show_headers(headers)

    # The forms' messages are handled by name: their modules load after the first frame.
    def on_auth_form_edited(self, event: AuthForm.Edited) -> None:
        event.stop()
        self._edit(replace(self._request, auth=event.auth))

    def on_body_editor_edited(self, event: BodyEditor.Edited) -> None:
        event.stop()
        self._edit(replace(self._request, body_kind=event.kind, body=event.body, form=event.form))

    def on_options_form_edited(self, event: OptionsForm.Edited) -> None:
        event.stop()
        self._edit(replace(self._request, options=event.options))
