"""The request line: method, URL and Send, with a preview of the `{{variables}}` the URL uses.

Any method is accepted (PURGE, PROPFIND ...); the common ones are suggested as you type. The
URL's templates are highlighted and their values previewed below it, secret ones masked.
A pasted (or entered) `curl ...` command is handed to the app to become the whole request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from rich.highlighter import Highlighter
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.validation import Regex
from textual.widgets import Button, Input, Static
from textual.widgets.input import Selection

from reqscope.core.urls import TEMPLATE_RE
from reqscope.ui.messages import CurlPasted, SendPressed

COMMON_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT")
# RFC 9110 token characters: what a method may be made of.
METHOD_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
MASK = "••••••"
TEMPLATE_STYLE = "bold magenta"


@dataclass(frozen=True, slots=True)
class VariableValue:
    """What a `{{name}}` currently expands to, for the preview."""

    value: str
    secret: bool = False


def normalise_method(text: str) -> str:
    """`get` -> `GET` for the standard methods; custom ones are kept as typed (methods are
    case-sensitive on the wire)."""
    upper = text.strip().upper()
    return upper if upper in COMMON_METHODS else text.strip()


def looks_like_curl(text: str) -> bool:
    """A pasted or entered `curl ...` command, rather than URL text (the interop module
    decides; imported here, on first paste, to keep it out of start-up)."""
    from reqscope.core.interop.curl import looks_like_curl as is_curl_command

    return is_curl_command(text)


def variable_preview(url: str, values: Mapping[str, VariableValue], whose: str = "") -> Text:
    """`{{base}} = http://… · {{token}} = •••••• · {{x}} undefined` for the URL's templates;
    `{{base}} (the host's value)` for each when `whose` says they expand elsewhere."""
    preview = Text()
    seen: set[str] = set()
    for match in TEMPLATE_RE.finditer(url):
        name = match.group()[2:-2].strip()
        if name in seen:
            continue
        seen.add(name)
        if preview:
            preview.append(" · ", style="dim")
        preview.append(match.group(), style=TEMPLATE_STYLE)
        if whose:
            preview.append(f" ({whose} value)", style="dim")
            continue
        found = values.get(name)
        if found is None:
            preview.append(" undefined", style="red")
        else:
            shown = MASK if found.secret else found.value
            preview.append(" = ")
            preview.append(shown, style="italic" if found.secret else "")
    return preview


class TemplateHighlighter(Highlighter):
    """Highlights `{{variables}}` in the URL input."""

    def highlight(self, text: Text) -> None:
        text.highlight_regex(TEMPLATE_RE, TEMPLATE_STYLE)


class MethodInput(Input):
    DEFAULT_CSS = """
    MethodInput { width: 12; }
    """

    def __init__(self, value: str) -> None:
        super().__init__(
            value,
            placeholder="METHOD",
            suggester=SuggestFromList(COMMON_METHODS, case_sensitive=False),
            validators=[Regex(METHOD_RE.pattern, failure_description="not a valid method")],
            id="method",
            tooltip="Any method; GET, POST ... are suggested (→ accepts)",
        )


class UrlInput(Input):
    """The URL field; a pasted curl command becomes the request instead of URL text."""

    def __init__(self, value: str) -> None:
        super().__init__(
            value,
            placeholder="https://example.com/path — or paste a curl command",
            highlighter=TemplateHighlighter(),
            id="url",
            select_on_focus=False,  # done here, with the cursor at the start
        )

    def _on_focus(self, event: events.Focus) -> None:
        """Select it all, as a browser's address bar does, but with the cursor at the start:
        a long URL then shows its beginning (`{{base}}/…`) instead of its end (`se}}/…`).
        Typing replaces it; End or a click puts the cursor where it is wanted."""
        if not event.from_app_focus:
            self.selection = Selection(len(self.value), 0)

    def _on_paste(self, event: events.Paste) -> None:
        # Textual calls the handlers of every class in the MRO: Input's own paste runs after
        # this one unless `prevent_default` stops it.
        if looks_like_curl(event.text):
            event.prevent_default()
            event.stop()
            self.post_message(CurlPasted(event.text))


class UrlBar(Vertical):
    """Method, URL, Send; the variable preview under them."""

    DEFAULT_CSS = """
    UrlBar { height: auto; }
    UrlBar > Horizontal { height: 3; }
    UrlBar #url { width: 1fr; }
    UrlBar #send { min-width: 8; width: 10; }
    UrlBar #preview { height: 1; padding: 0 1; color: $text-muted; }
    """

    class Edited(Message):
        """Method or URL text changed."""

        def __init__(self, method: str, url: str) -> None:
            super().__init__()
            self.method = method
            self.url = url

    def __init__(self, method: str = "GET", url: str = "") -> None:
        super().__init__()
        self._method = method
        self._url = url
        self._values: dict[str, VariableValue] = {}
        self._whose = ""  # "the host's": the values are someone else's, not shown here

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield MethodInput(self._method)
            yield UrlInput(self._url)
            yield Button("Send", id="send", variant="primary", tooltip="Send (ctrl+j)")
        yield Static("", id="preview")

    def show(self, method: str, url: str) -> None:
        self._method, self._url = method, url
        if not self.is_mounted and not self.children:
            return
        with self.prevent(Input.Changed):
            method_input = self.query_one(MethodInput)
            if normalise_method(method_input.value) != method:
                method_input.value = method
            url_input = self.query_one(UrlInput)
            if url_input.value != url:
                url_input.value = url
        self._refresh_preview()

    def show_variables(self, values: Mapping[str, VariableValue], whose: str = "") -> None:
        self._values = dict(values)
        self._whose = whose
        if self.children:
            self._refresh_preview()

    def _refresh_preview(self) -> None:
        preview = variable_preview(self._url, self._values, self._whose)
        self.query_one("#preview", Static).update(preview)

    @on(Input.Changed, "#method, #url")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        method = normalise_method(self.query_one(MethodInput).value)
        url = self.query_one(UrlInput).value
        if method and not METHOD_RE.match(method):
            return  # the validator shows the problem; the model keeps the last good method
        self._method, self._url = method or "GET", url
        self._refresh_preview()
        self.post_message(self.Edited(self._method, url))

    @on(Input.Submitted, "#url")
    def _url_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if looks_like_curl(event.value):
            self.post_message(CurlPasted(event.value))
        else:
            self.post_message(SendPressed())

    @on(Input.Submitted, "#method")
    def _method_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(UrlInput).focus()

    @on(Button.Pressed, "#send")
    def _send_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(SendPressed())
