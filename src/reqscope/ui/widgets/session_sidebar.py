"""The session sidebar: the session's requests, the selected one's description, and its
exchanges.

Picking a request edits it; picking a past exchange shows it again without resending. The
title carries the unsaved-changes marker. Keys act on the requests list: n new, c duplicate,
r rename, delete remove, shift+up/down move (the app does the editing).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reqscope.core.model import Exchange, Request
from reqscope.core.workspace import Workspace
from reqscope.ui.messages import ExchangeChosen, RequestChosen

MAX_METHOD_WIDTH = 7  # OPTIONS; longer custom methods are cut in the list, never in the editor


def status_style(status: int | None) -> str:
    if status is None:
        return "bold red"
    if status < 300:
        return "green"
    if status < 400:
        return "cyan"
    return "bold red" if status >= 500 else "bold yellow"


def request_label(request: Request, last: Exchange | None, method_width: int = 6) -> Text:
    """`403 GET    name` — last status (blank until sent), method, name (plain text, never
    markup). Status and method are fixed-width columns so names line up, and a long name is
    cut with an ellipsis by the list (CSS) instead of wrapping onto a second line."""
    label = Text(no_wrap=True, overflow="ellipsis")
    if last is None:
        label.append("    ")
    else:
        status = last.status
        shown = str(status) if status is not None else "ERR"
        label.append(f"{shown:<3} ", style=status_style(status))
    label.append(f"{request.method[:method_width]:<{method_width}} ", style="bold")
    label.append(request.name)
    return label


def exchange_label(exchange: Exchange) -> Text:
    """`14:02:11  403  12 ms` (or the transport error kind)."""
    label = Text(no_wrap=True, overflow="ellipsis")
    if exchange.started_at is not None:
        label.append(exchange.started_at.astimezone().strftime("%H:%M:%S") + "  ", style="dim")
    if exchange.response is not None:
        label.append(str(exchange.status), style=status_style(exchange.status))
    elif exchange.error is not None:
        label.append(exchange.error.kind.value, style=status_style(None))
    label.append("  ")
    label.append(f"{exchange.timings.total_ms:.0f} ms", style="dim")
    return label


class SessionSidebar(Vertical):
    DEFAULT_CSS = """
    SessionSidebar { width: 30; border-right: vkey $foreground 20%; }
    SessionSidebar #session-title { height: 1; padding: 0 1; text-style: bold; }
    SessionSidebar .heading { height: 1; padding: 0 1; color: $text-muted; }
    SessionSidebar OptionList { border: none; text-wrap: nowrap; text-overflow: ellipsis; }
    SessionSidebar #requests { height: 2fr; }
    SessionSidebar #about { height: auto; max-height: 6; padding: 0 1; color: $text-muted; }
    SessionSidebar #history { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "app.new_request", "New request"),
        Binding("c", "app.duplicate_request", "Duplicate"),
        Binding("r", "app.rename_request", "Rename"),
        Binding("delete", "app.delete_request", "Delete request"),
        Binding("shift+up", "app.move_request(-1)", "Move up", show=False),
        Binding("shift+down", "app.move_request(1)", "Move down", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._history: tuple[Exchange, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static("", id="session-title")
        yield Static("Requests", classes="heading")
        yield OptionList(id="requests")
        yield Static("", id="about")
        yield Static("History (enter shows it)", classes="heading")
        yield OptionList(id="history")

    def show(self, workspace: Workspace) -> None:
        """Render the workspace: title with marker, requests, history of the current one."""
        title = Text(workspace.title, no_wrap=True, overflow="ellipsis")
        self.query_one("#session-title", Static).update(title)
        method_width = min(MAX_METHOD_WIDTH, max(len(r.method) for r in workspace.requests))
        labels = [
            request_label(request, next(iter(workspace.history(index)), None), method_width)
            for index, request in enumerate(workspace.requests)
        ]
        requests = self.query_one("#requests", OptionList)
        _set_options(requests, labels)
        if requests.highlighted != workspace.current_index:
            requests.highlighted = workspace.current_index
        about = self.query_one("#about", Static)
        about.update(Text(workspace.current.description))
        about.display = bool(workspace.current.description)
        self.show_history(workspace.history())

    def show_history(self, history: Sequence[Exchange]) -> None:
        self._history = tuple(history)
        _set_options(self.query_one("#history", OptionList), [exchange_label(e) for e in history])

    @on(OptionList.OptionSelected, "#requests")
    def _request_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(RequestChosen(event.option_index))

    @on(OptionList.OptionSelected, "#history")
    def _exchange_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self._history):
            self.post_message(ExchangeChosen(self._history[event.option_index]))


def _set_options(option_list: OptionList, labels: Sequence[Text]) -> None:
    """Update prompts in place when the count is unchanged (keeps scroll and highlight)."""
    if option_list.option_count == len(labels):
        for index, label in enumerate(labels):
            if option_list.get_option_at_index(index).prompt != label:
                option_list.replace_option_prompt_at_index(index, label)
        return
    highlighted = option_list.highlighted
    option_list.clear_options()
    option_list.add_options([Option(label) for label in labels])
    if labels:
        option_list.highlighted = min(highlighted or 0, len(labels) - 1)
