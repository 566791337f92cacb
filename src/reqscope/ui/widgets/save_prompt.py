"""A one-line "save to file" prompt docked under the response. Big bodies cannot go through
the clipboard (tmux drops OSC 52 sequences over ~786 KB), so saving is the way out; a prompt
inside the pane keeps the user where they were, unlike a modal screen."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label

from reqscope.ui.formatting import inert


class SavePrompt(Horizontal):
    """Asks for a path; posts Submitted(path) on enter and Cancelled on escape."""

    DEFAULT_CSS = """
    SavePrompt {
        display: none;
        height: auto;
        dock: bottom;
        background: $panel;
        padding: 0 1;
    }
    SavePrompt.-open {
        display: block;
    }
    SavePrompt > Label {
        padding: 1 1 0 0;
    }
    SavePrompt > Input {
        width: 1fr;
    }
    SavePrompt > #save-message {
        width: auto;
        max-width: 50%;
        color: $text-muted;
    }
    SavePrompt.-error > #save-message {
        color: $error;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel save", tooltip="Close the save prompt"),
    ]

    class Submitted(Message):
        def __init__(self, path: str) -> None:
            super().__init__()
            self.path = path

    class Cancelled(Message):
        pass

    def compose(self) -> ComposeResult:
        yield Label("Save body to:")
        yield Input(id="save-path", placeholder="path/to/file")
        yield Label("", id="save-message")

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self, default_path: str, message: str = "") -> None:
        path_input = self.query_one("#save-path", Input)
        path_input.value = default_path
        path_input.cursor_position = len(default_path)
        self.say(message)
        self.add_class("-open")
        path_input.focus()

    def close(self) -> None:
        self.remove_class("-open")

    def say(self, message: str, *, error: bool = False) -> None:
        """A short line beside the input: the size to be written, or why the save failed."""
        self.set_class(error, "-error")
        self.query_one("#save-message", Label).update(Content(inert(message)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path = event.value.strip()
        if not path:
            self.say("Type a file name.", error=True)
            return
        self.post_message(self.Submitted(path))

    def action_cancel(self) -> None:
        self.close()
        self.post_message(self.Cancelled())
