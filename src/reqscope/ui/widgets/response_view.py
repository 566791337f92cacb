"""The response viewer: a status line, the timing phases, and tabs for the body, headers,
cookies, redirects and the raw exchange. It renders an Exchange handed to it; it never sends.
Building the body document is CPU work, so it happens in a thread worker."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static, TabbedContent, TabPane

from reqscope.core.body import BodyDocument
from reqscope.core.errors import ReqscopeError
from reqscope.core.model import Exchange, Response
from reqscope.core.redact import Redactor
from reqscope.ui.formatting import human_size, transport_error_hint
from reqscope.ui.widgets.body_view import BodyView
from reqscope.ui.widgets.cookies_view import CookiesView
from reqscope.ui.widgets.diagnosis_pane import fill_when_maximised, toggle_zoom
from reqscope.ui.widgets.headers_view import HeadersView
from reqscope.ui.widgets.raw_view import RawView
from reqscope.ui.widgets.redirects_view import RedirectsView
from reqscope.ui.widgets.save_prompt import SavePrompt
from reqscope.ui.widgets.status_line import StatusLine
from reqscope.ui.widgets.timing_bar import TimingBar

# tmux drops OSC 52 sequences over ~786 KB; past this, copying fails silently, so refuse
# and offer "save to file" instead.
CLIPBOARD_LIMIT = 768 * 1024

# (tab id suffix, title, key): the order of the tabs and their number keys.
TABS = (
    ("body", "Body", "1"),
    ("headers", "Headers", "2"),
    ("cookies", "Cookies", "3"),
    ("redirects", "Redirects", "4"),
    ("raw", "Raw", "5"),
)

COMPACT_BELOW_ROWS = 14  # the timing bar is hidden in a response pane shorter than this

_EXTENSIONS = {"json": "json", "html": "html", "xml": "xml", "javascript": "js", "css": "css"}


def default_save_name(response: Response) -> str:
    """`response-body.json` etc., from the Content-Type."""
    content_type = (response.header("content-type") or "").lower()
    for marker, extension in _EXTENSIONS.items():
        if marker in content_type:
            return f"response-body.{extension}"
    if content_type.startswith("text/"):
        return "response-body.txt"
    return "response-body.bin" if response.is_binary else "response-body.txt"


def _tab_id(name: str) -> str:
    return f"response-{name}"


class ResponseView(Widget):
    """Shows one Exchange (or that one is on its way, or why none could be sent)."""

    DEFAULT_CSS = """
    ResponseView {
        height: 1fr;
        layout: vertical;
    }
    ResponseView.-compact > TimingBar {
        display: none;
    }
    ResponseView > #response-notice {
        display: none;
        height: auto;
        padding: 0 1;
        color: $error;
    }
    ResponseView.-notice > #response-notice {
        display: block;
    }
    ResponseView > #response-tabs {
        height: 1fr;
    }
    ResponseView.-empty > #response-tabs {
        display: none;
    }
    ResponseView TabPane {
        padding: 0;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(key, f"show_tab('{name}')", title, show=False, tooltip=f"Show the {title} tab")
            for name, title, key in TABS
        ),
        Binding("right_square_bracket", "next_tab", "Next tab", tooltip="Show the next tab"),
        Binding(
            "left_square_bracket",
            "previous_tab",
            "Previous tab",
            show=False,
            tooltip="Show the previous tab",
        ),
        Binding("c", "copy_body", "Copy body", tooltip="Copy the body to the clipboard"),
        Binding("s", "save_body", "Save body", tooltip="Save the body to a file"),
        Binding(
            "z", "toggle_zoom", "Zoom", tooltip="Fill the screen with the response (z again: back)"
        ),
    ]

    ALLOW_MAXIMIZE = True  # not focusable itself: its tabs are

    def __init__(
        self, *, id: str | None = None, classes: str | None = None, name: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes, name=name)
        self.exchange: Exchange | None = None
        self.redactor = Redactor()
        self._generation = 0  # bumps on every show_*, so a late body worker is ignored
        self._confirm_overwrite = ""
        self._switched_to_raw = False  # Raw was shown for a transport error, not by the user

    def compose(self) -> ComposeResult:
        yield StatusLine(id="response-status")
        yield TimingBar(id="response-timing")
        yield Static(id="response-notice")
        with TabbedContent(id="response-tabs"):
            with TabPane("Body", id=_tab_id("body")):
                yield BodyView(id="response-body-view")
            with TabPane("Headers", id=_tab_id("headers")):
                yield HeadersView(id="response-headers-view")
            with TabPane("Cookies", id=_tab_id("cookies")):
                yield CookiesView(id="response-cookies-view")
            with TabPane("Redirects", id=_tab_id("redirects")):
                yield RedirectsView(id="response-redirects-view")
            with TabPane("Raw", id=_tab_id("raw")):
                yield RawView(id="response-raw-view")
        yield SavePrompt(id="response-save")

    def on_mount(self) -> None:
        self.watch(self.screen, "maximized", self._maximised_changed, init=False)
        self.add_class("-empty")
        self.query_one(TimingBar).show(None)

    # --- public API ---------------------------------------------------------------------------

    def show_sending(self, label: str) -> None:
        """A request is on its way: say so at once (a send must never look ignored)."""
        self._clear()
        self.query_one(StatusLine).show_sending(label)

    def show_template_error(self, message: str) -> None:
        """The request could not be expanded, so nothing was sent: say why, in the pane."""
        self._clear()
        self.query_one(StatusLine).show_template_error()
        self._notice(message)

    def show_exchange(
        self,
        exchange: Exchange | None,
        *,
        redactor: Redactor | None = None,
        document: BodyDocument | None = None,
    ) -> None:
        """Show `exchange` with credentials masked by `redactor` (by header name when None).
        `document` is the body already built (and scrubbed) by the caller in a worker; without
        it the body is built here, in a thread worker."""
        self._clear()
        if exchange is None:
            self.query_one(StatusLine).show_idle()
            return
        self.exchange = exchange
        self.redactor = redactor if redactor is not None else Redactor()
        scrubbed_error = exchange.error
        if scrubbed_error is not None:
            scrubbed_error = replace(
                scrubbed_error, message=self.redactor.scrub(scrubbed_error.message)
            )
        self.query_one(StatusLine).show_exchange(replace(exchange, error=scrubbed_error))
        tabs = self.query_one(TabbedContent)
        if scrubbed_error is not None:
            self._notice(
                transport_error_hint(scrubbed_error, self.redactor.url(exchange.request.url))
            )
            # No body to show: the transcript (request as sent, then the error) says more.
            if tabs.active == _tab_id("body"):
                tabs.active = _tab_id("raw")
                self._switched_to_raw = True
        else:
            self.query_one(TimingBar).show(exchange.timings)
            if self._switched_to_raw and tabs.active == _tab_id("raw"):
                tabs.active = _tab_id("body")
            self._switched_to_raw = False
        self.remove_class("-empty")
        self.query_one(HeadersView).show(exchange, self.redactor)
        self.query_one(CookiesView).show(exchange.response)
        self.query_one(RedirectsView).show(exchange, self.redactor)
        self.query_one(RawView).show(exchange, self.redactor)
        self._label_tabs(exchange)
        response = exchange.response
        if document is not None:
            self.query_one(BodyView).show(document)
        elif response is not None and response.body:
            self._build_document(response, self.redactor, self._generation)

    # --- internals ----------------------------------------------------------------------------

    def _clear(self) -> None:
        self._generation += 1
        self.exchange = None
        self.add_class("-empty")
        self.remove_class("-notice")
        self.query_one(TimingBar).show(None)
        self.query_one(BodyView).show(None)
        self.query_one(SavePrompt).close()

    def _notice(self, text: str) -> None:
        self.query_one("#response-notice", Static).update(Content(text))
        self.add_class("-notice")

    def _label_tabs(self, exchange: Exchange) -> None:
        tabs = self.query_one(TabbedContent)
        response = exchange.response
        headers = len(exchange.request.headers) + (len(response.headers) if response else 0)
        cookies = len(response.header_values("set-cookie")) if response else 0
        counts = {"headers": headers, "cookies": cookies, "redirects": len(exchange.redirects)}
        for name, title, _key in TABS:
            count = counts.get(name)
            label = Content.assemble(title, (f" {count}", "$text-muted") if count else "")
            tabs.get_tab(_tab_id(name)).label = label

    def _build_document(self, response: Response, redactor: Redactor, generation: int) -> None:
        def build() -> None:
            scrubbed = replace(
                response,
                body=redactor.scrub_bytes(response.body),
                text=redactor.scrub(response.text),
            )
            try:
                document = BodyDocument.from_response(scrubbed)
            except ReqscopeError as exc:
                self.app.call_from_thread(self._body_failed, str(exc), generation)
                return
            self.app.call_from_thread(self._document_ready, document, generation)

        self.run_worker(build, thread=True, group="response-body", name="build body document")

    def _document_ready(self, document: BodyDocument, generation: int) -> None:
        if generation == self._generation:
            self.query_one(BodyView).show(document)

    def _body_failed(self, message: str, generation: int) -> None:
        if generation == self._generation:
            self._notice(f"The body cannot be shown: {message}")

    # --- actions ------------------------------------------------------------------------------

    def action_show_tab(self, name: str) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = _tab_id(name)
        pane = tabs.get_pane(_tab_id(name))
        focusable = [child for child in pane.query("*") if child.focusable]
        if focusable:
            focusable[0].focus()

    def _step_tab(self, step: int) -> None:
        names = [name for name, _title, _key in TABS]
        active = self.query_one(TabbedContent).active.removeprefix("response-")
        index = names.index(active) if active in names else 0
        self.action_show_tab(names[(index + step) % len(names)])

    def on_resize(self) -> None:
        """Short of rows (80x24), the body needs them more than the timing bar does: the
        status line still has the total time, and z shows everything."""
        self.set_class(self.size.height < COMPACT_BELOW_ROWS, "-compact")

    def action_toggle_zoom(self) -> None:
        """Fill the screen with the response (a 20 MB body reads better full size), or
        restore the layout."""
        toggle_zoom(self)

    def _maximised_changed(self, maximised: Widget | None) -> None:
        fill_when_maximised(self, maximised)

    def action_next_tab(self) -> None:
        self._step_tab(1)

    def action_previous_tab(self) -> None:
        self._step_tab(-1)

    def _response_with_body(self, verb: str) -> Response | None:
        response = self.exchange.response if self.exchange is not None else None
        if response is None or not response.body:
            self.notify(f"There is no body to {verb}.", severity="warning")
            return None
        return response

    def action_copy_body(self) -> None:
        response = self._response_with_body("copy")
        if response is None:
            return
        if response.is_binary:
            self.notify("The body is binary: press s to save it to a file.", severity="warning")
            return
        if len(response.body) > CLIPBOARD_LIMIT:
            self.notify(
                f"The body is {human_size(len(response.body))}: too big for the clipboard over "
                "SSH/tmux. Press s to save it to a file.",
                severity="warning",
            )
            return
        self.app.copy_to_clipboard(self.redactor.scrub(response.text))
        self.notify(f"Copied the body ({human_size(len(response.body))}).")

    def action_save_body(self) -> None:
        response = self._response_with_body("save")
        if response is None:
            return
        self._confirm_overwrite = ""
        note = human_size(len(response.body)) + (" (truncated)" if response.truncated else "")
        self.query_one(SavePrompt).open(default_save_name(response), note)

    def on_save_prompt_submitted(self, event: SavePrompt.Submitted) -> None:
        event.stop()
        response = self.exchange.response if self.exchange is not None else None
        if response is None:
            self.query_one(SavePrompt).close()
            return
        path = Path(event.path).expanduser()
        if path.exists() and self._confirm_overwrite != str(path):
            self._confirm_overwrite = str(path)
            self.query_one(SavePrompt).say("exists: enter again to overwrite", error=True)
            return
        body = response.body

        def write() -> None:
            try:
                path.write_bytes(body)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                self.app.call_from_thread(self._save_failed, f"cannot write: {reason}")
                return
            self.app.call_from_thread(self._saved, path, len(body))

        self.run_worker(write, thread=True, group="response-save", name="save body")

    def on_save_prompt_cancelled(self, event: SavePrompt.Cancelled) -> None:
        event.stop()
        self._focus_active_tab()

    def _save_failed(self, message: str) -> None:
        self.query_one(SavePrompt).say(message, error=True)

    def _saved(self, path: Path, size: int) -> None:
        self.query_one(SavePrompt).close()
        self.notify(f"Saved {human_size(size)} to {path}.")
        self._focus_active_tab()

    def _focus_active_tab(self) -> None:
        self.action_show_tab(self.query_one(TabbedContent).active.removeprefix("response-"))
