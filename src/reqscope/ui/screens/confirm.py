"""A modal question with a few buttons (quit with unsaved changes, recover a draft ...).
Dismisses with the id of the chosen button, or None on escape."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

# (button id, label, variant)
Choice = tuple[str, str, str]


class ConfirmScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 64; max-width: 100%; height: auto; border: thick $warning; background: $surface;
        padding: 1 2;
    }
    ConfirmScreen #confirm-title { text-style: bold; margin-bottom: 1; }
    ConfirmScreen #confirm-message { margin-bottom: 1; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, message: str, choices: Sequence[Choice]) -> None:
        super().__init__()
        self._title = title
        self._message = message
        self._choices = tuple(choices)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._title), id="confirm-title")
            yield Static(Text(self._message), id="confirm-message")
            with Horizontal():
                for choice_id, label, variant in self._choices:
                    yield Button(label, id=choice_id, variant=variant)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.query(Button).last().focus()

    @on(Button.Pressed)
    def _chosen(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def quit_unsaved(title: str) -> ConfirmScreen:
    return ConfirmScreen(
        "Unsaved changes",
        f"{title} has changes that are not saved.",
        [
            ("save", "Save and quit", "primary"),
            ("quit", "Quit without saving", "error"),
            ("cancel", "Cancel", "default"),
        ],
    )


def discard_unsaved(title: str) -> ConfirmScreen:
    return ConfirmScreen(
        "Unsaved changes",
        f"{title} has changes that are not saved. Open another session anyway?",
        [("discard", "Discard changes", "error"), ("cancel", "Cancel", "default")],
    )


def recover_draft(name: str, detail: str) -> ConfirmScreen:
    return ConfirmScreen(
        "Recover unsaved work?",
        f"A draft of {name} newer than the file was kept (reqscope did not exit cleanly).\n"
        f"{detail}",
        [("discard", "Discard draft", "error"), ("restore", "Restore draft", "primary")],
    )
