"""Per-request transport options: timeout, redirects, TLS verification, HTTP/2, proxy."""

from __future__ import annotations

from dataclasses import replace

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.validation import Integer, Number
from textual.widgets import Checkbox, Input, Label

from reqscope.core.model import RequestOptions


class OptionsForm(VerticalScroll):
    DEFAULT_CSS = """
    OptionsForm { padding: 0 1; }
    OptionsForm Horizontal { height: auto; }
    OptionsForm Label { width: 18; padding: 1 1 0 0; }
    OptionsForm Input { width: 16; }
    OptionsForm #proxy { width: 1fr; }
    OptionsForm Checkbox { width: auto; }
    """

    class Edited(Message):
        def __init__(self, options: RequestOptions) -> None:
            super().__init__()
            self.options = options

    def __init__(self, options: RequestOptions | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._options = options or RequestOptions()

    def compose(self) -> ComposeResult:
        options = self._options
        with Horizontal():
            yield Label("Timeout (s)")
            yield Input(
                _number(options.timeout),
                validators=[Number(minimum=0.001)],
                id="timeout",
                type="number",
            )
            yield Checkbox("Verify TLS", options.verify, id="verify")
            yield Checkbox("HTTP/2", options.http2, id="http2")
        with Horizontal():
            yield Label("Max redirects")
            yield Input(
                str(options.max_redirects),
                validators=[Integer(minimum=0)],
                id="max_redirects",
                type="integer",
            )
            yield Checkbox("Follow redirects", options.follow_redirects, id="follow_redirects")
        with Horizontal():
            yield Label("Proxy")
            yield Input(options.proxy, placeholder="http://127.0.0.1:3128", id="proxy")

    def show(self, options: RequestOptions) -> None:
        self._options = options
        if not self.children:
            return
        with self.prevent(Input.Changed, Checkbox.Changed):
            self._set_input("timeout", options.timeout, _number(options.timeout))
            self._set_input("max_redirects", options.max_redirects, str(options.max_redirects))
            proxy = self.query_one("#proxy", Input)
            if proxy.value != options.proxy:
                proxy.value = options.proxy
            for name in ("verify", "http2", "follow_redirects"):
                checkbox = self.query_one(f"#{name}", Checkbox)
                if checkbox.value != getattr(options, name):
                    checkbox.value = getattr(options, name)

    def _set_input(self, name: str, value: float, text: str) -> None:
        field = self.query_one(f"#{name}", Input)
        try:
            shown = float(field.value)
        except ValueError:
            shown = None
        if shown != value:  # "30" and "30.0" are the same; do not rewrite what was typed
            field.value = text

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _edited(self, event: Input.Changed | Checkbox.Changed) -> None:
        event.stop()
        options = replace(
            self._options,
            verify=self.query_one("#verify", Checkbox).value,
            http2=self.query_one("#http2", Checkbox).value,
            follow_redirects=self.query_one("#follow_redirects", Checkbox).value,
            proxy=self.query_one("#proxy", Input).value.strip(),
        )
        try:
            timeout = float(self.query_one("#timeout", Input).value)
            if timeout > 0:
                options = replace(options, timeout=timeout)
        except ValueError:
            pass  # the validator marks the field; the model keeps the last good value
        try:
            redirects = int(self.query_one("#max_redirects", Input).value)
            if redirects >= 0:
                options = replace(options, max_redirects=redirects)
        except ValueError:
            pass
        if options != self._options:
            self._options = options
            self.post_message(self.Edited(options))


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)
