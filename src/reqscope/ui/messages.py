"""Messages that carry edits from widgets to the app, which applies them to the workspace.

Widgets never change the model themselves: they post one of these (past tense: something the
user did) and the app updates `Workspace` and re-renders.
"""

from __future__ import annotations

from textual.message import Message

from reqscope.core.model import Exchange, Request


class RequestEdited(Message):
    """The request editor changed the current request (one keystroke is one edit)."""

    def __init__(self, request: Request) -> None:
        super().__init__()
        self.request = request


class SendPressed(Message):
    """The user asked to send the current request (Send button, or enter in the URL)."""


class CurlPasted(Message):
    """A `curl ...` command was pasted or entered in the URL field: it becomes the request."""

    def __init__(self, command: str) -> None:
        super().__init__()
        self.command = command


class RequestChosen(Message):
    """A request was picked in the session sidebar."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index


class ExchangeChosen(Message):
    """A past exchange was picked in the sidebar's history: show it without resending."""

    def __init__(self, exchange: Exchange) -> None:
        super().__init__()
        self.exchange = exchange
