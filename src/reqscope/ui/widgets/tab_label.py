"""Setting a tab's label only when it reads differently.

Textual relabels a tab on every assignment, equal or not: the tab repaints, its tab bar lays
out again and moves its underline. Labels with counts are set on every response and edit,
mostly to what they already say.
"""

from __future__ import annotations

from textual.content import Content, ContentText
from textual.widgets import TabbedContent


def set_tab_label(tabs: TabbedContent, pane_id: str, label: ContentText) -> None:
    tab = tabs.get_tab(pane_id)
    content = Content.from_text(label)
    if tab.label != content:
        tab.label = content
