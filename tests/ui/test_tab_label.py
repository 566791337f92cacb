"""Tab labels are set only when they read differently (Textual relabels, repaints the tab and
lays out its tab bar again on every assignment)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import TabbedContent, TabPane

from reqscope.ui.widgets.tab_label import set_tab_label


class Tabs(App[None]):
    def compose(self) -> ComposeResult:
        with TabbedContent():
            yield TabPane("Headers", id="headers")
            yield TabPane("Body", id="body")


async def test_a_label_that_reads_the_same_is_not_set_again() -> None:
    app = Tabs()
    async with app.run_test(size=(60, 10)) as pilot:
        tabs = app.query_one(TabbedContent)
        set_tab_label(tabs, "headers", Content.assemble("Headers", (" 3", "$text-muted")))
        await pilot.pause()
        label = tabs.get_tab("headers").label
        set_tab_label(tabs, "headers", Content.assemble("Headers", (" 3", "$text-muted")))
        assert tabs.get_tab("headers").label is label  # untouched
        set_tab_label(tabs, "headers", Content.assemble("Headers", (" 4", "$text-muted")))
        await pilot.pause()
        assert tabs.get_tab("headers").label.plain == "Headers 4"
