"""The response viewer: a status line, the timing phases, and tabs for the body, headers,
cookies, redirects and the raw exchange. It renders an Exchange handed to it; it never sends.
Building the body document is CPU work, so it happens in a thread worker.

The tabs are hidden until there is a response, so they (and the save prompt) are built after
the first frame (`Deferred`); what is shown lives here and is rendered into them when they
arrive, so a response that comes first is never lost.

Showing a response replaces the one shown in place: no widget is mounted or removed, and what
appears or disappears (the tabs, the notice) is switched with its own `display`, never with a
class on this view, because a class change restyles every widget below it (~30 ms per change
with the tabs built, paid by the host and by every guest on every send).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static, Tabs

from reqscope.core.errors import ReqscopeError
from reqscope.core.model import Exchange, Response
from reqscope.core.redact import Redactor
from reqscope.ui.formatting import human_size, transport_error_hint
from reqscope.ui.widgets.deferred import Deferred
from reqscope.ui.widgets.diagnosis_pane import fill_when_maximised, toggle_zoom
from reqscope.ui.widgets.status_line import StatusLine
from reqscope.ui.widgets.timing_bar import TimingBar

if TYPE_CHECKING:
    from reqscope.core.body import BodyDocument
    from reqscope.ui.widgets.response_tabs import ResponseTabs
    from reqscope.ui.widgets.save_prompt import SavePrompt

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


def tab_id(name: str) -> str:
    return f"response-{name}"


def _build_save_prompt() -> SavePrompt:
    from reqscope.ui.widgets.save_prompt import SavePrompt

    return SavePrompt(id="response-save")


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
    ResponseView > #response-tabs {
        height: 1fr;
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
        self._document: BodyDocument | None = None  # the body as shown (or None)
        self._tabs: ResponseTabs | None = None  # mounted after the first frame
        self._save_prompt: SavePrompt | None = None  # likewise
        self._generation = 0  # bumps on every show_*, so a late body worker is ignored
        self._confirm_overwrite = ""
        self._switched_to_raw = False  # Raw was shown for a transport error, not by the user
        self._focus_when_built = False

    def compose(self) -> ComposeResult:
        yield StatusLine(id="response-status")
        yield TimingBar(id="response-timing", classes="-empty")
        yield Static(id="response-notice")
        yield Deferred(self._build_tabs, self._tabs_built)
        yield Deferred(_build_save_prompt, self._save_prompt_built)

    def on_mount(self) -> None:
        self.watch(self.screen, "maximized", self._maximised_changed, init=False)

    def _build_tabs(self) -> ResponseTabs:
        """Hidden from birth while there is nothing to show: no frame ever shows them empty."""
        from reqscope.ui.widgets.response_tabs import ResponseTabs

        tabs = ResponseTabs(id="response-tabs")
        tabs.display = self.exchange is not None
        return tabs

    def _tabs_built(self, tabs: ResponseTabs) -> None:
        self._tabs = tabs
        tabs.display = self.exchange is not None  # it may have come while they were mounting
        if self.exchange is not None:
            self._render_tabs()
        if self._focus_when_built:
            self._focus_when_built = False
            self.focus_tabs()

    def _save_prompt_built(self, prompt: SavePrompt) -> None:
        self._save_prompt = prompt

    # --- public API ---------------------------------------------------------------------------

    def focus_tabs(self) -> None:
        """Focus the tab strip, now or as soon as the tabs are built."""
        if self._tabs is None:
            self._focus_when_built = True
        else:
            self._tabs.query_one(Tabs).focus()

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
        if exchange is None:
            self._clear()
            self.query_one(StatusLine).show_idle()
            return
        # Replaced in place, not cleared first: hiding and showing again the notice, the
        # timing bar and the tabs restyles them twice (each share guest paid it per response).
        self._reset()
        self.exchange = exchange
        self.redactor = redactor if redactor is not None else Redactor()
        scrubbed_error = exchange.error
        if scrubbed_error is not None:
            scrubbed_error = replace(
                scrubbed_error, message=self.redactor.scrub(scrubbed_error.message)
            )
            self._notice(
                transport_error_hint(scrubbed_error, self.redactor.url(exchange.request.url))
            )
            self.query_one(TimingBar).show(None)
        else:
            self.query_one("#response-notice", Static).display = False
            self.query_one(TimingBar).show(exchange.timings)
        self.query_one(StatusLine).show_exchange(replace(exchange, error=scrubbed_error))
        if self._tabs is not None:
            self._tabs.display = True
        self._document = document
        response = exchange.response
        if document is None and response is not None and response.body:
            self._build_document(response, self.redactor, self._generation)
        self._render_tabs()

    # --- internals ----------------------------------------------------------------------------

    def _render_tabs(self) -> None:
        """The shown exchange into the tabs, once they exist (they may arrive after it)."""
        tabs, exchange = self._tabs, self.exchange
        if tabs is None or exchange is None:
            return
        if exchange.error is not None:
            # No body to show: the transcript (request as sent, then the error) says more.
            if tabs.active == tab_id("body"):
                tabs.active = tab_id("raw")
                self._switched_to_raw = True
        else:
            if self._switched_to_raw and tabs.active == tab_id("raw"):
                tabs.active = tab_id("body")
            self._switched_to_raw = False
        tabs.show_exchange(exchange, self.redactor)
        tabs.show_document(self._document)

    def _clear(self) -> None:
        self._reset()
        self.query_one("#response-notice", Static).display = False
        self.query_one(TimingBar).show(None)
        if self._tabs is not None:
            self._tabs.display = False
            self._tabs.show_document(None)

    def _reset(self) -> None:
        """Forget the shown exchange (a body still being built for it is dropped)."""
        self._generation += 1
        self.exchange = None
        self._document = None
        if self._save_prompt is not None:
            self._save_prompt.close()

    def _notice(self, text: str) -> None:
        notice = self.query_one("#response-notice", Static)
        notice.update(Content(text))
        notice.display = True

    def _build_document(self, response: Response, redactor: Redactor, generation: int) -> None:
        def build() -> None:
            from reqscope.core.body import BodyDocument

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
            self._document = document
            if self._tabs is not None:
                self._tabs.show_document(document)

    def _body_failed(self, message: str, generation: int) -> None:
        if generation == self._generation:
            self._notice(f"The body cannot be shown: {message}")

    # --- actions ------------------------------------------------------------------------------

    @property
    def active_tab(self) -> str:
        """The shown tab's name ("body", "headers" ...), "" before the tabs exist."""
        tabs = self._tabs
        return tabs.active.removeprefix(tab_id("")) if tabs is not None else ""

    def select_tab(self, name: str) -> None:
        """Show tab `name` without moving the focus (a share guest following the host)."""
        if self._tabs is not None and name:
            self._tabs.active = tab_id(name)

    def action_show_tab(self, name: str) -> None:
        tabs = self._tabs
        if tabs is None:
            return  # no response yet (the tabs are built after the first frame)
        tabs.active = tab_id(name)
        pane = tabs.get_pane(tab_id(name))
        focusable = [child for child in pane.query("*") if child.focusable]
        if focusable:
            focusable[0].focus()

    def _step_tab(self, step: int) -> None:
        if self._tabs is None:
            return
        names = [name for name, _title, _key in TABS]
        active = self._tabs.active.removeprefix("response-")
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
        if self._save_prompt is None:
            return  # not built yet: there was no frame, so no response to save
        self._confirm_overwrite = ""
        note = human_size(len(response.body)) + (" (truncated)" if response.truncated else "")
        self._save_prompt.open(default_save_name(response), note)

    def on_save_prompt_submitted(self, event: SavePrompt.Submitted) -> None:
        event.stop()
        prompt = self._save_prompt
        if prompt is None:  # the event came from it, so it exists: this is for the type checker
            return
        response = self.exchange.response if self.exchange is not None else None
        if response is None:
            prompt.close()
            return
        path = Path(event.path).expanduser()
        if path.exists() and self._confirm_overwrite != str(path):
            self._confirm_overwrite = str(path)
            prompt.say("exists: enter again to overwrite", error=True)
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
        if self._save_prompt is not None:
            self._save_prompt.say(message, error=True)

    def _saved(self, path: Path, size: int) -> None:
        if self._save_prompt is not None:
            self._save_prompt.close()
        self.notify(f"Saved {human_size(size)} to {path}.")
        self._focus_active_tab()

    def _focus_active_tab(self) -> None:
        if self._tabs is not None:
            self.action_show_tab(self._tabs.active.removeprefix("response-"))
