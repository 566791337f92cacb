"""Reading and applying where an app is looking (tabs, selected finding, zoomed pane), so a
share guest can follow the host's view: the host publishes its `ViewState` on every change of
it, and a following guest goes to the same places in its own app (own size, own focus). Both
act on the app's main screen, whatever modal (help, the palette) is open over it."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.widget import Widget
from textual.widgets import TabbedContent

from reqscope.share.hub import ViewState
from reqscope.ui.widgets.diagnosis_pane import DiagnosisPane, toggle_zoom
from reqscope.ui.widgets.response_view import ResponseView

ZOOMABLE = ("response", "diagnosis")  # ids of the panes `z` fills the screen with


def zoomed_id(maximized: Widget | None) -> str:
    """The id of the pane filling the screen, "" when none does."""
    return (maximized.id or "") if maximized is not None else ""


def current_view(app: App[Any]) -> ViewState:
    main = app.screen_stack[0]
    return ViewState(
        request_tab=main.query_one("#request-tabs", TabbedContent).active,
        response_tab=main.query_one(ResponseView).active_tab,
        finding=main.query_one(DiagnosisPane).selected,
        zoomed=zoomed_id(main.maximized),
    )


def apply_view(app: App[Any], view: ViewState) -> None:
    """Go where `view` says; a part this app cannot show yet (tabs not built) is left."""
    main = app.screen_stack[0]
    request_tabs = main.query_one("#request-tabs", TabbedContent)
    if view.request_tab and request_tabs.active != view.request_tab:
        request_tabs.active = view.request_tab
    response = main.query_one(ResponseView)
    if response.active_tab != view.response_tab:
        response.select_tab(view.response_tab)
    pane = main.query_one(DiagnosisPane)
    if pane.selected != view.finding:
        pane.select(view.finding)
    maximized = main.maximized
    if zoomed_id(maximized) != view.zoomed:
        if maximized is not None:
            main.minimize()
        if view.zoomed in ZOOMABLE:
            toggle_zoom(main.query_one(f"#{view.zoomed}"))
