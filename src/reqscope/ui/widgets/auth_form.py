"""Credentials: none, bearer, basic, or an API key in a header or the query. The token and
password fields are masked; a reveal toggle shows them while you check what you typed."""

from __future__ import annotations

from dataclasses import replace

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Select, Switch

from reqscope.core.model import ApiKeyLocation, Auth, AuthKind

KIND_LABELS = {
    AuthKind.NONE: "No auth",
    AuthKind.BEARER: "Bearer token",
    AuthKind.BASIC: "Basic (user + password)",
    AuthKind.API_KEY: "API key",
}
# Which inputs each kind uses; the others are hidden.
FIELDS_BY_KIND = {
    AuthKind.NONE: (),
    AuthKind.BEARER: ("token",),
    AuthKind.BASIC: ("username", "password"),
    AuthKind.API_KEY: ("key_name", "token", "location"),
}


class AuthForm(VerticalScroll):
    DEFAULT_CSS = """
    AuthForm { padding: 0 1; }
    AuthForm Horizontal { height: auto; }
    AuthForm Label { width: 12; padding: 1 1 0 0; }
    AuthForm Input { width: 1fr; }
    AuthForm #kind { width: 32; }
    AuthForm #location { width: 20; }
    AuthForm .reveal { width: auto; height: 3; }
    AuthForm .reveal Label { width: auto; }
    """

    class Edited(Message):
        def __init__(self, auth: Auth) -> None:
            super().__init__()
            self.auth = auth

    def __init__(self, auth: Auth | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._auth = auth or Auth()

    def compose(self) -> ComposeResult:
        auth = self._auth
        with Horizontal():
            yield Select(
                [(label, kind.value) for kind, label in KIND_LABELS.items()],
                value=auth.kind.value,
                allow_blank=False,
                id="kind",
            )
            with Horizontal(classes="reveal"):
                yield Label("reveal")
                yield Switch(False, id="reveal", tooltip="Show the token and password")
        with Horizontal(id="row-key_name"):
            yield Label("Key name")
            yield Input(auth.key_name, placeholder="X-API-Key", id="key_name")
        with Horizontal(id="row-token"):
            yield Label("Token")
            yield Input(auth.token, placeholder="{{env.API_TOKEN}}", password=True, id="token")
        with Horizontal(id="row-username"):
            yield Label("Username")
            yield Input(auth.username, id="username")
        with Horizontal(id="row-password"):
            yield Label("Password")
            yield Input(auth.password, password=True, id="password")
        with Horizontal(id="row-location"):
            yield Label("Send in")
            yield Select(
                [("header", ApiKeyLocation.HEADER.value), ("query", ApiKeyLocation.QUERY.value)],
                value=auth.location.value,
                allow_blank=False,
                id="location",
            )

    def on_mount(self) -> None:
        self._show_fields()

    def show(self, auth: Auth) -> None:
        self._auth = auth
        if not self.children:
            return
        with self.prevent(Input.Changed, Select.Changed):
            kind = self.query_one("#kind", Select)
            if kind.value != auth.kind.value:
                kind.value = auth.kind.value
            location = self.query_one("#location", Select)
            if location.value != auth.location.value:
                location.value = auth.location.value
            for name in ("token", "username", "password", "key_name"):
                field = self.query_one(f"#{name}", Input)
                if field.value != getattr(auth, name):
                    field.value = getattr(auth, name)
        self._show_fields()

    def _show_fields(self) -> None:
        used = FIELDS_BY_KIND[self._auth.kind]
        for name in ("token", "username", "password", "key_name", "location"):
            self.query_one(f"#row-{name}").display = name in used
        self.query_one(".reveal").display = bool(used)

    @on(Select.Changed)
    @on(Input.Changed)
    def _edited(self, event: Select.Changed | Input.Changed) -> None:
        event.stop()
        kind = self.query_one("#kind", Select).value
        location = self.query_one("#location", Select).value
        self._auth = replace(
            self._auth,
            kind=AuthKind(str(kind)),
            location=ApiKeyLocation(str(location)),
            token=self.query_one("#token", Input).value,
            username=self.query_one("#username", Input).value,
            password=self.query_one("#password", Input).value,
            key_name=self.query_one("#key_name", Input).value,
        )
        self._show_fields()
        self.post_message(self.Edited(self._auth))

    @on(Switch.Changed, "#reveal")
    def _reveal(self, event: Switch.Changed) -> None:
        event.stop()
        for name in ("token", "password"):
            self.query_one(f"#{name}", Input).password = not event.value
