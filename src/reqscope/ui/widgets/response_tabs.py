"""The response's tabs: body, headers, cookies, redirects and the raw exchange.

The part of the response viewer that stays hidden until there is a response, so
`ResponseView` builds it after the first frame (and imports it only then); it renders what the
view hands it and keeps no state of its own beyond the widgets.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import TabbedContent, TabPane

from reqscope.core.body import BodyDocument
from reqscope.core.model import Exchange
from reqscope.core.redact import Redactor
from reqscope.ui.widgets.body_view import BodyView
from reqscope.ui.widgets.cookies_view import CookiesView
from reqscope.ui.widgets.headers_view import HeadersView
from reqscope.ui.widgets.raw_view import RawView
from reqscope.ui.widgets.redirects_view import RedirectsView
from reqscope.ui.widgets.response_view import TABS, tab_id
from reqscope.ui.widgets.tab_label import set_tab_label


class ResponseTabs(TabbedContent):
    """One pane per part of the exchange, with counts in the tab labels."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.body_view = BodyView(id="response-body-view")
        views = (
            self.body_view,
            HeadersView(id="response-headers-view"),
            CookiesView(id="response-cookies-view"),
            RedirectsView(id="response-redirects-view"),
            RawView(id="response-raw-view"),
        )
        for (name, title, _key), view in zip(TABS, views, strict=True):
            self.compose_add_child(TabPane(title, view, id=tab_id(name)))

    def show_exchange(self, exchange: Exchange, redactor: Redactor) -> None:
        """Every tab but the body (built in a worker, shown with `show_document`)."""
        self.query_one(HeadersView).show(exchange, redactor)
        self.query_one(CookiesView).show(exchange.response)
        self.query_one(RedirectsView).show(exchange, redactor)
        self.query_one(RawView).show(exchange, redactor)
        response = exchange.response
        headers = len(exchange.request.headers) + (len(response.headers) if response else 0)
        cookies = len(response.header_values("set-cookie")) if response else 0
        counts = {"headers": headers, "cookies": cookies, "redirects": len(exchange.redirects)}
        for name, title, _key in TABS:
            count = counts.get(name)
            label = Content.assemble(title, (f" {count}", "$text-muted") if count else "")
            set_tab_label(self, tab_id(name), label)

    def show_document(self, document: BodyDocument | None) -> None:
        self.body_view.show(document)
