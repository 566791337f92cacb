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

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.lazy import Lazy
from textual.widget import MountError, Widget
from textual.widgets import TabbedContent, TabPane

from reqscope.core import urls
from reqscope.core.model import Request
from reqscope.ui.messages import RequestEdited
from reqscope.ui.widgets import headers_table, query_table
from reqscope.ui.widgets.auth_form import AuthForm
from reqscope.ui.widgets.body_editor import BodyEditor
from reqscope.ui.widgets.headers_table import HeadersTable
from reqscope.ui.widgets.kv_rows import KeyValueRows
from reqscope.ui.widgets.options_form import OptionsForm
from reqscope.ui.widgets.query_table import QueryTable
from reqscope.ui.widgets.url_bar import UrlBar, VariableValue

RowEdit = KeyValueRows.RowChanged | KeyValueRows.RowAdded | KeyValueRows.RowDeleted


class HiddenTab(Lazy):
    """Textual's Lazy (mount after the first frame) that lets an app quit before then."""

    async def mount_composed_widgets(self, widgets: list[Widget]) -> None:
        parent = self.parent
        if not isinstance(parent, Widget):
            return

        async def mount() -> None:
            if not (self.is_attached and parent.is_attached):
                return  # the app closed before the first frame
            try:
                await parent.mount(self._replace_widget, after=self)
                await self.remove()
            except MountError:
                return

        self.call_after_refresh(mount)


class RequestEditor(Vertical):
    DEFAULT_CSS = """
    RequestEditor { height: 1fr; }
    RequestEditor TabbedContent { height: 1fr; }
    RequestEditor TabPane { padding: 0; }
    """

    def __init__(self, request: Request | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._request = request = request or Request()
        # The hidden tabs' forms are mounted lazily, after the first frame (a third of the
        # app's widgets: start-up paints sooner). Kept here so `show` reaches them mounted
        # or not; each remembers what it was last shown and composes from that.
        self._auth_form = AuthForm(request.auth, id="auth")
        self._body_editor = BodyEditor(request.body_kind, request.body, request.form, id="body")
        self._options_form = OptionsForm(request.options, id="options")

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
                yield HeadersTable(id="headers")
            with TabPane("Auth", id="tab-auth"):
                yield HiddenTab(self._auth_form)
            with TabPane("Body", id="tab-body"):
                yield HiddenTab(self._body_editor)
            with TabPane("Options", id="tab-options"):
                yield HiddenTab(self._options_form)

    def on_mount(self) -> None:
        self.show(self._request)

    def show(self, request: Request) -> None:
        """Render `request` in every part (parts only touch fields that differ)."""
        self._request = request
        if not self.children:
            return
        self.query_one(UrlBar).show(request.method, request.url)
        self.query_one(QueryTable).show_url(request.url)
        self.query_one(HeadersTable).show_headers(request.headers)
        self._auth_form.show(request.auth)
        self._body_editor.show(request.body_kind, request.body, request.form)
        self._options_form.show(request.options)
        self._label_tabs()

    def show_variables(self, values: Mapping[str, VariableValue]) -> None:
        self.query_one(UrlBar).show_variables(values)

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
            tabs.get_tab(pane_id).label = f"{label} ({count})" if count else label
        auth = request.auth.kind.value
        tabs.get_tab("tab-auth").label = "Auth" if auth == "none" else f"Auth ({auth})"
        body = request.body_kind.value
        tabs.get_tab("tab-body").label = "Body" if body == "none" else f"Body ({body})"

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
        self.query_one(HeadersTable).show_headers(headers)

    @on(AuthForm.Edited)
    def _auth_edited(self, event: AuthForm.Edited) -> None:
        event.stop()
        self._edit(replace(self._request, auth=event.auth))

    @on(BodyEditor.Edited)
    def _body_edited(self, event: BodyEditor.Edited) -> None:
        event.stop()
        self._edit(replace(self._request, body_kind=event.kind, body=event.body, form=event.form))

    @on(OptionsForm.Edited)
    def _options_edited(self, event: OptionsForm.Edited) -> None:
        event.stop()
        self._edit(replace(self._request, options=event.options))
